package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.isPresent;
import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.Tracer;
import dev.latchwork.core.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a cache entry's progress and traces show while its fetches wait for disk space. */
@ExtendWith(TestSeed.class)
@Timeout(60)
class FetchCacheProgressTest {
  private static final int PART = 16 << 10;

  @TempDir Path dir;

  @Test
  void aPartWaitingForSpaceShowsInTheProgressAndAsAnInFlightOperation() throws Exception {
    byte[] a = bytes(2 * PART, 51);
    byte[] b = bytes(2 * PART, 52);
    boolean tracking = Tracer.isTrackingInFlight();
    Tracer.trackInFlight(true);
    ExecutorService readers = Executors.newSingleThreadExecutor();
    try (FetchCache c = FetchCache.builder(dir).partSize(PART).parallelism(3)
        .retryPolicy(StoreTesting.FAST).maxBytes(3 * PART).open()) {
      FetchCache.Handle held = c.open("a", new MemorySource(a));
      assertThat(readAll(held)).isEqualTo(a);
      try (FetchCache.Handle h = c.open("b", new MemorySource(b))) {
        // One part of "b" fits; the other is deferred until a reader wants it, and then waits.
        awaitTrue(() -> h.progress().bytesPresent() == PART, "one part of b present");
        assertThat(h.progress().partsWaitingForSpace()).as("a deferred part does not wait")
            .isZero();
        int other = isPresent(h, 0) ? 1 : 0;
        Future<Integer> read = readers.submit(
            () -> h.read(ByteBuffer.allocate(10), other * (long) PART));
        awaitTrue(() -> h.progress().partsWaitingForSpace() == 1, "a part waiting for space");
        FetchProgress waiting = h.progress();
        assertThat(waiting.partsInFlight()).as("waiting is not fetching").isZero();
        assertThat(waiting.isComplete()).isFalse();
        assertThat(Tracer.inFlight()).anyMatch(op -> op.component().equals("FetchStore")
            && op.operation().equals("awaitSpace")
            && op.value("part").equals(Integer.toString(other)));
        assertThat(read).isNotDone();

        held.close(); // "a" becomes evictable: the wait ends
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
        assertThat(h.progress()).isEqualTo(new FetchProgress(2 * PART, 2 * PART, 2, 0, 0, 0));
        awaitTrue(() -> Tracer.inFlight().stream()
            .noneMatch(op -> op.operation().equals("awaitSpace")), "the wait's trace ended");
      }
    } finally {
      readers.shutdownNow();
      Tracer.trackInFlight(tracking);
    }
  }

  @Test
  void aStoreThatIsNotACacheEntryNeverWaitsForSpace() throws Exception {
    byte[] data = bytes(3 * PART + 5, 53);
    try (FetchStore store = FetchStore.builder(new MemorySource(data)).tempDirectory(dir)
        .partSize(PART).open()) {
      store.awaitComplete();
      assertThat(store.progress()).isEqualTo(new FetchProgress(data.length, data.length, 4, 0, 0));
      assertThat(store.progress().partsWaitingForSpace()).isZero();
    }
  }



  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " in time").isLessThan(deadline);
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
