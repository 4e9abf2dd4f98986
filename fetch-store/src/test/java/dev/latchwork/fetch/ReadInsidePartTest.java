package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers are served inside a part: a read waits for its own bytes, not for the whole part. The
 * source is gated after the first 4 KiB of the part, and the gate opens only after the read
 * returned, so a store that made readers wait for whole parts would never return (and the test
 * would time out).
 */
@Timeout(60)
class ReadInsidePartTest {
  private static final int PART = 1 << 20;
  @TempDir Path dir;

  @Test
  void aReadOfTheFirst4KiBOfAPartInFlightReturnsBeforeThePartCompletes() throws Exception {
    byte[] data = bytes(2 * PART, 41);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    List<String> events = new CopyOnWriteArrayList<>();
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> start == 0
        ? new MemorySource.Behavior(4096, gate, false, null) : MemorySource.Behavior.normal();
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART)
        .parallelism(1).open()) {
      ByteBuffer first = ByteBuffer.allocate(4096);
      assertThat(store.read(first, 0)).isEqualTo(4096);
      events.add("read returned");
      assertThat(first.array()).isEqualTo(Arrays.copyOf(data, 4096));
      FetchProgress during = store.progress();
      assertThat(during.partsDone()).as("the part is still in flight").isZero();
      assertThat(during.bytesPresent()).as("progress advanced as bytes landed")
          .isGreaterThanOrEqualTo(4096).isLessThan(PART);
      events.add("gate opened");
      gate.complete(null);
      store.awaitComplete();
      ByteBuffer all = ByteBuffer.allocate(data.length);
      while (all.hasRemaining()) {
        store.read(all, all.position());
      }
      assertThat(all.array()).isEqualTo(data);
    }
    assertThat(events).containsExactly("read returned", "gate opened");
  }

  @Test
  void aReadAcrossTheWatermarkWaitsForTheMissingBytesOnly() throws Exception {
    byte[] data = bytes(PART, 42);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> new MemorySource.Behavior(4096, gate, false, null);
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART)
        .parallelism(1).open()) {
      assertThat(store.read(ByteBuffer.allocate(4096), 0)).isEqualTo(4096);
      CompletableFuture<byte[]> across = CompletableFuture.supplyAsync(() -> {
        ByteBuffer b = ByteBuffer.allocate(100);
        try {
          store.read(b, 4050);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return b.array();
      });
      Thread.onSpinWait();
      assertThat(across).as("bytes 4096.. are not written yet").isNotDone();
      gate.complete(null);
      assertThat(across.get()).isEqualTo(Arrays.copyOfRange(data, 4050, 4150));
    }
  }
}
