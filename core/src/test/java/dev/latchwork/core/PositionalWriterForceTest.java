package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionalWriterForceTest {
  private static final int CALLERS = 6;

  @TempDir Path dir;

  private final ExecutorService pool = Executors.newCachedThreadPool();
  /** Writes (by caller number) that had returned when each fsync (by number) began. */
  private final Map<Integer, Set<Integer>> coveredBy = new ConcurrentHashMap<>();
  private final Set<Integer> fsyncsDone = ConcurrentHashMap.newKeySet();
  private final Set<Integer> writesDone = ConcurrentHashMap.newKeySet();
  private final CountDownLatch firstFsyncEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFirstFsync = new CountDownLatch(1);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  /** An fsync that records what it covers; the first one blocks until released. */
  private ScriptedOpener recordingOpener(IOException failSecond) {
    return ScriptedOpener.syncs(number -> {
      coveredBy.put(number, Set.copyOf(writesDone));
      if (number == 1) {
        firstFsyncEntered.countDown();
        try {
          releaseFirstFsync.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException();
        }
      }
      if (number == 2 && failSecond != null) {
        throw failSecond;
      }
      fsyncsDone.add(number);
    });
  }

  private Future<Void> writeThenForce(PositionalWriter writer, int caller, CyclicBarrier lineUp) {
    return pool.submit(() -> {
      writer.write(ByteBuffer.wrap(new byte[] {(byte) caller}), caller);
      writesDone.add(caller);
      if (lineUp != null) {
        lineUp.await();
      }
      writer.force(false);
      // Returned normally: some completed fsync began after this caller's write had returned.
      assertThat(coveredBy.entrySet())
          .as("caller %d is covered by a completed fsync", caller)
          .anySatisfy(e -> {
            assertThat(fsyncsDone).contains(e.getKey());
            assertThat(e.getValue()).contains(caller);
          });
      return null;
    });
  }

  /** Starts caller 0 as the leader of fsync 1, then lines the others up behind it. */
  private List<Future<Void>> lineUpBehindABlockedFsync(PositionalWriter writer) throws Exception {
    List<Future<Void>> callers = new ArrayList<>();
    callers.add(writeThenForce(writer, 0, null));
    assertThat(firstFsyncEntered.await(60, TimeUnit.SECONDS)).as("first fsync began").isTrue();
    CyclicBarrier lineUp = new CyclicBarrier(CALLERS - 1);
    for (int caller = 1; caller < CALLERS; caller++) {
      callers.add(writeThenForce(writer, caller, lineUp));
    }
    while (writer.forceWaiters() < CALLERS - 1) {
      Thread.yield(); // waiting for a condition, not for time: every caller must be queued
    }
    return callers;
  }

  @Test
  void callersArrivingDuringAnFsyncShareTheNextOneAndEachIsCovered() throws Exception {
    ScriptedOpener opener = recordingOpener(null);
    try (PositionalWriter writer = PositionalWriter.open(opener, dir.resolve("f"))) {
      List<Future<Void>> callers = lineUpBehindABlockedFsync(writer);
      assertThat(opener.fsyncs.get()).isEqualTo(1);
      releaseFirstFsync.countDown();
      for (Future<Void> caller : callers) {
        caller.get();
      }
      assertThat(opener.fsyncs.get())
          .as("%d force calls, one fsync for the first and one shared by the rest", CALLERS)
          .isEqualTo(2);
      assertThat(coveredBy.get(2)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);

      writer.force(true);
      assertThat(opener.fsyncs.get()).as("a force after the others needs a new fsync").isEqualTo(3);
    }
  }

  @Test
  void aFailedFsyncReachesEveryCallerItCoveredAndPoisonsLaterForces() throws Exception {
    IOException eio = new IOException("injected EIO");
    ScriptedOpener opener = recordingOpener(eio);
    try (PositionalWriter writer = PositionalWriter.open(opener, dir.resolve("f"))) {
      List<Future<Void>> callers = lineUpBehindABlockedFsync(writer);
      releaseFirstFsync.countDown();
      callers.get(0).get(); // covered by fsync 1, which succeeded
      for (Future<Void> caller : callers.subList(1, CALLERS)) {
        assertThatThrownBy(caller::get)
            .cause()
            .isInstanceOf(IOException.class)
            .satisfies(e -> assertThat(e == eio || e.getCause() == eio)
                .as("the original failure, or caused by it: %s", e).isTrue());
      }
      assertThatThrownBy(() -> writer.force(false))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("earlier fsync failed")
          .hasCause(eio);
      assertThat(opener.fsyncs.get()).as("no fsync is attempted after the failure").isEqualTo(2);

      writer.write(ByteBuffer.wrap(new byte[] {9}), 100);
      assertThat(writer.size()).as("writes still work").isEqualTo(101);
    }
  }

  @Test
  void aCallerInterruptedWhileWaitingForAnotherCallersFsyncThrowsAndKeepsItsStatus()
      throws Exception {
    ScriptedOpener opener = recordingOpener(null);
    try (PositionalWriter writer = PositionalWriter.open(opener, dir.resolve("f"))) {
      Future<Void> leader = writeThenForce(writer, 0, null);
      assertThat(firstFsyncEntered.await(60, TimeUnit.SECONDS)).as("first fsync began").isTrue();
      CountDownLatch waiterDone = new CountDownLatch(1);
      Throwable[] got = new Throwable[1];
      boolean[] statusKept = new boolean[1];
      Thread waiter = new Thread(() -> {
        try {
          writer.force(true);
        } catch (Throwable e) {
          got[0] = e;
          statusKept[0] = Thread.currentThread().isInterrupted();
        }
        waiterDone.countDown();
      });
      waiter.start();
      while (writer.forceWaiters() < 1) {
        Thread.yield();
      }
      waiter.interrupt();
      waiterDone.await();
      assertThat(got[0]).isInstanceOf(InterruptedIOException.class);
      assertThat(statusKept[0]).isTrue();
      assertThat(writer.forceWaiters()).isZero();

      releaseFirstFsync.countDown();
      leader.get();
      writer.force(false);
      assertThat(opener.fsyncs.get()).isEqualTo(2);
    }
  }
}
