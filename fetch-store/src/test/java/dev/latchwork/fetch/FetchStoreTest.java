package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.StoreTesting.awaitParked;
import static dev.latchwork.fetch.TestData.assertDirectoryEmpty;
import static dev.latchwork.fetch.TestData.assertNothingLeft;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import dev.latchwork.fetch.MemorySource.Behavior;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class FetchStoreTest {
  private static final int PART = 64 << 10;

  @TempDir Path dir;
  private final ExecutorService readers = Executors.newCachedThreadPool();
  private final StoreTesting.RecordingBackoff backoff = new StoreTesting.RecordingBackoff();

  @AfterEach
  void stopReaders() throws InterruptedException {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
  }

  private FetchStore.Builder builder(RangeSource source) {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).retryPolicy(FAST)
        .backoff(backoff);
  }

  private static byte[] readFully(FetchStore store, long position, int length) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      int n = store.read(buf, position + buf.position());
      if (n < 0) {
        break;
      }
    }
    return Arrays.copyOf(buf.array(), buf.position());
  }

  private static byte[] slice(byte[] data, long from, int length) {
    int end = (int) Math.min(data.length, from + length);
    return Arrays.copyOfRange(data, (int) Math.min(from, data.length), end);
  }

  // --- reading ---------------------------------------------------------------------------------

  @Test
  void readsTheWholeObjectByteForByte() throws Exception {
    byte[] data = bytes(10 * PART + 123, 1);
    FetchStore store = builder(new MemorySource(data)).open();
    try {
      assertThat(store.size()).isEqualTo(data.length);
      try (InputStream in = store.newInputStream(0)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      store.awaitComplete();
      FetchProgress p = store.progress();
      assertThat(p).isEqualTo(new FetchProgress(data.length, data.length, 11, 0, 0));
      assertThat(p.isComplete()).isTrue();
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aReadIsShortOnlyAtTheEndAndMinusOneAtOrPastIt() throws Exception {
    byte[] data = bytes(3 * PART + 10, 2);
    try (FetchStore store = builder(new MemorySource(data)).open()) {
      ByteBuffer buf = ByteBuffer.allocate(100);
      assertThat(store.read(buf, data.length - 10)).isEqualTo(10);
      assertThat(Arrays.copyOf(buf.array(), 10)).isEqualTo(slice(data, data.length - 10, 10));
      assertThat(store.read(ByteBuffer.allocate(5), data.length)).isEqualTo(-1);
      assertThat(store.read(ByteBuffer.allocate(5), Long.MAX_VALUE)).isEqualTo(-1);
      assertThat(store.read(ByteBuffer.allocate(0), 3)).isZero();
      ByteBuffer across = ByteBuffer.allocate(2 * PART);
      assertThat(store.read(across, PART / 2)).isEqualTo(2 * PART);
      assertThat(across.array()).isEqualTo(slice(data, PART / 2, 2 * PART));
      // the buffer's limit is restored and only its remaining bytes are filled
      ByteBuffer window = ByteBuffer.allocate(50).position(10).limit(20);
      assertThat(store.read(window, 7)).isEqualTo(10);
      assertThat(window.position()).isEqualTo(20);
      assertThat(window.limit()).isEqualTo(20);
      assertThat(Arrays.copyOfRange(window.array(), 10, 20)).isEqualTo(slice(data, 7, 10));
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void anEmptyObjectIsCompleteAtOnce() throws Exception {
    FetchStore store = builder(new MemorySource(new byte[0])).open();
    assertThat(store.read(ByteBuffer.allocate(4), 0)).isEqualTo(-1);
    store.awaitComplete();
    assertThat(store.progress().isComplete()).isTrue();
    Path target = dir.resolve("sub");
    Files.createDirectory(target);
    store.moveTo(target.resolve("empty.bin"));
    assertThat(Files.size(target.resolve("empty.bin"))).isZero();
    Files.delete(target.resolve("empty.bin"));
    Files.delete(target);
    assertNothingLeft(store, dir);
  }

  @Test
  void randomReadersSeeExactlyTheSourceBytesWhileTheDownloadRuns() throws Exception {
    byte[] data = bytes(4 << 20, 3);
    MemorySource source = new MemorySource(data);
    // every third stream resets after some bytes: reads must still see exact bytes
    source.fault = (start, end, n) ->
        n % 3 == 1 ? Behavior.resetAfter((end - start) / 3) : Behavior.normal();
    FetchStore store = builder(source).retryPolicy(FAST.withMaxAttempts(10)).open();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int r = 0; r < 8; r++) {
        SplittableRandom random = TestSeed.random("FetchStoreTest.randomReaders/reader " + r);
        futures.add(readers.submit(() -> {
          for (int i = 0; i < 100; i++) {
            long pos = random.nextLong(data.length + 100);
            int len = 1 + random.nextInt(3 * PART);
            assertThat(readFully(store, pos, len)).isEqualTo(slice(data, pos, len));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      store.awaitComplete();
      assertThat(store.progress().retries()).isPositive();
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void readersRacingCompletionAllSeeTheirBytes() throws Exception {
    for (int round = 0; round < 40; round++) {
      byte[] data = bytes(8 * 1024 + round, round);
      FetchStore store = builder(new MemorySource(data)).partSize(1024).parallelism(3).open();
      try {
        List<Future<?>> futures = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int r = 0; r < 4; r++) {
          SplittableRandom random =
              TestSeed.random("FetchStoreTest.racingCompletion/round " + round + "/reader " + r);
          futures.add(readers.submit(() -> {
            go.await();
            for (int i = 0; i < 20; i++) {
              long pos = random.nextLong(data.length);
              int len = 1 + random.nextInt(3000);
              assertThat(readFully(store, pos, len)).isEqualTo(slice(data, pos, len));
            }
            return null;
          }));
        }
        futures.add(readers.submit(() -> {
          go.await();
          store.awaitComplete();
          // all bytes present implies final counters, whichever part finished last
          int parts = (data.length + 1023) / 1024;
          assertThat(store.progress())
              .isEqualTo(new FetchProgress(data.length, data.length, parts, 0, 0));
          return null;
        }));
        go.countDown();
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        store.close();
      }
      assertNothingLeft(store, dir);
    }
  }

  // --- order of fetching -----------------------------------------------------------------------

  @Test
  void aReaderFarAheadIsServedBeforeEarlierPartsFinish() throws Exception {
    byte[] data = bytes(10 * PART, 4);
    MemorySource source = new MemorySource(data);
    Map<Long, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    CompletableFuture<Void> gate0 = new CompletableFuture<>();
    CompletableFuture<Void> gate1 = new CompletableFuture<>();
    gates.put(0L, gate0);
    gates.put((long) PART, gate1);
    source.fault = (start, end, n) -> gates.containsKey(start)
        ? Behavior.gated(gates.get(start)) : Behavior.normal();
    try (FetchStore store = builder(source).parallelism(2).open()) {
      // both workers are held inside parts 0 and 1
      awaitEvents(source, 2);
      Future<byte[]> far = submitAndAwaitParked(() -> readFully(store, 8L * PART + 5, 100));
      Future<byte[]> alsoFar = submitAndAwaitParked(() -> readFully(store, 8L * PART + 500, 100));
      gate1.complete(null); // frees one worker: it must take part 8, not part 2
      assertThat(far.get(60, TimeUnit.SECONDS)).isEqualTo(slice(data, 8L * PART + 5, 100));
      assertThat(alsoFar.get(60, TimeUnit.SECONDS)).isEqualTo(slice(data, 8L * PART + 500, 100));
      assertThat(gate0.isDone()).as("part 0 is still held back").isFalse();
      assertThat(new ArrayList<>(source.events).subList(0, 3))
          .as("part 8 fetched right after the first two parts")
          .containsExactlyInAnyOrder("open 0-" + PART, "open " + PART + "-" + 2 * PART,
              "open " + 8 * PART + "-" + 9 * PART)
          .last().isEqualTo("open " + 8 * PART + "-" + 9 * PART);
      gate0.complete(null);
      store.awaitComplete();
      assertThat(source.events).as("every part fetched exactly once").hasSize(10)
          .doesNotHaveDuplicates();
    }
    assertDirectoryEmptyEventually();
  }

  /**
   * Runs {@code task} on a reader thread and returns once that thread is parked (a reader parks
   * only on a part latch, after it has demanded its parts) or done.
   */
  private <T> Future<T> submitAndAwaitParked(java.util.concurrent.Callable<T> task) {
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<T> f = readers.submit(() -> {
      thread.set(Thread.currentThread());
      return task.call();
    });
    while (thread.get() == null) {
      Thread.onSpinWait();
    }
    awaitParked(thread.get());
    return f;
  }

  private static void awaitEvents(MemorySource source, int count) {
    while (source.events.size() < count) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  // --- closing ---------------------------------------------------------------------------------

  @Test
  void closeWakesEveryBlockedReaderWithClosedStoreException() throws Exception {
    byte[] data = bytes(4 * PART, 5);
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> Behavior.stallAfter(10);
    FetchStore store = builder(source).open();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<Future<Throwable>> futures = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      long pos = r * (long) PART;
      futures.add(readers.submit(() -> {
        threads.add(Thread.currentThread());
        try {
          // More than the 10 bytes each part gets before it stalls: the reader blocks.
          store.read(ByteBuffer.allocate(100), pos);
          return null;
        } catch (Throwable e) {
          return e;
        }
      }));
    }
    while (threads.size() < 4) {
      Thread.onSpinWait();
    }
    threads.forEach(StoreTesting::awaitParked);
    store.close();
    for (Future<Throwable> f : futures) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isInstanceOf(ClosedStoreException.class);
    }
    assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 0))
        .isInstanceOf(ClosedStoreException.class);
    assertThatThrownBy(store::awaitComplete).isInstanceOf(ClosedStoreException.class);
    assertThatThrownBy(() -> store.newInputStream(0)).isInstanceOf(ClosedStoreException.class);
    assertThatThrownBy(store::newChannel).isInstanceOf(ClosedStoreException.class);
    store.close(); // idempotent
    assertNothingLeft(store, dir);
    assertThat(store.download.ownedExecutor().awaitTermination(60, TimeUnit.SECONDS))
        .as("stalled fetch threads were aborted").isTrue();
    assertThat(source.openStreams).as("every source stream closed").hasValue(0);
  }

  @Test
  void closeLetsAReadInsideTheFileFinishAndDeletesTheFileAfterIt() throws Exception {
    byte[] data = bytes(2 * PART, 6);
    FetchStore store = builder(new MemorySource(data)).open();
    store.awaitComplete();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch mayRead = new CountDownLatch(1);
    store.insideReadHook = () -> {
      inside.countDown();
      try {
        mayRead.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    Future<byte[]> read = readers.submit(() -> readFully(store, 100, 1000));
    inside.await();
    store.close(); // returns although a reader is inside the file
    assertThat(Files.exists(store.file.path())).as("kept for the reader inside").isTrue();
    assertThat(store.terminated().isOpen()).isFalse();
    mayRead.countDown();
    assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(slice(data, 100, 1000));
    assertNothingLeft(store, dir);
  }

  @Test
  void closeRacingReadsEndsInDataOrClosedStoreExceptionAndNeverLeaksTheFile() throws Exception {
    for (int round = 0; round < 100; round++) {
      byte[] data = bytes(4096, round);
      FetchStore store = builder(new MemorySource(data)).partSize(1024).open();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Object>> futures = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        futures.add(readers.submit(() -> {
          go.await();
          try {
            return readFully(store, 1000, 2000);
          } catch (ClosedStoreException e) {
            return e;
          }
        }));
      }
      go.countDown();
      store.close();
      for (Future<Object> f : futures) {
        Object result = f.get(60, TimeUnit.SECONDS);
        if (result instanceof byte[]) {
          assertThat((byte[]) result).isEqualTo(slice(data, 1000, 2000));
        } else {
          assertThat(result).isInstanceOf(ClosedStoreException.class);
        }
      }
      assertNothingLeft(store, dir);
    }
  }

  // --- failures --------------------------------------------------------------------------------

  @Test
  void aResetIsRetriedResumingFromTheBytesAlreadyReceived() throws Exception {
    byte[] data = bytes(PART, 7);
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> n < 3 ? Behavior.resetAfter(1000) : Behavior.normal();
    try (FetchStore store = builder(source).open()) {
      assertThat(readFully(store, 0, PART)).isEqualTo(data);
      assertThat(source.events).containsExactly(
          "open 0-" + PART, "open 1000-" + PART, "open 2000-" + PART, "open 3000-" + PART);
      assertThat(store.progress().retries()).isEqualTo(3);
      assertThat(backoff.delays).as("exponential backoff, no jitter")
          .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void aStalledStreamIsAbortedAfterTheReadTimeoutAndResumed() throws Exception {
    byte[] data = bytes(PART, 29);
    MemorySource source = new MemorySource(data);
    // the first stream stalls (until closed) after 1000 bytes
    source.fault = (start, end, n) -> n == 0 ? Behavior.stallAfter(1000) : Behavior.normal();
    try (FetchStore store = builder(source).readTimeout(Duration.ofMillis(200)).open()) {
      assertThat(readFully(store, 0, PART)).isEqualTo(data);
      // A read returns once its bytes are written, possibly before the fetch closed its stream;
      // the part completes only after that.
      store.awaitComplete();
      // (a loaded machine may add spurious timeouts: they only add retries)
      assertThat(store.progress().retries()).isPositive();
      assertThat(source.events).startsWith("open 0-" + PART).contains("open 1000-" + PART);
      assertThat(source.openStreams).as("the stalled stream was closed").hasValue(0);
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void aShortBodyIsRetried() throws Exception {
    byte[] data = bytes(2 * PART, 8);
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> n == 0 ? Behavior.shortBodyAfter(10) : Behavior.normal();
    try (FetchStore store = builder(source).parallelism(1).open()) {
      store.awaitComplete();
      assertThat(readFully(store, 0, 2 * PART)).isEqualTo(data);
      assertThat(store.progress().retries()).isEqualTo(1);
      assertThat(source.events).startsWith("open 0-" + PART, "open 10-" + PART);
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void exhaustedRetriesFailEveryReaderWithTheCause() throws Exception {
    byte[] data = bytes(4 * PART, 9);
    MemorySource source = new MemorySource(data);
    // part 2 resets after 5 bytes on every attempt (each retry resumes 5 bytes further)
    source.fault = (start, end, n) -> end == 3L * PART ? Behavior.resetAfter(5)
        : Behavior.normal();
    FetchStore store = builder(source).retryPolicy(FAST.withMaxAttempts(3)).open();
    try {
      // Read past the 15 bytes the three attempts deliver: a read returns once its bytes land.
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), 2L * PART + 100))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("failed 3 times")
          .rootCause().hasMessageContaining("injected: connection reset");
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
          .hasMessageContaining("failed 3 times");
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), 0))
          .as("a failed store fails every later read").isInstanceOf(IOException.class)
          .isNotInstanceOf(ClosedStoreException.class);
      assertThat(store.progress().retries()).isEqualTo(2);
      assertThat(backoff.delays).hasSize(2);
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aChangedVersionFailsTheStoreWithoutRetrying() throws Exception {
    byte[] data = bytes(4 * PART, 10);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> start == 0 ? Behavior.gated(gate) : Behavior.normal();
    FetchStore store = builder(source).parallelism(1).open();
    try {
      awaitEvents(source, 1); // part 0 is open (version v1) and held at the gate
      source.version = "v2"; // the object changes: the next range request sees it
      gate.complete(null);
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
          .cause().isInstanceOf(RangeSourceException.class)
          .satisfies(e -> assertThat(((RangeSourceException) e).kind())
              .isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
      assertThat(backoff.delays).as("not retried").isEmpty();
      assertThat(source.events).containsExactly("open 0-" + PART, "open " + PART + "-"
          + 2 * PART);
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 3L * PART))
          .isInstanceOf(IOException.class).hasMessageContaining("version is now v2");
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aFailureWakesReadersBlockedOnOtherParts() throws Exception {
    byte[] data = bytes(4 * PART, 11);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gatedThenFail(gate,
        new IOException("disk on fire"));
    FetchStore store = builder(source).retryPolicy(RetryPolicy.noRetries()).open();
    try {
      Future<?> blocked = readers.submit(() -> store.read(ByteBuffer.allocate(1), 3L * PART));
      gate.complete(null);
      assertThatThrownBy(() -> blocked.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IOException.class)
          .hasMessageContaining("failed 1 times").rootCause().hasMessageContaining("disk on fire");
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aSourceThatLiesAboutItsSizeFailsCleanly() throws Exception {
    byte[] data = bytes(2 * PART, 12);
    MemorySource source = new MemorySource(data);
    source.describedSize = 3L * PART; // one part more than it has
    FetchStore store = builder(source).open();
    try {
      // Read past the 15 bytes the three attempts deliver: a read returns once its bytes land.
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), 2L * PART + 100))
          .isInstanceOf(IOException.class).hasMessageContaining("short body");
      assertThatThrownBy(() -> store.awaitComplete(Duration.ofMinutes(1)))
          .isInstanceOf(IOException.class);
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aSourceThatThrowsRuntimeExceptionsFailsTheStoreInsteadOfHangingIt() throws Exception {
    MemorySource source = new MemorySource(bytes(PART, 13));
    source.fault = (start, end, n) -> {
      throw new IllegalStateException("source bug");
    };
    FetchStore store = builder(source).open();
    try {
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), 0))
          .isInstanceOf(IOException.class).cause().hasMessage("source bug");
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  // --- waiting ---------------------------------------------------------------------------------

  @Test
  void aTimedReadTimesOutAndALaterReadSucceeds() throws Exception {
    byte[] data = bytes(2 * PART, 14);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    try (FetchStore store = builder(source).open()) {
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(4), 0, Duration.ofMillis(1)))
          .isInstanceOf(TimeoutException.class).hasMessageContaining("not present");
      assertThat(store.awaitComplete(Duration.ZERO)).isFalse();
      gate.complete(null);
      ByteBuffer buf = ByteBuffer.allocate(4);
      assertThat(store.read(buf, 0, Duration.ofMinutes(1))).isEqualTo(4);
      assertThat(store.awaitComplete(Duration.ofMinutes(1))).isTrue();
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void anInterruptedReaderGetsInterruptedExceptionAndTheStoreGoesOn() throws Exception {
    byte[] data = bytes(2 * PART, 15);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    try (FetchStore store = builder(source).open()) {
      AtomicReference<Thread> thread = new AtomicReference<>();
      Future<Throwable> reader = readers.submit(() -> {
        thread.set(Thread.currentThread());
        try (InputStream in = store.newInputStream(0)) {
          in.read();
          return null;
        } catch (InterruptedIOException e) {
          return Thread.currentThread().isInterrupted() ? e : new AssertionError("flag lost");
        }
      });
      while (thread.get() == null) {
        Thread.onSpinWait();
      }
      awaitParked(thread.get());
      thread.get().interrupt();
      assertThat(reader.get(60, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);
      gate.complete(null);
      assertThat(readFully(store, 0, 2 * PART)).isEqualTo(data);
    }
    assertDirectoryEmptyEventually();
  }

  // --- views, moveTo, listener, configuration --------------------------------------------------

  @Test
  void theChannelViewIsReadOnlyAndSeekable() throws Exception {
    byte[] data = bytes(3 * PART, 16);
    try (FetchStore store = builder(new MemorySource(data)).open();
        SeekableByteChannel ch = store.newChannel()) {
      assertThat(ch.size()).isEqualTo(data.length);
      ch.position(PART + 3);
      ByteBuffer buf = ByteBuffer.allocate(100);
      assertThat(ch.read(buf)).isEqualTo(100);
      assertThat(ch.position()).isEqualTo(PART + 103);
      assertThat(buf.array()).isEqualTo(slice(data, PART + 3, 100));
      ch.position(data.length);
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1)))
          .isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(NonWritableChannelException.class);
      assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
      ch.close();
      assertThat(ch.isOpen()).isFalse();
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1)))
          .isInstanceOf(ClosedChannelException.class);
      try (InputStream in = store.newInputStream(PART)) {
        assertThat(in.skip(10)).isEqualTo(10);
        assertThat(in.read()).isEqualTo(data[PART + 10] & 0xff);
        store.awaitComplete();
        assertThat(in.available()).isEqualTo(data.length - PART - 11);
        assertThat(in.skip(Long.MAX_VALUE)).isEqualTo(data.length - PART - 11);
        assertThat(in.read()).isEqualTo(-1);
      }
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void moveToKeepsTheCompletedFileAndClosesTheStore() throws Exception {
    byte[] data = bytes(3 * PART + 7, 17);
    Path targetDir = Files.createTempDirectory("latchwork-target");
    Path target = targetDir.resolve("object.bin");
    try {
      FetchStore store = builder(new MemorySource(data)).open();
      store.awaitComplete();
      store.moveTo(target);
      assertThat(Files.readAllBytes(target)).isEqualTo(data);
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 0))
          .isInstanceOf(ClosedStoreException.class);
      assertThatThrownBy(() -> store.moveTo(target)).isInstanceOf(ClosedStoreException.class);
      store.close();
      assertNothingLeft(store, dir);
    } finally {
      Files.deleteIfExists(target);
      Files.delete(targetDir);
    }
  }

  @Test
  void aFailedMoveClosesTheStoreAndKeepsTheOnlyCopyWhereTheExceptionSays() throws Exception {
    byte[] data = bytes(2 * PART, 26);
    FetchStore store = builder(new MemorySource(data)).open();
    store.awaitComplete();
    Path temp = store.file.path();
    Path nowhere = dir.resolve("no-such-directory").resolve("object.bin");
    assertThatThrownBy(() -> store.moveTo(nowhere)).isInstanceOf(IOException.class)
        .hasMessageContaining("moving").hasMessageContaining(nowhere.toString())
        .hasMessageContaining("still at " + temp);
    assertThat(Files.exists(nowhere)).isFalse();
    assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 0))
        .isInstanceOf(ClosedStoreException.class);
    store.close();
    assertThat(Files.readAllBytes(temp)).as("kept, also after close()").isEqualTo(data);
    Files.delete(temp);
    assertDirectoryEmpty(dir);
  }

  @Test
  void aStuckReadIsVisibleToTheTracerAndTheStallWatchdog() throws Exception {
    MemorySource source = new MemorySource(bytes(2 * PART, 27));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    boolean tracking = dev.latchwork.core.Tracer.isTrackingInFlight();
    dev.latchwork.core.Tracer.trackInFlight(true);
    CompletableFuture<dev.latchwork.core.StallWatchdog.Stall> stall = new CompletableFuture<>();
    FetchStore store = builder(source).open();
    try (store;
        dev.latchwork.core.StallWatchdog watchdog = dev.latchwork.core.StallWatchdog.start(
            Duration.ofMillis(1), s -> {
              if (s.operation().operation().equals("readAt")) {
                stall.complete(s);
              }
            })) {
      Future<byte[]> stuck = submitAndAwaitParked(() -> readFully(store, PART + 7, 10));
      dev.latchwork.core.StallWatchdog.Stall s = stall.get(60, TimeUnit.SECONDS);
      assertThat(s.operation().component()).isEqualTo("FetchStore");
      assertThat(s.operation().keyValues()).containsSequence("pos", Long.toString(PART + 7));
      assertThat(s.operation().threadName()).startsWith("pool-");
      assertThat(s.stack()).anyMatch(f -> f.getMethodName().equals("awaitRange"));
      assertThat(dev.latchwork.core.Tracer.inFlight())
          .anyMatch(op -> op.operation().equals("readAt") && op.component().equals("FetchStore"));
      gate.complete(null);
      assertThat(stuck.get(60, TimeUnit.SECONDS)).hasSize(10);
    } finally {
      dev.latchwork.core.Tracer.trackInFlight(tracking);
    }
    // The read returned once its 10 bytes landed, so a fetch may still be writing the rest of
    // its part when the store closes: the file goes when that write leaves.
    assertThat(store.terminated().await(Duration.ofSeconds(60))).isTrue();
    assertDirectoryEmptyEventually();
  }

  @Test
  void anIncompleteStoreRefusesMoveToAndStaysUsable() throws Exception {
    byte[] data = bytes(2 * PART, 18);
    MemorySource source = new MemorySource(data);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    try (FetchStore store = builder(source).open()) {
      assertThatThrownBy(() -> store.moveTo(dir.resolve("x")))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("0 of " + 2 * PART);
      gate.complete(null);
      assertThat(readFully(store, 0, 2 * PART)).isEqualTo(data);
    }
    assertDirectoryEmptyEventually();
  }

  @Test
  void theListenerSeesTheFinalProgressAndASlowListenerDoesNotStallFetching() throws Exception {
    byte[] data = bytes(8 * PART, 19);
    MemorySource source = new MemorySource(data);
    // No part can finish before the listener is stuck in its first call.
    CompletableFuture<Void> listenerStuck = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(listenerStuck);
    CountDownLatch release = new CountDownLatch(1);
    List<FetchProgress> seen = new CopyOnWriteArrayList<>();
    CountDownLatch sawComplete = new CountDownLatch(1);
    FetchStore store = builder(source).listener(p -> {
      seen.add(p);
      if (p.isComplete()) {
        sawComplete.countDown();
      }
      if (seen.size() == 1) {
        listenerStuck.complete(null);
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }).open();
    try {
      store.awaitComplete(); // the whole download happens while the listener is stuck
      assertThat(seen).hasSize(1);
      assertThat(seen.get(0).isComplete()).isFalse();
      release.countDown();
      sawComplete.await();
      assertThat(seen.get(seen.size() - 1))
          .isEqualTo(new FetchProgress(8 * PART, 8 * PART, 8, 0, 0));
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aThrowingListenerDoesNotBreakTheDownload() throws Exception {
    byte[] data = bytes(4 * PART, 20);
    CountDownLatch sawComplete = new CountDownLatch(1);
    FetchStore store = builder(new MemorySource(data)).listener(p -> {
      if (p.isComplete()) {
        sawComplete.countDown();
      }
      throw new IllegalStateException("listener bug");
    }).open();
    try {
      store.awaitComplete();
      sawComplete.await();
      assertThat(readFully(store, 0, 4 * PART)).isEqualTo(data);
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void ownedFetchThreadsAreNamedDaemonsAndASuppliedExecutorIsUsedAndNotShutDown()
      throws Exception {
    byte[] data = bytes(2 * PART, 21);
    Set<String> names = ConcurrentHashMap.newKeySet();
    Set<Boolean> daemons = ConcurrentHashMap.newKeySet();
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> {
      names.add(Thread.currentThread().getName());
      daemons.add(Thread.currentThread().isDaemon());
      return Behavior.normal();
    };
    try (FetchStore store = builder(source).open()) {
      store.awaitComplete();
      assertThat(names).allMatch(n -> n.matches("latchwork-fetch-\\d+-\\d+"));
      assertThat(daemons).containsOnly(true);
    }
    ExecutorService mine = Executors.newFixedThreadPool(2);
    try {
      names.clear();
      FetchStore store = builder(source).executor(mine).open();
      store.awaitComplete();
      store.close();
      assertThat(store.download.ownedExecutor()).isNull();
      assertThat(mine.isShutdown()).isFalse();
      assertThat(names).noneMatch(n -> n.startsWith("latchwork-fetch-"));
      assertNothingLeft(store, dir);
    } finally {
      mine.shutdownNow();
    }
  }

  @Test
  void theTempFileIsOwnerOnlyWherePosixPermissionsExist() throws Exception {
    MemorySource source = new MemorySource(bytes(PART, 22));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    source.fault = (start, end, n) -> Behavior.gated(gate);
    try (FetchStore store = builder(source).open()) {
      assertThat(store.file.path().getParent()).isEqualTo(dir);
      assertThat(Files.size(store.file.path())).as("sized to the object").isEqualTo(PART);
      if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        assertThat(Files.getPosixFilePermissions(store.file.path()))
            .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
      }
    }
    assertDirectoryEmptyEventually();
  }

  // --- bad input -------------------------------------------------------------------------------

  @Test
  void badArgumentsAreRejectedWithClearExceptions() throws Exception {
    try (FetchStore store = builder(new MemorySource(bytes(PART, 23))).open()) {
      assertThatThrownBy(() -> store.read(null, 0)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("dst");
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), -1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 0, null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
      assertThatThrownBy(() -> store.newInputStream(-5))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
      assertThatThrownBy(() -> store.moveTo(null)).isInstanceOf(NullPointerException.class);
      store.awaitComplete();
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1).asReadOnlyBuffer(), 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
    }
    MemorySource source = new MemorySource(bytes(10, 24));
    assertThatThrownBy(() -> FetchStore.builder(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder(source).partSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partSize");
    assertThatThrownBy(() -> builder(source).parallelism(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism");
    assertThatThrownBy(() -> builder(source).tempDirectory(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder(source).readTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readTimeout");
    assertThatThrownBy(() -> builder(source).tempDirectory(dir.resolve("missing")).open())
        .isInstanceOf(NoSuchFileException.class);
    source.describedSize = Long.MAX_VALUE;
    assertThatThrownBy(() -> builder(source).partSize(1).open())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
    assertDirectoryEmptyEventually();
  }

  @Test
  void openRetriesATransientDescribeFailure() throws Exception {
    byte[] data = bytes(PART, 28);
    MemorySource source = new MemorySource(data);
    source.describeFailures.set(2);
    try (FetchStore store = builder(source).open()) {
      assertThat(readFully(store, 0, PART)).isEqualTo(data);
    }
    assertThat(backoff.delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    source.describeFailures.set(5);
    assertThatThrownBy(() -> builder(source).open()).isInstanceOf(RangeSourceException.class)
        .hasMessageContaining("503");
    assertDirectoryEmptyEventually();
  }

  @Test
  void aSourceThatCannotBeDescribedLeavesNothingBehind() {
    RangeSource broken = new RangeSource() {
      @Override
      public ObjectInfo describe() throws IOException {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT, "404");
      }

      @Override
      public InputStream open(ObjectInfo object, long start, long end) {
        throw new AssertionError("not described");
      }
    };
    assertThatThrownBy(() -> builder(broken).open()).isInstanceOf(RangeSourceException.class);
    assertThatThrownBy(() -> new RangeSource.ObjectInfo(-1, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }

  @Test
  void aRejectingExecutorFailsOpenAndLeavesNothingBehind() throws IOException {
    assertThatThrownBy(() -> builder(new MemorySource(bytes(PART, 25)))
            .executor(task -> {
              throw new java.util.concurrent.RejectedExecutionException("full");
            }).open())
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    // the store closed itself; with no user inside, the file went at once
    assertDirectoryEmptyEventually();
  }

  private void assertDirectoryEmptyEventually() throws IOException {
    // Every store in these tests is closed before this is called; a closed store's temp file is
    // deleted by the last user to leave, and by then all users (test threads) have returned.
    assertDirectoryEmpty(dir);
  }
}
