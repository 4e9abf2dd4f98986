package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct memory stays bounded by the fetches in progress, not by the stores a process has opened:
 * closed stores that stay reachable hold no direct buffer.
 */
class DirectMemoryTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void manyClosedStoresKeptReachableDoNotExhaustDirectMemory() throws Exception {
    // 64 stores of two parallel fetches, 1 MiB buffers, 16 MiB of direct memory: a buffer kept
    // per store (or per fetch) would run out after a few stores.
    Process p = new ProcessBuilder(ChildJvm.java(), "-XX:MaxDirectMemorySize=16m",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp",
        ChildJvm.classPath(ManyStoresChild.class), ManyStoresChild.class.getName(), "64",
        dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String answer = null;
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(ManyStoresChild.ANSWER)) {
        answer = line.substring(ManyStoresChild.ANSWER.length());
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(answer).isEqualTo("ok 64 stores, files left 0");
  }

  @Test
  void thePoolKeepsNoMoreIdleBuffersThanItsCap() {
    DirectBufferPool pool = new DirectBufferPool(4096, 3);
    List<ByteBuffer> taken = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ByteBuffer b = pool.acquire();
      assertThat(b.isDirect()).isTrue();
      assertThat(b.capacity()).isEqualTo(4096);
      b.put((byte) 1);
      taken.add(b);
    }
    taken.forEach(pool::release);
    assertThat(pool.idle()).isEqualTo(3);
    ByteBuffer again = pool.acquire();
    assertThat(again.position()).as("an idle buffer comes back cleared").isZero();
    assertThat(again.remaining()).isEqualTo(4096);
    assertThat(pool.idle()).isEqualTo(2);
  }
}
