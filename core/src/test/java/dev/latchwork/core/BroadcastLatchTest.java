package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class BroadcastLatchTest {

  @Test
  void aNewLatchIsClosedAndHasNoFailure() throws InterruptedException {
    BroadcastLatch latch = new BroadcastLatch();

    assertThat(latch.isOpen()).isFalse();
    assertThat(latch.failure()).isNull();
    assertThat(latch.await(0, TimeUnit.NANOSECONDS)).isFalse();
    assertThat(latch.toString()).endsWith("[closed]");
  }

  @Test
  void openReleasesEveryThreadBlockedBeforeIt() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    List<BlockedWaiter> waiters = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      waiters.add(BlockedWaiter.start(() -> latch.await(1, TimeUnit.HOURS)));
    }
    Races.until(() -> latch.queueLength() == 8, "all 8 waiters are queued");

    assertThat(latch.open()).isTrue();

    for (BlockedWaiter waiter : waiters) {
      assertThat(waiter.finish().thrown()).isNull();
      assertThat(waiter.returned()).isEqualTo(true);
    }
    assertThat(latch.isOpen()).isTrue();
    assertThat(latch.failure()).isNull();
    assertThat(latch.queueLength()).isZero();
  }

  @Test
  void everyAwaitAfterOpenReturnsAtOnce() throws InterruptedException {
    BroadcastLatch latch = new BroadcastLatch();
    latch.open();

    latch.await();
    assertThat(latch.await(0, TimeUnit.NANOSECONDS)).isTrue();
    assertThat(latch.await(-1, TimeUnit.DAYS)).isTrue();
    assertThat(latch.await(Duration.ZERO)).isTrue();
  }

  @Test
  void theFirstOfOpenAndFailWinsAndLaterCallsChangeNothing() {
    BroadcastLatch opened = new BroadcastLatch();
    assertThat(opened.open()).isTrue();
    assertThat(opened.open()).isFalse();
    assertThat(opened.fail(new IOException("late"))).isFalse();
    assertThat(opened.failure()).isNull();

    BroadcastLatch failed = new BroadcastLatch();
    IOException cause = new IOException("first");
    assertThat(failed.fail(cause)).isTrue();
    assertThat(failed.fail(new IOException("second"))).isFalse();
    assertThat(failed.open()).isFalse();
    assertThat(failed.isOpen()).isTrue();
    assertThat(failed.failure()).isSameAs(cause);
    assertThat(failed.toString()).endsWith("[failed: java.io.IOException: first]");
    assertThat(opened.toString()).endsWith("[open]");
  }

  @Test
  void failMakesEveryAwaitNowAndLaterThrowSignalFailedWithTheCause() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    IOException cause = new IOException("download broke");
    BlockedWaiter waiter = BlockedWaiter.start(() -> {
      latch.await();
      return null;
    });
    Races.until(() -> latch.queueLength() == 1, "the waiter is queued");

    latch.fail(cause);

    assertThat(waiter.finish().thrown()).isInstanceOf(SignalFailedException.class).hasCause(cause);
    assertThatThrownBy(latch::await).isInstanceOf(SignalFailedException.class).hasCause(cause);
    assertThatThrownBy(() -> latch.await(1, TimeUnit.SECONDS))
        .isInstanceOf(SignalFailedException.class)
        .hasCause(cause);
    assertThatThrownBy(() -> latch.await(Duration.ofSeconds(1)))
        .isInstanceOf(SignalFailedException.class)
        .hasCause(cause);
  }

  @Test
  void failWithANullCauseIsRejectedAndLeavesTheLatchClosed() {
    BroadcastLatch latch = new BroadcastLatch();

    assertThatThrownBy(() -> latch.fail(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("cause");
    assertThat(latch.isOpen()).isFalse();
    assertThat(latch.open()).isTrue();
  }

  @Test
  void timedAwaitsRejectANullUnitOrDurationEvenWhenOpen() {
    BroadcastLatch latch = new BroadcastLatch();
    latch.open();

    assertThatThrownBy(() -> latch.await(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
    assertThatThrownBy(() -> latch.await(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
  }

  @Test
  void aTimedAwaitOnAClosedLatchReturnsFalseAndLeavesNothingQueued() throws InterruptedException {
    BroadcastLatch latch = new BroadcastLatch();

    assertThat(latch.await(1, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(latch.await(Duration.ofNanos(1))).isFalse();
    assertThat(latch.await(Duration.ofSeconds(-5))).isFalse();
    assertThat(latch.queueLength()).isZero();
    assertThat(latch.isOpen()).isFalse();
  }

  @Test
  void anAwaitOnAClosedLatchByAnInterruptedThreadThrowsAndClearsTheStatus() {
    BroadcastLatch latch = new BroadcastLatch();

    Thread.currentThread().interrupt();
    assertThatThrownBy(latch::await).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> latch.await(1, TimeUnit.HOURS))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> latch.await(Duration.ZERO)).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void anAwaitOnAnOpenLatchReturnsWithoutConsumingTheInterruptStatus() throws InterruptedException {
    BroadcastLatch latch = new BroadcastLatch();
    latch.open();

    Thread.currentThread().interrupt();
    try {
      latch.await();
      assertThat(latch.await(1, TimeUnit.SECONDS)).isTrue();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void interruptingABlockedWaiterThrowsInterruptedExceptionClearsTheStatusAndUnqueuesIt()
      throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    // A huge Duration saturates instead of overflowing into a negative (no-wait) timeout.
    BlockedWaiter waiter = BlockedWaiter.start(() -> latch.await(Duration.ofSeconds(Long.MAX_VALUE)));
    Races.until(() -> latch.queueLength() == 1, "the waiter is queued");

    waiter.thread().interrupt();

    assertThat(waiter.finish().thrown()).isInstanceOf(InterruptedException.class);
    assertThat(waiter.interruptedAfter()).isFalse();
    assertThat(latch.queueLength()).isZero();
    assertThat(latch.isOpen()).isFalse();
  }

  @Test
  void toFutureCompletesNormallyWhenTheLatchOpens() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> future = latch.toFuture();
    assertThat(future).isNotDone();

    latch.open();

    assertThat(future.get(30, TimeUnit.SECONDS)).isNull();
    assertThat(latch.toFuture()).isCompleted();
  }

  @Test
  void toFutureCompletesExceptionallyWithTheCauseWhenTheLatchFails() {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> before = latch.toFuture();
    IOException cause = new IOException("gone");

    latch.fail(cause);

    assertThatThrownBy(() -> before.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCause(cause);
    assertThatThrownBy(() -> latch.toFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasCause(cause);
  }

  @Test
  void completingOrCancellingAFutureAffectsNeitherTheLatchNorOtherFutures() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> cancelled = latch.toFuture();
    CompletableFuture<Void> completed = latch.toFuture();
    CompletableFuture<Void> failed = latch.toFuture();
    CompletableFuture<Void> untouched = latch.toFuture();

    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(completed.complete(null)).isTrue();
    assertThat(failed.completeExceptionally(new IOException("mine"))).isTrue();

    assertThat(latch.isOpen()).isFalse();
    assertThat(latch.await(0, TimeUnit.NANOSECONDS)).isFalse();
    assertThat(untouched).isNotDone();
    assertThat(latch.toFuture()).isNotDone();

    latch.open();
    assertThat(untouched.get(30, TimeUnit.SECONDS)).isNull();
    assertThat(cancelled).isCancelled();
  }

  @Test
  void openDoesNotWaitForASlowDependentOfAFuture() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch dependentRunning = new CountDownLatch(1);
    AtomicReference<Thread> dependentThread = new AtomicReference<>();
    CompletableFuture<Void> dependent =
        latch.toFuture().thenRun(() -> {
          dependentThread.set(Thread.currentThread());
          dependentRunning.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });

    assertThat(latch.open()).isTrue(); // returns although the dependent blocks until released

    assertThat(dependentRunning.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(dependentThread.get()).isNotSameAs(Thread.currentThread());
    release.countDown();
    dependent.get(30, TimeUnit.SECONDS);
  }

  @Test
  void openAndFailRacingEachOtherAndWaitersAlwaysAgreeOnOneOutcome() throws Exception {
    SplittableRandom random = TestSeed.random("BroadcastLatchTest.openAndFailRacing");
    try (Races races = new Races(5)) {
      for (int i = 0; i < 3_000; i++) {
        BroadcastLatch latch = new BroadcastLatch();
        IOException cause = new IOException("iteration " + i);
        AtomicBoolean openWon = new AtomicBoolean();
        AtomicBoolean failWon = new AtomicBoolean();
        List<Races.Action> actions = new ArrayList<>();
        actions.add(() -> openWon.set(latch.open()));
        actions.add(() -> failWon.set(latch.fail(cause)));
        for (int w = 0; w < 3; w++) {
          int way = random.nextInt(3);
          actions.add(() -> awaitOneWayAndCheck(latch, cause, way));
        }

        races.run(actions);

        assertThat(openWon.get() ^ failWon.get()).as("exactly one opener wins").isTrue();
        assertThat(latch.failure()).isSameAs(failWon.get() ? cause : null);
        awaitOneWayAndCheck(latch, cause, random.nextInt(3)); // a waiter arriving after the race
      }
    }
  }

  @Test
  void aWaiterArrivingAsTheLatchOpensIsNeverMissed() throws Exception {
    // One open, one arriving waiter of each kind, nothing afterwards that could rescue a waiter
    // the open missed: a lost wake-up hangs and fails the race.
    try (Races races = new Races(3)) {
      for (int i = 0; i < 10_000; i++) {
        BroadcastLatch latch = new BroadcastLatch();
        AtomicReference<CompletableFuture<Void>> future = new AtomicReference<>();
        races.run(List.of(latch::open, latch::await, () -> future.set(latch.toFuture())));
        assertThat(future.get().get(30, TimeUnit.SECONDS)).isNull();
        assertThat(latch.queueLength()).isZero();
      }
    }
  }

  /**
   * Awaits in way {@code way} (0: await, 1: timed await, 2: future; chosen at random by the
   * caller) and checks the outcome against the latch's.
   */
  private static void awaitOneWayAndCheck(BroadcastLatch latch, Throwable cause, int way)
      throws Exception {
    Throwable thrown = null;
    try {
      switch (way) {
        case 0:
          latch.await();
          break;
        case 1:
          assertThat(latch.await(30, TimeUnit.SECONDS)).as("opened within 30 s").isTrue();
          break;
        default:
          try {
            latch.toFuture().get(30, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            thrown = new SignalFailedException(e.getCause());
          }
      }
    } catch (SignalFailedException e) {
      thrown = e;
    }
    Throwable failure = latch.failure();
    if (failure == null) {
      assertThat(thrown).isNull();
    } else {
      assertThat(failure).isSameAs(cause);
      assertThat(thrown).isInstanceOf(SignalFailedException.class).hasCause(cause);
    }
  }

  @Test
  void aMillionTimedOutAwaitsLeaveMemoryFlat() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    int awaits = 1_000_000;
    for (int i = 0; i < 10_000; i++) {
      latch.await(1, TimeUnit.NANOSECONDS); // warm up
    }
    long heapBefore = Measure.usedHeapAfterGc();

    long allocated =
        Measure.bytesAllocatedBy(() -> {
          for (int i = 0; i < awaits; i++) {
            if (latch.await(1, TimeUnit.NANOSECONDS)) {
              throw new AssertionError("closed latch reported open");
            }
          }
        });
    long heapAfter = Measure.usedHeapAfterGc();

    // Non-vacuous: every timed-out await really queued a node (AQS allocates one per wait)...
    assertThat(allocated).as("bytes allocated by the timed-out awaits").isGreaterThan(16L * awaits);
    // ...and none of them is retained: a leak of one node per await would be > 16 MB.
    assertThat(heapAfter - heapBefore).as("heap growth after GC").isLessThan(4L << 20);
    assertThat(latch.queueLength()).isZero();
    assertThat(latch.open()).isTrue();
  }

  @Test
  void anAwaitOnAnOpenLatchAllocatesNothing() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    latch.open();
    for (int i = 0; i < 100_000; i++) { // warm up: let the JIT compile the fast path
      latch.await();
      latch.await(1, TimeUnit.SECONDS);
    }

    long allocated =
        Measure.bytesAllocatedBy(() -> {
          for (int i = 0; i < 100_000; i++) {
            latch.await();
            latch.await(1, TimeUnit.SECONDS);
          }
        });

    // 200,000 awaits: anything per call would be >= 200,000 bytes; allow the measurement's own.
    assertThat(allocated).isLessThan(10_000L);
    // Positive control: the same measurement sees the exceptions that awaits on a failed latch
    // allocate, so the zero above is not the measurement failing to see anything.
    BroadcastLatch failed = new BroadcastLatch();
    failed.fail(new IOException("control"));
    long control =
        Measure.bytesAllocatedBy(() -> {
          for (int i = 0; i < 1_000; i++) {
            try {
              failed.await();
            } catch (SignalFailedException expected) {
              // allocated on purpose
            }
          }
        });
    assertThat(control).isGreaterThan(16_000L);
  }
}
