package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A close that lands after a part's last bytes were written but before the part's completion was
 * recorded: a cache entry keeps the part (in the entry, and in the journal before the cache's
 * close returns); a plain store's close still returns and deletes its file at once.
 */
@ExtendWith(TestSeed.class)
@Timeout(60)
class FetchCacheClosingTest {
  private static final int PART = 16 << 10;
  private static final int LAST = 3;
  private static final byte[] DATA = bytes(LAST * PART + 321, 41);

  @TempDir Path dir;

  private FetchCache.Builder cache() {
    return FetchCache.builder(dir).partSize(PART).parallelism(2).retryPolicy(StoreTesting.FAST);
  }

  /** How the held transfer of the last part ends once the close has aborted it. */
  enum Tail {
    /** deliverTo returns normally: the fetch succeeds after the store closed. */
    RETURNS,
    /** deliverTo throws, as a transfer aborted while reading past the range's last byte does. */
    THROWS
  }

  @ParameterizedTest
  @EnumSource(Tail.class)
  void aPartWrittenInFullWhenTheLastHandleClosesIsKeptForTheNextHandle(Tail tail)
      throws Exception {
    TailHeldSource source = new TailHeldSource(tail);
    try (FetchCache c = cache().open()) {
      FetchCache.Handle h = c.open("k", source);
      assertThat(readAll(h)).isEqualTo(DATA);
      source.awaitLastPartWritten();
      h.close(); // returns although the last part's fetch is still held
      assertThat(source.aborted).isDone();

      // The next generation of the entry starts once the last one's file is released: with the
      // completion racing, it must find the part present rather than fetch it again.
      AtomicReference<FetchCache.Handle> again = new AtomicReference<>();
      Thread reopen = start(() -> again.set(c.open("k", source)));
      awaitParkedInOrEnded(reopen, EntryGenerations.class, "awaitTerminated");
      source.proceed.complete(null);
      reopen.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(reopen.isAlive()).isFalse();
      try (FetchCache.Handle h2 = again.get()) {
        assertThat(h2.awaitComplete(Duration.ofSeconds(30))).isTrue();
        assertThat(readAll(h2)).isEqualTo(DATA);
      }
      assertThat(source.transfers).as("no part fetched twice").hasValue(LAST + 1);
      assertThat(c.stats().bytesCached()).as("no part counted twice").isEqualTo(DATA.length);
    }
  }

  @ParameterizedTest
  @EnumSource(Tail.class)
  void aPartWrittenInFullWhenTheCacheClosesIsJournaledBeforeTheCloseReturns(Tail tail)
      throws Exception {
    TailHeldSource source = new TailHeldSource(tail);
    FetchCache c = cache().open();
    FetchCache.Handle h = c.open("k", source);
    assertThat(readAll(h)).isEqualTo(DATA);
    source.awaitLastPartWritten();

    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread closer = start(() -> {
      Thread.currentThread().interrupt(); // the part is kept whatever the closer's status
      c.close();
      interruptKept.set(Thread.currentThread().isInterrupted());
    });
    awaitParkedInOrEnded(closer, FetchCache.class, "close");
    assertThat(source.aborted).isDone();
    source.proceed.complete(null);
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closer.isAlive()).isFalse();
    assertThat(interruptKept).isTrue();
    h.close();

    TailHeldSource next = new TailHeldSource(null); // holds nothing
    try (FetchCache c2 = cache().open(); FetchCache.Handle h2 = c2.open("k", next)) {
      assertThat(h2.awaitComplete(Duration.ofSeconds(30))).isTrue();
      assertThat(readAll(h2)).isEqualTo(DATA);
      assertThat(next.transfers).as("every part was journaled").hasValue(0);
      assertThat(c2.stats().resumedBytes()).isEqualTo(DATA.length);
    }
  }

  @Test
  void aPlainStoreClosesAndDeletesItsFileWithoutWaitingForAHeldCompletion() throws Exception {
    TailHeldSource source = new TailHeldSource(Tail.RETURNS);
    Path temp = Files.createDirectory(dir.resolve("temp"));
    FetchStore store = FetchStore.builder(source).tempDirectory(temp).partSize(PART)
        .parallelism(2).retryPolicy(StoreTesting.FAST).open();
    byte[] out = new byte[DATA.length];
    ByteBuffer buf = ByteBuffer.wrap(out);
    while (buf.hasRemaining()) {
      assertThat(store.read(buf, buf.position())).isPositive();
    }
    assertThat(out).isEqualTo(DATA);
    source.awaitLastPartWritten();
    store.close();
    // The fetch of the last part is still held, and the file is gone all the same: a plain
    // store's bytes die with it, so its close waits for nothing.
    assertThat(store.terminated().await(Duration.ofSeconds(30))).isTrue();
    assertThat(source.proceed).isNotDone();
    TestData.assertDirectoryEmpty(temp);
    source.proceed.complete(null);
    assertThat(source.finished.await(30, TimeUnit.SECONDS)).isTrue();
    TestData.assertDirectoryEmpty(temp);
  }


  private interface Action {
    void run() throws Exception;
  }

  private static Thread start(Action action) {
    Thread t = new Thread(() -> {
      try {
        action.run();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * Waits (bounded, polling the thread's state) until {@code t} has ended or waits on a latch
   * inside {@code owner.<method>}: the point at which a correct close or reopen waits for
   * the held completion, and an incorrect one has already gone past.
   */
  private static void awaitParkedInOrEnded(Thread t, Class<?> owner, String method) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Thread.State state = t.getState();
      if (state == Thread.State.TERMINATED) {
        return;
      }
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        StackTraceElement[] stack = t.getStackTrace();
        boolean inLatch = Arrays.stream(stack)
            .anyMatch(e -> e.getClassName().endsWith("BroadcastLatch"));
        boolean inMethod = Arrays.stream(stack).anyMatch(e ->
            e.getClassName().equals(owner.getName())
                && e.getMethodName().equals(method));
        if (inLatch && inMethod) {
          return;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    throw new AssertionError(t + " neither ended nor waited in " + owner.getSimpleName() + "." + method);
  }

  /**
   * Serves {@link #DATA}; the first transfer of the last part writes all its bytes and then holds,
   * as a transfer still reading past them would, until it is closed and {@link #proceed} is
   * complete, and then ends as its {@link Tail} says.
   */
  private static final class TailHeldSource implements RangeSource {
    final AtomicInteger transfers = new AtomicInteger();
    final CompletableFuture<Void> proceed = new CompletableFuture<>();
    final CompletableFuture<Void> aborted = new CompletableFuture<>();
    final CountDownLatch written = new CountDownLatch(1);
    final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean armed;
    private final Tail tail;

    /** {@code tail} null: a source that holds no transfer. */
    TailHeldSource(Tail tail) {
      this.tail = tail;
      this.armed = new AtomicBoolean(tail != null);
    }

    void awaitLastPartWritten() throws InterruptedException {
      assertThat(written.await(30, TimeUnit.SECONDS)).as("last part written").isTrue();
    }

    @Override
    public ObjectInfo describe() {
      return new ObjectInfo(DATA.length, "v1");
    }

    @Override
    public java.io.InputStream open(ObjectInfo object, long start, long end) {
      throw new UnsupportedOperationException("transfer only");
    }

    @Override
    public RangeTransfer transfer(ObjectInfo object, long start, long end) {
      ObjectInfo.checkRange(object, start, end);
      transfers.incrementAndGet();
      boolean held = start == (long) LAST * PART && armed.compareAndSet(true, false);
      return new RangeTransfer() {
        @Override
        public long deliverTo(RangeSink sink) throws IOException {
          sink.write(ByteBuffer.wrap(DATA, (int) start, (int) (end - start)), start);
          if (!held) {
            return end - start;
          }
          written.countDown();
          try {
            aborted.get(30, TimeUnit.SECONDS);
            proceed.get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IOException("held transfer: " + e, e);
          } finally {
            finished.countDown();
          }
          if (tail == Tail.THROWS) {
            throw new IOException("stream closed");
          }
          return end - start;
        }

        @Override
        public void close() {
          if (held) {
            aborted.complete(null);
          }
        }
      };
    }

    @Override
    public String toString() {
      return "TailHeldSource[" + tail + "]";
    }
  }
}
