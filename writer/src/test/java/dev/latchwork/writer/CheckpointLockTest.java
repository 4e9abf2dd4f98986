package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint lock that keeps other processes from resuming a write in progress survives a
 * second writer of this process being refused: the refusal must not open (and close) the
 * checkpoint again, since closing any descriptor of a file drops the process's POSIX locks on it.
 * Another process (a child JVM) probes the lock.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CheckpointLockTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;

  @Test
  void aRefusedSecondWriterInThisProcessLeavesTheLockHeldAgainstOtherProcesses() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    ChunkWriter live = noBackground(target).create(layout);
    live.write(0, TestData.chunk(1, layout, 0));
    assertThat(probe(target)).as("before any refusal").isEqualTo("held");

    assertThatThrownBy(() -> noBackground(target).resume()).isInstanceOf(IOException.class).hasMessageContaining("in use");
    assertThat(probe(target)).as("after a refused resume").isEqualTo("held");

    assertThatThrownBy(() -> noBackground(target).replaceUnfinished(true).create(layout))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
    assertThat(probe(target)).as("after a refused replacing create").isEqualTo("held");

    live.close();
    assertThat(probe(target)).as("after close: the probe can tell a free lock").isEqualTo("free");
    ChunkWriter resumed = noBackground(target).resume();
    assertThat(resumed.missingChunks()).containsExactly(1);
    assertThat(probe(target)).as("the resumed writer holds it").isEqualTo("held");
    resumed.write(1, TestData.chunk(1, layout, 1));
    resumed.commit();
    TestData.assertComplete(target, 1, layout);
  }

  private static String probe(Path target) throws Exception {
    String java = ChildJvm.java();
    Process child = new ProcessBuilder(java, "-cp", ChildJvm.classPath(LockProbeChild.class),
            LockProbeChild.class.getName(), TempFiles.checkpointPath(target).toString())
        .redirectErrorStream(true)
        .start();
    try {
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the lock probe did not finish");
      }
      return new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    } finally {
      child.destroyForcibly();
    }
  }
}
