package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.TestData.assertDirectoryEmpty;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * moveTo keeps the download whatever other threads do: the move runs on moveTo's own thread, no
 * interrupt of a reader (or of the caller) fails it, and a failed move keeps the only copy.
 */
@ExtendWith(TestSeed.class)
class MoveToTest {
  private static final int PART = 64 << 10;

  @TempDir Path dir;

  private FetchStore openComplete(byte[] data, Path tempDir) throws Exception {
    FetchStore store = FetchStore.builder(new MemorySource(data)).tempDirectory(tempDir)
        .partSize(PART).retryPolicy(FAST).backoff(new StoreTesting.RecordingBackoff()).open();
    store.awaitComplete();
    return store;
  }

  @Test
  void aMoveAcrossFileSystemsSurvivesTheInterruptOfTheLastReaderInside() throws Exception {
    try (SecondFileSystem tmpfs = SecondFileSystem.create("64m")) {
      moveWhileTheLastReaderInsideIsInterrupted(tmpfs.dir(), dir);
    }
  }

  @Test
  @ResourceLock(Resources.SYSTEM_ERR) // LogCapture replaces System.err
  void aMoveOnOneFileSystemSyncsTheDirectoryAlsoWhenTheLastReaderInsideIsInterrupted()
      throws Exception {
    Path temp = Files.createDirectory(dir.resolve("temp"));
    Path targets = Files.createDirectory(dir.resolve("targets"));
    try (LogCapture log = new LogCapture()) {
      moveWhileTheLastReaderInsideIsInterrupted(temp, targets);
      assertThat(log.lines()).as("no directory sync failed or was skipped")
          .noneMatch(l -> l.contains("sync directory"));
    }
  }

  /**
   * A reader is inside the temp file when moveTo closes the store; it is interrupted while moveTo
   * waits for it, and leaves. The move must still happen, completely.
   */
  private void moveWhileTheLastReaderInsideIsInterrupted(Path tempDir, Path targetDir)
      throws Exception {
    byte[] data = bytes(3 * PART + 5, 41);
    FetchStore store = openComplete(data, tempDir);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    store.insideReadHook = () -> {
      inside.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // leave with the status set, as a server thread would
      }
    };
    CompletableFuture<Throwable> readOutcome = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        store.read(ByteBuffer.allocate(100), 7);
        readOutcome.complete(null);
      } catch (Throwable t) {
        readOutcome.complete(t);
      }
    }, "interrupted-reader");
    reader.start();
    assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();

    Path target = targetDir.resolve("object.bin");
    CompletableFuture<Void> moved = new CompletableFuture<>();
    Thread mover = new Thread(() -> {
      try {
        store.moveTo(target);
        moved.complete(null);
      } catch (Throwable t) {
        moved.completeExceptionally(t);
      }
    }, "mover");
    mover.start();
    awaitWaitingOnALatch(mover); // the store is closed; moveTo waits for the reader to leave
    reader.interrupt();

    moved.get(60, TimeUnit.SECONDS);
    assertThat(Files.readAllBytes(target)).isEqualTo(data);
    assertDirectoryEmpty(tempDir);
    readOutcome.get(60, TimeUnit.SECONDS);
    reader.join();
  }

  @Test
  void manyRoundsOfMovesAcrossFileSystemsWithReadersBeingInterruptedLoseNothing()
      throws Exception {
    SplittableRandom random = TestSeed.random("manyRoundsOfMoves");
    try (SecondFileSystem tmpfs = SecondFileSystem.create("64m")) {
      for (int round = 0; round < 20; round++) {
        byte[] data = bytes(4 * PART, round);
        FetchStore store = openComplete(data, tmpfs.dir());
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
          long seed = random.nextLong();
          Thread t = new Thread(() -> readUntilClosed(store, data.length, seed, done), "r" + r);
          readers.add(t);
          t.start();
        }
        Thread interrupter = new Thread(() -> {
          while (!done.get()) {
            readers.forEach(Thread::interrupt);
            Thread.yield();
          }
        }, "interrupter");
        interrupter.start();
        Path target = dir.resolve("round-" + round + ".bin");
        try {
          store.moveTo(target);
        } finally {
          done.set(true);
          interrupter.join();
          for (Thread t : readers) {
            t.join();
          }
        }
        assertThat(Files.readAllBytes(target)).as("round %d", round).isEqualTo(data);
        assertDirectoryEmpty(tmpfs.dir());
        Files.delete(target);
      }
    }
  }

  private static void readUntilClosed(FetchStore store, int size, long seed, AtomicBoolean done) {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (!done.get()) {
      buf.clear();
      try {
        store.read(buf, random.nextInt(size));
      } catch (ClosedStoreException e) {
        return;
      } catch (IOException | InterruptedException e) {
        Thread.interrupted(); // the next read starts uninterrupted; the interrupter goes on
      }
    }
  }

  @Test
  void moveToCalledWithTheInterruptStatusSetStillMovesAndKeepsTheStatus() throws Exception {
    try (SecondFileSystem tmpfs = SecondFileSystem.create("64m")) {
      byte[] data = bytes(2 * PART + 1, 42);
      FetchStore store = openComplete(data, tmpfs.dir());
      Path target = dir.resolve("object.bin");
      Thread.currentThread().interrupt();
      try {
        store.moveTo(target);
        assertThat(Thread.currentThread().isInterrupted()).as("status kept").isTrue();
      } finally {
        Thread.interrupted();
        store.close();
      }
      assertThat(Files.readAllBytes(target)).isEqualTo(data);
      assertDirectoryEmpty(tmpfs.dir());
    }
  }

  @Test
  @ResourceLock(Resources.SYSTEM_ERR) // LogCapture replaces System.err
  void aStoreThatFlushesWhileFetchingFlushesAlongTheWayAndMovesEveryByte() throws Exception {
    byte[] data = bytes(16 * PART + 5, 44);
    List<String> lines;
    try (LogCapture log = new LogCapture()) {
      FetchStore store = FetchStore.builder(new MemorySource(data)).tempDirectory(dir)
          .partSize(PART).parallelism(4).flushEvery(PART / 3).retryPolicy(FAST)
          .backoff(new StoreTesting.RecordingBackoff()).open();
      String prefix =
          store.toString().replaceFirst("^FetchStore#(\\d+).*", "[FetchStore #$1] ");
      store.awaitComplete();
      Path target = dir.resolve("object.bin");
      store.moveTo(target);
      assertThat(Files.readAllBytes(target)).isEqualTo(data);
      // The first flush was scheduled while fetching; it runs on the store's executor, possibly
      // after the move (then it finds the file closed): wait for its EXIT line.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      do {
        lines = log.lines().stream()
            .filter(l -> l.contains(prefix) && l.contains("flushAhead")).toList();
      } while (lines.stream().noneMatch(l -> l.contains("flushAhead EXIT"))
          && System.nanoTime() < deadline && parkBriefly());
    }
    assertThat(lines).as("flushes ahead of the move, none failed")
        .anyMatch(l -> l.contains("flushAhead EXIT")).noneMatch(l -> l.contains("FAILED"));
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("object.bin");
    }
  }

  @Test
  void aMoveThatFailsAcrossFileSystemsKeepsTheOnlyCopyAndSaysWhereItIs() throws Exception {
    // The target's file system is too small for the object: the copy fails half way.
    try (SecondFileSystem tiny = SecondFileSystem.create("256k")) {
      byte[] data = bytes(16 * PART, 43);
      FetchStore store = openComplete(data, dir);
      Path temp = store.file.path();
      Path target = tiny.dir().resolve("object.bin");
      assertThatThrownBy(() -> store.moveTo(target)).isInstanceOf(IOException.class)
          .hasMessageContaining(target.toString()).hasMessageContaining("still at " + temp);
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(1), 0))
          .isInstanceOf(ClosedStoreException.class);
      store.close();
      assertThat(Files.readAllBytes(temp)).as("the only copy").isEqualTo(data);
      assertDirectoryEmpty(tiny.dir());
      Files.delete(temp);
    }
  }

  private static boolean parkBriefly() {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    return true;
  }

  /** Waits (without sleeping) until {@code t} is parked inside a BroadcastLatch wait. */
  private static void awaitWaitingOnALatch(Thread t) {
    for (;;) {
      if (t.getState() == Thread.State.WAITING && Arrays.stream(t.getStackTrace()).anyMatch(
          f -> f.getClassName().equals("dev.latchwork.core.BroadcastLatch")
              && f.getMethodName().equals("await"))) {
        return;
      }
      assertThat(t.getState()).isNotEqualTo(Thread.State.TERMINATED);
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
