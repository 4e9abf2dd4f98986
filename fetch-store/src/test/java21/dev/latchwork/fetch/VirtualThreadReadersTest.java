package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.assertNothingLeft;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.fetch.MemorySource.Behavior;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers on virtual threads: thousands may wait on one store without pinning carriers. */
class VirtualThreadReadersTest {
  private static final int PART = 16 << 10;

  @TempDir Path dir;

  @Test
  void thousandsOfVirtualReadersWaitAndAllGetTheirBytes() throws Exception {
    byte[] data = bytes(64 * PART, 1);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART).open();
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        long pos = (long) (i * 7919L % (data.length - 100));
        futures.add(readers.submit(() -> {
          ByteBuffer buf = ByteBuffer.allocate(100);
          while (buf.hasRemaining()) {
            store.read(buf, pos + buf.position());
          }
          return Arrays.equals(buf.array(), Arrays.copyOfRange(data, (int) pos, (int) pos + 100));
        }));
      }
      gate.complete(null);
      for (Future<Boolean> f : futures) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void closeWakesThousandsOfVirtualReaders() throws Exception {
    MemorySource source = new MemorySource(bytes(8 * PART, 2));
    source.fault = (start, end, n) -> Behavior.stallAfter(0);
    FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART).open();
    List<Future<Throwable>> futures = new ArrayList<>();
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 2000; i++) {
        long pos = (i % 8) * (long) PART;
        futures.add(readers.submit(() -> {
          try {
            store.read(ByteBuffer.allocate(10), pos);
            return null;
          } catch (Throwable e) {
            return e;
          }
        }));
      }
      store.close();
      for (Future<Throwable> f : futures) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isInstanceOf(ClosedStoreException.class);
      }
    }
    assertNothingLeft(store, dir);
  }
}
