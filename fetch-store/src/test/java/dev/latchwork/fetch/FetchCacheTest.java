package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.isPresent;
import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import dev.latchwork.fetch.MemorySource.Behavior;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
@Timeout(60)
class FetchCacheTest {
  private static final int PART = 16 << 10;

  @TempDir Path dir;

  private FetchCache.Builder cache() {
    return FetchCache.builder(dir).partSize(PART).parallelism(3).retryPolicy(StoreTesting.FAST);
  }


  private static int crc(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data);
    return (int) c.getValue();
  }

  private long objectFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(FetchCache.OBJECTS))) {
      return files.count();
    }
  }

  @Test
  void handlesOfOneKeyShareOneDownloadAndTheEntryOutlivesThem() throws Exception {
    byte[] data = bytes(5 * PART + 123, 1);
    MemorySource source = new MemorySource(data);
    try (FetchCache c = cache().open()) {
      try (FetchCache.Handle a = c.open("k", source); FetchCache.Handle b = c.open("k", source)) {
        assertThat(readAll(a)).isEqualTo(data);
        assertThat(readAll(b)).isEqualTo(data);
        // A read returns as soon as its bytes land, which may be before the last part is
        // complete: the close below may race that completion, and the part is kept all the same.
      }
      assertThat(source.opens).hasValue(6); // one range request per part, whoever read
      try (FetchCache.Handle again = c.open("k", source)) {
        assertThat(again.awaitComplete(Duration.ofSeconds(30))).isTrue();
        assertThat(readAll(again)).isEqualTo(data);
      }
      assertThat(source.opens).as("a cached object is not fetched again").hasValue(6);
      FetchCacheStats s = c.stats();
      assertThat(s.entries()).isEqualTo(1);
      assertThat(s.bytesCached()).isEqualTo(data.length);
      assertThat(s.hits()).isPositive();
    }
  }

  @Test
  void leastRecentlyUsedUnusedEntriesAreEvictedAndInUseOnesNever() throws Exception {
    byte[] a = bytes(2 * PART, 2);
    byte[] b = bytes(2 * PART, 3);
    byte[] d = bytes(2 * PART, 4);
    try (FetchCache c = cache().maxBytes(4 * PART).open()) {
      FetchCache.Handle held = c.open("a", new MemorySource(a));
      assertThat(readAll(held)).isEqualTo(a);
      try (FetchCache.Handle h = c.open("b", new MemorySource(b))) {
        assertThat(readAll(h)).isEqualTo(b);
      }
      try (FetchCache.Handle h = c.open("d", new MemorySource(d))) {
        assertThat(readAll(h)).isEqualTo(d); // evicts b, the only entry nobody holds
      }
      assertThat(c.keys()).containsExactlyInAnyOrder("a", "d");
      assertThat(c.stats().evictions()).isEqualTo(1);
      assertThat(c.stats().bytesCached()).isLessThanOrEqualTo(4 * PART);
      assertThat(readAll(held)).isEqualTo(a);
      held.close();
      assertThat(objectFiles()).isEqualTo(2);
    }
  }

  @Test
  void aFetchWaitsForSpaceInsteadOfOvershootingAndGoesOnWhenAHandleCloses() throws Exception {
    byte[] a = bytes(2 * PART, 5);
    byte[] b = bytes(2 * PART, 6);
    try (FetchCache c = cache().maxBytes(3 * PART).open()) {
      FetchCache.Handle held = c.open("a", new MemorySource(a));
      assertThat(readAll(held)).isEqualTo(a);
      try (FetchCache.Handle h = c.open("b", new MemorySource(b))) {
        // One part of "b" fits. Both of its parts are prefetched at once, and the space goes to
        // whichever reserves first, which need not be part 0 (the other is deferred): a read of
        // the part that did not fit would wait until "a" is released.
        awaitBytesPresent(h, PART);
        int fitted = isPresent(h, 0) ? 0 : 1;
        int other = 1 - fitted;
        assertThat(h.read(ByteBuffer.allocate(10), fitted * (long) PART)).isEqualTo(10);
        assertThatThrownBy(() -> h.read(ByteBuffer.allocate(10), other * (long) PART,
            Duration.ofMillis(200))).isInstanceOf(TimeoutException.class);
        awaitFetchesWaitingForSpace(c, 1);
        assertThat(c.stats().bytesCached()).isEqualTo(3 * PART);
        assertThat(c.toString()).contains("1 fetches waiting for space");
        held.close(); // "a" becomes evictable
        assertThat(readAll(h)).isEqualTo(b);
      }
      assertThat(c.keys()).containsExactly("b");
      assertThat(c.stats().bytesCached()).isEqualTo(2 * PART);
    }
  }

  @Test
  void aPrefetchMayTakeTheLastSpaceAndAReaderOfAnotherPartThenWaitsForAHandleToClose()
      throws Exception {
    byte[] a = bytes(2 * PART, 5);
    byte[] b = bytes(2 * PART, 6);
    ExecutorService pool = Executors.newCachedThreadPool();
    HeldTasks tasks = new HeldTasks(pool);
    try (FetchCache c = cache().maxBytes(3 * PART).executor(tasks).open()) {
      FetchCache.Handle held = c.open("a", new MemorySource(a));
      assertThat(readAll(held)).isEqualTo(a);
      tasks.hold();
      try (FetchCache.Handle h = c.open("b", new MemorySource(b))) {
        // With the workers of "b" held, a read that does not wait puts part 1 first in the fetch
        // order; one worker then takes part 1 (the last free space) and defers part 0.
        assertThatThrownBy(() -> h.read(ByteBuffer.allocate(10), PART, Duration.ZERO))
            .isInstanceOf(TimeoutException.class);
        assertThat(tasks.runHeldOneAtATime()).isEqualTo(2);
        assertThat(isPresent(h, PART)).isTrue();
        assertThatThrownBy(() -> h.read(ByteBuffer.allocate(10), 0, Duration.ofMillis(200)))
            .isInstanceOf(TimeoutException.class);
        awaitFetchesWaitingForSpace(c, 1); // part 0, now wanted, waits instead of overshooting
        assertThat(c.stats().bytesCached()).isEqualTo(3 * PART);
        held.close(); // "a" becomes evictable
        assertThat(readAll(h)).isEqualTo(b);
      }
      assertThat(c.keys()).containsExactly("b");
      assertThat(c.stats().bytesCached()).isEqualTo(2 * PART);
    } finally {
      pool.shutdownNow();
    }
  }


  private static void awaitBytesPresent(FetchCache.Handle h, long bytes) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (h.progress().bytesPresent() < bytes) {
      assertThat(System.nanoTime()).as(bytes + " bytes present in time").isLessThan(deadline);
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static void awaitFetchesWaitingForSpace(FetchCache c, int fetches) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (c.index().waitingForSpace() != fetches) {
      assertThat(System.nanoTime()).as(fetches + " fetches waiting for space in time")
          .isLessThan(deadline);
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /**
   * An executor that, while held, keeps its tasks instead of running them, so that a test decides
   * when a store's workers start.
   */
  private static final class HeldTasks implements Executor {
    private final ExecutorService pool;
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;

    HeldTasks(ExecutorService pool) {
      this.pool = pool;
    }

    synchronized void hold() {
      holding = true;
    }

    @Override
    public void execute(Runnable task) {
      synchronized (this) {
        if (holding) {
          held.add(task);
          return;
        }
      }
      pool.execute(task);
    }

    /** Stops holding and runs the held tasks, each to its end before the next; returns them. */
    int runHeldOneAtATime() throws Exception {
      List<Runnable> tasks;
      synchronized (this) {
        holding = false;
        tasks = new ArrayList<>(held);
        held.clear();
      }
      for (Runnable task : tasks) {
        pool.submit(task).get(30, TimeUnit.SECONDS);
      }
      return tasks.size();
    }
  }

  @Test
  void aRestartKeepsThePresentPartsAndFetchesOnlyTheMissingOnes() throws Exception {
    byte[] data = bytes(6 * PART, 7);
    MemorySource first = new MemorySource(data);
    // Parts from the third on block until their stream is closed: only parts 0 and 1 land.
    first.fault = (start, end, n) -> start >= 2 * PART
        ? Behavior.gated(new CompletableFuture<>()) : Behavior.normal();
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", first)) {
      ByteBuffer two = ByteBuffer.allocate(2 * PART);
      assertThat(h.read(two, 0)).isEqualTo(2 * PART);
      // A read returns as soon as its bytes are written, which may be before the part is complete
      // and journaled; a part counts as present (bytesPresent) only once it is held for its
      // journaling, which the cache's close waits for.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (h.progress().bytesPresent() < 2 * PART) {
        assertThat(System.nanoTime()).as("parts 0 and 1 present in time").isLessThan(deadline);
        Thread.onSpinWait();
        Thread.yield();
      }
    }
    MemorySource second = new MemorySource(data);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", second)) {
      assertThat(readAll(h)).isEqualTo(data);
      assertThat(second.events).as("only the missing parts are fetched")
          .allMatch(e -> !e.startsWith("open 0-") && !e.startsWith("open " + PART + "-"))
          .hasSize(4);
      assertThat(c.stats().resumedBytes()).isEqualTo(2 * PART);
    }
  }

  @Test
  void anObjectChangedBetweenRunsIsDownloadedAfresh() throws Exception {
    byte[] v1 = bytes(3 * PART, 8);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", new MemorySource(v1))) {
      assertThat(readAll(h)).isEqualTo(v1);
    }
    byte[] v2 = bytes(3 * PART, 9);
    MemorySource changed = new MemorySource(v2);
    changed.version = "v2";
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", changed)) {
      assertThat(readAll(h)).isEqualTo(v2);
      assertThat(changed.opens).hasValue(3);
      assertThat(c.stats().resumedBytes()).isZero();
      assertThat(c.stats().entries()).isEqualTo(1);
    }
    assertThat(objectFiles()).as("the old version's file is gone").isEqualTo(1);
  }

  @Test
  void aCallerGivenChecksumMismatchFailsEveryReaderAndDiscardsTheEntry() throws Exception {
    byte[] data = bytes(3 * PART + 5, 10);
    MemorySource source = new MemorySource(data);
    try (FetchCache c = cache().open()) {
      try (FetchCache.Handle h = c.open("k", source, ObjectChecksum.crc32c(crc(data) ^ 1))) {
        assertThatThrownBy(() -> h.awaitComplete(Duration.ofSeconds(30)))
            .isInstanceOf(ChecksumMismatchException.class)
            .hasMessageContaining(ObjectChecksum.crc32c(crc(data) ^ 1).toString())
            .hasMessageContaining(ObjectChecksum.crc32c(crc(data)).toString());
        assertThatThrownBy(() -> h.read(ByteBuffer.allocate(1), 0))
            .isInstanceOf(ChecksumMismatchException.class);
      }
      assertThat(c.keys()).as("the entry is discarded").isEmpty();
      assertThat(objectFiles()).isZero();
      try (FetchCache.Handle h = c.open("k", source, ObjectChecksum.crc32c(crc(data)))) {
        assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
        assertThat(readAll(h)).isEqualTo(data);
      }
    }
  }

  @Test
  void aSha256IsCheckedOverACachedEntryToo() throws Exception {
    byte[] data = bytes(4 * PART + 1, 11);
    byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(data);
    MemorySource source = new MemorySource(data);
    try (FetchCache c = cache().open()) {
      try (FetchCache.Handle h = c.open("k", source, ObjectChecksum.sha256(sha))) {
        assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
      }
      byte[] wrong = sha.clone();
      wrong[0] ^= 1;
      try (FetchCache.Handle h = c.open("k", source, ObjectChecksum.sha256(wrong))) {
        assertThatThrownBy(() -> h.awaitComplete(Duration.ofSeconds(30)))
            .isInstanceOf(ChecksumMismatchException.class);
      }
      assertThat(source.opens).as("the complete entry was checked from disk").hasValue(5);
    }
  }

  @Test
  void aSecondCacheOnTheDirectoryIsRefusedAndTheFirstKeepsWorking() throws Exception {
    byte[] data = bytes(2 * PART, 12);
    try (FetchCache c = cache().open()) {
      assertThatThrownBy(() -> cache().open()).isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
      try (FetchCache.Handle h = c.open("k", new MemorySource(data))) {
        assertThat(readAll(h)).isEqualTo(data);
      }
    }
    try (FetchCache c = cache().open()) {
      assertThat(c.keys()).containsExactly("k");
    }
  }

  @Test
  void closingTheCacheWakesWaitingReadersWithClosedStoreException() throws Exception {
    byte[] data = bytes(2 * PART, 13);
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> Behavior.gated(new CompletableFuture<>());
    FetchCache c = cache().open();
    FetchCache.Handle h = c.open("k", source);
    CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
      try {
        return h.read(ByteBuffer.allocate(1), 0);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    while (source.openStreams.get() == 0) {
      Thread.onSpinWait();
    }
    c.close();
    assertThatThrownBy(() -> read.get()).hasCauseInstanceOf(ClosedStoreException.class);
    assertThatThrownBy(() -> c.open("k", source)).isInstanceOf(ClosedStoreException.class);
    h.close();
  }

  @Test
  void badKeysAndBudgetsAreRefused() {
    assertThatThrownBy(() -> cache().maxBytes(PART - 1).open())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one part");
    char[] huge = new char[9000];
    Arrays.fill(huge, 'x');
    assertThatThrownBy(() -> {
      try (FetchCache c = cache().open()) {
        c.open(new String(huge), new MemorySource(new byte[1]));
      }
    }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
  }
}
