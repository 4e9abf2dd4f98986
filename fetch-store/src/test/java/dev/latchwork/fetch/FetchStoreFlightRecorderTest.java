package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.RecordedEvents;
import dev.latchwork.fetch.MemorySource.Behavior;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's JDK Flight Recorder events, read back from a real recording: one PartFetch per part
 * with its bytes and attempts, and a ReaderWait for a read that waited for its bytes. Waits are
 * bounded and on gates; nothing sleeps.
 */
@Timeout(60)
class FetchStoreFlightRecorderTest {
  private static final int PART = 16 << 10;
  private static final Pattern INSTANCE = Pattern.compile("^FetchStore#(\\d+)\\[");

  @TempDir Path dir;
  private final ExecutorService readers = Executors.newCachedThreadPool();

  @AfterEach
  void stopReaders() throws InterruptedException {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  private FetchStore.Builder builder(RangeSource source) {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).retryPolicy(FAST)
        .backoff(new StoreTesting.RecordingBackoff());
  }

  @Test
  void everyPartFetchIsRecordedWithItsBytesAndAttempts() throws Exception {
    byte[] data = bytes(3 * PART + 100, 41);
    MemorySource source = new MemorySource(data);
    AtomicBoolean resetOnce = new AtomicBoolean(); // part 1's first stream resets after 1000 bytes
    source.fault = (start, end, n) -> start == PART && resetOnce.compareAndSet(false, true)
        ? Behavior.resetAfter(1000) : Behavior.normal();
    try (RecordedEvents events = RecordedEvents.start(Duration.ZERO, PartFetchEvent.NAME)) {
      int instance;
      try (FetchStore store = builder(source).open()) {
        instance = instanceOf(store);
        store.awaitComplete();
      }

      List<RecordedEvent> fetches =
          events.await(4, e -> e.getInt("storeInstance") == instance);

      assertThat(fetches).hasSize(4);
      fetches.sort(Comparator.comparingInt(e -> e.getInt("part")));
      for (int p = 0; p < 4; p++) {
        RecordedEvent fetch = fetches.get(p);
        assertThat(fetch.getInt("part")).isEqualTo(p);
        assertThat(fetch.getLong("bytes")).as("bytes of part %d", p).isEqualTo(p < 3 ? PART : 100);
        assertThat(fetch.getInt("attempts")).as("attempts of part %d", p).isEqualTo(p == 1 ? 2 : 1);
        assertThat(fetch.getBoolean("succeeded")).isTrue();
      }
    }
  }

  @Test
  void aReadThatWaitsForItsBytesIsRecordedWithItsRangeAndWait() throws Exception {
    byte[] data = bytes(2 * PART, 42);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> start == 0 ? Behavior.gated(gate) : Behavior.normal();
    try (RecordedEvents events = RecordedEvents.start(Duration.ZERO, ReaderWaitEvent.NAME);
        FetchStore store = builder(source).parallelism(1).open()) {
      int instance = instanceOf(store);
      long before = System.nanoTime();
      Future<Integer> read = readers.submit(() -> store.read(ByteBuffer.allocate(100), 10));
      awaitWaiting(store);
      gate.complete(null);
      assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(100);
      long took = System.nanoTime() - before;

      RecordedEvent wait =
          events.await(1, e -> e.getInt("storeInstance") == instance).get(0);

      assertThat(wait.getLong("position")).isEqualTo(10);
      assertThat(wait.getLong("length")).isEqualTo(100);
      assertThat(wait.getDuration("waited"))
          .isPositive()
          .isLessThanOrEqualTo(Duration.ofNanos(took));
      assertThat(wait.getStackTrace()).as("the reader's stack").isNotNull();
    }
  }

  /** Waits until some reader thread is parked inside the store's read (no sleeping). */
  private static void awaitWaiting(FetchStore store) {
    for (;;) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        Thread.State state = t.getState();
        if ((state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
            && isInAwaitRange(t.getStackTrace())) {
          return;
        }
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static boolean isInAwaitRange(StackTraceElement[] stack) {
    for (StackTraceElement frame : stack) {
      if (frame.getClassName().equals(RangeReader.class.getName())
          && frame.getMethodName().equals("awaitRange")) {
        return true;
      }
    }
    return false;
  }

  private static int instanceOf(FetchStore store) {
    Matcher m = INSTANCE.matcher(store.toString());
    assertThat(m.find()).as("store instance in %s", store).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
