package dev.latchwork.fetch;

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
 * A JVM that never records pays nothing for the store's Flight Recorder events: downloading,
 * reading and closing stores loads no event class, so the recorder's metadata (about a hundred
 * JDK classes and tens of milliseconds of start-up) is never initialized.
 */
class NoRecordingTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void storesInAJvmThatNeverRecordsLoadNoFlightRecorderClass() throws Exception {
    Path classes = dir.resolve("classes.txt");
    Path temp = Files.createDirectory(dir.resolve("temp"));
    Process p = new ProcessBuilder(ChildJvm.java(),
        "-Xlog:class+load=info:file=" + classes, "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
        "-cp", ChildJvm.classPath(ManyStoresChild.class), ManyStoresChild.class.getName(), "4",
        temp.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(dir.resolve("out.txt"))).contains("ok 4 stores, files left 0");
    List<String> loaded = ChildJvm.flightRecorderClassesLoaded(classes);
    assertThat(loaded).as("classes loaded although nothing records").isEmpty();
  }
}
