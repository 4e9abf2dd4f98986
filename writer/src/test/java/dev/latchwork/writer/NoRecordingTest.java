package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that never records pays nothing for the writer's Flight Recorder events: writing,
 * checkpointing and committing loads no event class, so the recorder's metadata is never
 * initialized.
 */
class NoRecordingTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void aWriterInAJvmThatNeverRecordsLoadsNoFlightRecorderClass() throws Exception {
    Path classes = dir.resolve("classes.txt");
    Process p = new ProcessBuilder(ChildJvm.java(),
        "-Xlog:class+load=info:file=" + classes, "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
        "-cp", ChildJvm.classPath(NoRecordingChild.class), NoRecordingChild.class.getName(),
        dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(dir.resolve("out.txt"))).contains("ok " + 8 * 4096);
    List<String> loaded = ChildJvm.flightRecorderClassesLoaded(classes);
    assertThat(loaded).as("classes loaded although nothing records").isEmpty();
  }
}
