package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second cache on a directory, in another process, is refused while a first one holds it, even
 * after a refusal in the first one's process (refusing must not drop the first one's lock).
 */
class FetchCacheLockTest {
  @TempDir Path cacheDir;

  private static Process child(String... args) throws Exception {
    String java = ChildJvm.java();
    String[] command = new String[args.length + 5];
    command[0] = java;
    command[1] = "-Dorg.slf4j.simpleLogger.defaultLogLevel=off";
    command[2] = "-cp";
    command[3] = ChildJvm.classPath(FetchCacheChild.class);
    command[4] = FetchCacheChild.class.getName();
    System.arraycopy(args, 0, command, 5, args.length);
    // Its stdout carries the answer; anything else it prints is dropped.
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String firstLine(Process p) throws Exception {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(FetchCacheChild.ANSWER)) {
        return line.substring(FetchCacheChild.ANSWER.length());
      }
    }
    return null;
  }

  @Test
  @Timeout(60)
  void aSecondCacheIsRefusedInAnotherProcessEvenAfterARefusalInThisOne() throws Exception {
    try (FetchCache first = FetchCache.builder(cacheDir).open()) {
      try {
        FetchCache.builder(cacheDir).open().close();
        throw new AssertionError("a second cache on the directory was not refused");
      } catch (java.io.IOException expected) {
        assertThat(expected).hasMessageContaining("in use");
      }
      Process p = child("probe", cacheDir.toString());
      assertThat(firstLine(p)).as("the first cache still holds the lock").isEqualTo("refused");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(first.stats().entries()).isZero();
    }
    Process p = child("probe", cacheDir.toString());
    assertThat(firstLine(p)).isEqualTo("opened 0");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }
}
