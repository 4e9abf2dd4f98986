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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class ProgressNotifierTest {

  @Test
  void aNotifierStartsAtZeroOrAtItsInitialValue() {
    assertThat(new ProgressNotifier().get()).isZero();
    assertThat(new ProgressNotifier(42).get()).isEqualTo(42);
    assertThat(new ProgressNotifier(42).isDone()).isFalse();
  }

  @Test
  void aNegativeInitialValueIsRejectedNamingIt() {
    assertThatThrownBy(() -> new ProgressNotifier(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialValue")
        .hasMessageContaining("-3");
  }

  @Test
  void advanceToRaisesTheValueAndIgnoresValuesAtOrBelowIt() {
    ProgressNotifier notifier = new ProgressNotifier();

    notifier.advanceTo(10);
    notifier.advanceTo(7);
    notifier.advanceTo(10);
    notifier.advanceTo(-1);

    assertThat(notifier.get()).isEqualTo(10);
  }

  @Test
  void addReturnsTheNewValue() {
    ProgressNotifier notifier = new ProgressNotifier(5);

    assertThat(notifier.add(3)).isEqualTo(8);
    assertThat(notifier.add(0)).isEqualTo(8);
    assertThat(notifier.get()).isEqualTo(8);
  }

  @Test
  void aNegativeDeltaIsRejectedNamingItAndChangesNothing() {
    ProgressNotifier notifier = new ProgressNotifier(5);

    assertThatThrownBy(() -> notifier.add(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta")
        .hasMessageContaining("-2");
    assertThat(notifier.get()).isEqualTo(5);
  }

  @Test
  void anAddPastLongMaxValueIsRejectedAndChangesNothing() {
    ProgressNotifier notifier = new ProgressNotifier(Long.MAX_VALUE - 1);

    assertThatThrownBy(() -> notifier.add(2))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining(String.valueOf(Long.MAX_VALUE - 1));
    assertThat(notifier.add(1)).isEqualTo(Long.MAX_VALUE);
    assertThat(notifier.isDone()).isFalse();
  }

  @Test
  void anAwaitForAReachedTargetReturnsTheCurrentValueAtOnce() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier(100);

    assertThat(notifier.awaitAtLeast(100)).isEqualTo(100);
    assertThat(notifier.awaitAtLeast(0)).isEqualTo(100);
    assertThat(notifier.awaitAtLeast(Long.MIN_VALUE)).isEqualTo(100);
    assertThat(notifier.awaitAtLeast(50, 0, TimeUnit.NANOSECONDS)).isEqualTo(100);
    assertThat(notifier.awaitAtLeast(50, Duration.ZERO)).isEqualTo(100);
  }

  @Test
  void aWaiterBlockedBeforeTheAdvanceIsWokenWithAValueAtLeastItsTarget() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    BlockedWaiter waiter = BlockedWaiter.start(() -> notifier.awaitAtLeast(10));
    Races.until(() -> notifier.waiterCount() == 1, "the waiter is registered");

    notifier.advanceTo(9);
    assertThat(waiter.thread().isAlive()).isTrue();
    assertThat(notifier.add(3)).isEqualTo(12);

    assertThat(waiter.finish().thrown()).isNull();
    assertThat(waiter.returned()).isEqualTo(12L);
    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void completeBelowTheTargetHandsTheFinalValueToWaitersNowAndLater() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    BlockedWaiter waiter = BlockedWaiter.start(() -> notifier.awaitAtLeast(1_000));
    Races.until(() -> notifier.waiterCount() == 1, "the waiter is registered");

    notifier.advanceTo(640);
    notifier.complete();

    assertThat(waiter.finish().thrown()).isNull();
    assertThat(waiter.returned()).isEqualTo(640L);
    assertThat(notifier.isDone()).isTrue();
    assertThat(notifier.awaitAtLeast(1_000)).isEqualTo(640);
    assertThat(notifier.awaitAtLeast(2_000, 1, TimeUnit.HOURS)).isEqualTo(640);
    assertThat(notifier.whenAtLeast(5_000).get()).isEqualTo(640);
  }

  @Test
  void failBelowTheTargetThrowsSignalFailedWithTheCauseNowAndLater() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    IOException cause = new IOException("connection reset");
    BlockedWaiter waiter = BlockedWaiter.start(() -> notifier.awaitAtLeast(1_000));
    Races.until(() -> notifier.waiterCount() == 1, "the waiter is registered");

    notifier.advanceTo(640);
    notifier.fail(cause);

    assertThat(waiter.finish().thrown()).isInstanceOf(SignalFailedException.class).hasCause(cause);
    assertThat(notifier.isDone()).isTrue();
    assertThat(notifier.get()).isEqualTo(640);
    assertThatThrownBy(() -> notifier.awaitAtLeast(641))
        .isInstanceOf(SignalFailedException.class)
        .hasCause(cause);
    assertThatThrownBy(() -> notifier.awaitAtLeast(641, Duration.ofHours(1)))
        .isInstanceOf(SignalFailedException.class)
        .hasCause(cause);
  }

  @Test
  void aTargetReachedBeforeAFailureIsStillReturned() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    notifier.advanceTo(640);
    notifier.fail(new IOException("later failure"));

    assertThat(notifier.awaitAtLeast(640)).isEqualTo(640);
    assertThat(notifier.whenAtLeast(600).get()).isEqualTo(640);
  }

  @Test
  void advancingAfterCompleteOrFailThrowsIllegalStateEvenForNoOpValues() {
    ProgressNotifier completed = new ProgressNotifier(10);
    completed.complete();
    ProgressNotifier failed = new ProgressNotifier(10);
    failed.fail(new IOException("x"));

    for (ProgressNotifier notifier : List.of(completed, failed)) {
      assertThatThrownBy(() -> notifier.advanceTo(20))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("advanceTo(20)");
      assertThatThrownBy(() -> notifier.advanceTo(5)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> notifier.add(1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("add(1)");
      assertThatThrownBy(() -> notifier.add(0)).isInstanceOf(IllegalStateException.class);
      assertThat(notifier.get()).isEqualTo(10);
    }
    assertThat(completed.toString()).contains("completed");
    assertThat(failed.toString()).contains("failed");
  }

  @Test
  void aSecondTerminalCallReturnsQuietlyAndChangesNothing() throws Exception {
    ProgressNotifier completed = new ProgressNotifier(3);
    completed.complete();
    completed.complete();
    completed.fail(new IOException("too late"));
    assertThat(completed.awaitAtLeast(4)).isEqualTo(3);

    ProgressNotifier failed = new ProgressNotifier(3);
    IOException first = new IOException("first");
    failed.fail(first);
    failed.fail(new IOException("second"));
    failed.complete();
    assertThatThrownBy(() -> failed.awaitAtLeast(4)).hasCause(first);
  }

  @Test
  void failWithANullCauseIsRejectedAndLeavesTheNotifierRunning() {
    ProgressNotifier notifier = new ProgressNotifier();

    assertThatThrownBy(() -> notifier.fail(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("cause");
    assertThat(notifier.isDone()).isFalse();
    assertThat(notifier.add(1)).isEqualTo(1);
  }

  @Test
  void timedAwaitsRejectANullUnitOrDurationEvenWhenTheTargetIsReached() {
    ProgressNotifier notifier = new ProgressNotifier(10);

    assertThatThrownBy(() -> notifier.awaitAtLeast(1, 1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
    assertThatThrownBy(() -> notifier.awaitAtLeast(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
  }

  @Test
  void aTimedAwaitThatTimesOutThrowsTimeoutExceptionAndLeavesNothingRegistered() {
    ProgressNotifier notifier = new ProgressNotifier(4);

    assertThatThrownBy(() -> notifier.awaitAtLeast(5, 1, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("5")
        .hasMessageContaining("value 4");
    assertThatThrownBy(() -> notifier.awaitAtLeast(5, Duration.ofNanos(1)))
        .isInstanceOf(TimeoutException.class);
    assertThatThrownBy(() -> notifier.awaitAtLeast(5, Duration.ofSeconds(-1)))
        .isInstanceOf(TimeoutException.class);
    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void manyTimedOutAwaitsLeaveNoWaiterBehind() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    for (int i = 0; i < 20_000; i++) {
      try {
        notifier.awaitAtLeast(1 + i % 100, 1, TimeUnit.NANOSECONDS);
        throw new AssertionError("target reached on a notifier that never advanced");
      } catch (TimeoutException expected) {
        // the point of the loop
      }
    }
    assertThat(notifier.waiterCount()).isZero();
    assertThat(notifier.add(100)).isEqualTo(100);
    assertThat(notifier.wakeUpCount()).isZero();
  }

  @Test
  void anAwaitByAnInterruptedThreadBeforeTheTargetThrowsAndClearsTheStatus() {
    ProgressNotifier notifier = new ProgressNotifier();

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> notifier.awaitAtLeast(1)).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> notifier.awaitAtLeast(1, Duration.ZERO))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void anAwaitForAReachedTargetReturnsWithoutConsumingTheInterruptStatus() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier(7);
    Thread.currentThread().interrupt();
    try {
      assertThat(notifier.awaitAtLeast(7)).isEqualTo(7);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void interruptingABlockedWaiterThrowsClearsTheStatusAndRemovesTheWaiter() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    BlockedWaiter waiter =
        BlockedWaiter.start(() -> notifier.awaitAtLeast(10, Duration.ofSeconds(Long.MAX_VALUE)));
    Races.until(() -> notifier.waiterCount() == 1, "the waiter is registered");

    waiter.thread().interrupt();

    assertThat(waiter.finish().thrown()).isInstanceOf(InterruptedException.class);
    assertThat(waiter.interruptedAfter()).isFalse();
    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void whenAtLeastCompletesWithTheValueOnceTheTargetIsReached() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    CompletableFuture<Long> future = notifier.whenAtLeast(10);
    assertThat(future).isNotDone();

    notifier.advanceTo(9);
    assertThat(future).isNotDone();
    notifier.advanceTo(15);

    assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo(15);
    assertThat(notifier.whenAtLeast(15)).isCompletedWithValue(15L);
  }

  @Test
  void whenAtLeastCompletesWithTheFinalValueOrTheCauseWhenTheNotifierEndsBelowTheTarget() {
    ProgressNotifier completed = new ProgressNotifier(3);
    CompletableFuture<Long> endOfData = completed.whenAtLeast(10);
    completed.complete();

    ProgressNotifier failed = new ProgressNotifier(3);
    CompletableFuture<Long> broken = failed.whenAtLeast(10);
    IOException cause = new IOException("disk full");
    failed.fail(cause);

    assertThat(endOfData.orTimeout(30, TimeUnit.SECONDS).join()).isEqualTo(3);
    assertThatThrownBy(() -> broken.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCause(cause);
    assertThatThrownBy(() -> failed.whenAtLeast(10).get())
        .isInstanceOf(ExecutionException.class)
        .hasCause(cause);
  }

  @Test
  void cancellingAWhenAtLeastFutureRemovesItsRegistrationAndAffectsNothingElse() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    CompletableFuture<Long> cancelled = notifier.whenAtLeast(5);
    CompletableFuture<Long> completedByUser = notifier.whenAtLeast(5);
    CompletableFuture<Long> kept = notifier.whenAtLeast(5);
    assertThat(notifier.waiterCount()).isEqualTo(3);

    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(completedByUser.complete(99L)).isTrue();

    assertThat(notifier.waiterCount()).isEqualTo(1);
    assertThat(notifier.get()).isZero();
    assertThat(notifier.isDone()).isFalse();
    notifier.advanceTo(5);
    assertThat(kept.get(30, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(notifier.wakeUpCount()).isEqualTo(1);
  }

  @Test
  void aWhenAtLeastFutureThatTimesOutRemovesItsRegistration() {
    ProgressNotifier notifier = new ProgressNotifier();
    CompletableFuture<Long> future = notifier.whenAtLeast(1).orTimeout(1, TimeUnit.MILLISECONDS);

    assertThatThrownBy(future::join).hasCauseInstanceOf(TimeoutException.class);
    Races.until(() -> notifier.waiterCount() == 0, "the timed-out future is unregistered");
    assertThat(notifier.add(1)).isEqualTo(1);
    assertThat(notifier.wakeUpCount()).isZero();
  }

  @Test
  void concurrentProducersKeepTheMaximumAndWakeEveryReachedWaiter() throws Exception {
    SplittableRandom random = TestSeed.random("ProgressNotifierTest.concurrentProducers");
    try (Races races = new Races(4)) {
      for (int i = 0; i < 2_000; i++) {
        ProgressNotifier notifier = new ProgressNotifier();
        long a = 1 + random.nextInt(50);
        long b = 1 + random.nextInt(50);
        long max = Math.max(a, b);
        long targetOne = 1 + random.nextInt((int) max);
        long targetTwo = 1 + random.nextInt((int) max);
        AtomicLong seenOne = new AtomicLong();
        AtomicLong seenTwo = new AtomicLong();
        races.run(List.of(
            () -> {
              for (long v = 1; v <= a; v += 3) {
                notifier.advanceTo(v);
              }
              notifier.advanceTo(a);
            },
            () -> notifier.advanceTo(b),
            () -> seenOne.set(notifier.awaitAtLeast(targetOne)),
            () -> seenTwo.set(notifier.whenAtLeast(targetTwo).get(30, TimeUnit.SECONDS))));

        assertThat(notifier.get()).isEqualTo(max);
        assertThat(seenOne.get()).isBetween(targetOne, max);
        assertThat(seenTwo.get()).isBetween(targetTwo, max);
        assertThat(notifier.waiterCount()).isZero();
      }
    }
  }

  @Test
  void theProducerDoesNotWaitForASlowDependentOfAFuture() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch dependentRunning = new CountDownLatch(1);
    AtomicReference<Thread> dependentThread = new AtomicReference<>();
    CompletableFuture<Void> dependent =
        notifier.whenAtLeast(1).thenAccept(value -> {
          dependentThread.set(Thread.currentThread());
          dependentRunning.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });

    assertThat(notifier.add(1)).isEqualTo(1); // returns although the dependent blocks
    notifier.complete();

    assertThat(dependentRunning.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(dependentThread.get()).isNotSameAs(Thread.currentThread());
    release.countDown();
    dependent.get(30, TimeUnit.SECONDS);
  }

  @Test
  void futuresReachedByOneAdvanceAreCompletedTogetherOffTheProducerThread() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    List<CompletableFuture<Thread>> completedIn = new ArrayList<>();
    for (int target = 1; target <= 100; target++) {
      completedIn.add(notifier.whenAtLeast(target).thenApply(value -> Thread.currentThread()));
    }
    CompletableFuture<Long> notReached = notifier.whenAtLeast(101);

    notifier.advanceTo(100);

    java.util.Set<Thread> threads = new java.util.HashSet<>();
    for (CompletableFuture<Thread> f : completedIn) {
      threads.add(f.get(30, TimeUnit.SECONDS));
    }
    assertThat(threads).hasSize(1).doesNotContain(Thread.currentThread());
    assertThat(notReached).isNotDone();
    assertThat(notifier.wakeUpCount()).isEqualTo(100);
    assertThat(notifier.waiterCount()).isEqualTo(1);
  }

  @Test
  void aThousandSingleStepAdvancesUnparkEachOfAThousandWaitersOnce() throws Exception {
    int n = 1_000;
    ProgressNotifier notifier = new ProgressNotifier();
    List<BlockedWaiter> waiters = new ArrayList<>(n);
    for (int target = 1; target <= n; target++) {
      long t = target;
      waiters.add(BlockedWaiter.start(() -> notifier.awaitAtLeast(t)));
    }
    // Parked, not just registered: a waiter still between registering and parking could see an
    // advance on its own re-check and leave without being unparked.
    Races.until(
        () -> notifier.waiterCount() == n
            && waiters.stream().allMatch(w -> w.thread().getState() == Thread.State.WAITING),
        "all waiters are parked");

    for (int step = 1; step <= n; step++) {
      notifier.advanceTo(step);
    }

    for (int i = 0; i < n; i++) {
      BlockedWaiter waiter = waiters.get(i).finish();
      assertThat(waiter.thrown()).isNull();
      assertThat((Long) waiter.returned()).as("waiter for %d", i + 1).isGreaterThanOrEqualTo(i + 1L);
    }
    // Every waiter was registered before the first advance, so each is woken exactly once by an
    // advance; a broadcast design would unpark sum(1000 - k) = ~500,000 times.
    assertThat(notifier.wakeUpCount()).isEqualTo(n);
    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void advancingWithNoWaitersAllocatesNothing() throws Exception {
    ProgressNotifier neverWaited = new ProgressNotifier();
    ProgressNotifier hadWaiters = new ProgressNotifier();
    CompletableFuture<Long> gone = hadWaiters.whenAtLeast(Long.MAX_VALUE);
    assertThat(gone.cancel(false)).isTrue(); // registered once, then removed: the set path
    assertThat(hadWaiters.waiterCount()).isZero();
    Measure.Action advances = () -> {
      for (int i = 0; i < 100_000; i++) {
        neverWaited.add(1);
        neverWaited.advanceTo(neverWaited.get() + 2);
        hadWaiters.add(1);
        hadWaiters.advanceTo(hadWaiters.get() + 2);
      }
    };
    advances.run(); // warm up: let the JIT compile the fast paths

    long allocated = Measure.bytesAllocatedBy(advances);

    // 400,000 advances: anything per call would be >= 400,000 bytes; allow the measurement's own.
    assertThat(allocated).isLessThan(10_000L);
    // Positive control: the same measurement sees what a registering waiter allocates.
    long control =
        Measure.bytesAllocatedBy(() -> {
          for (int i = 0; i < 1_000; i++) {
            CompletableFuture<Long> pending = hadWaiters.whenAtLeast(Long.MAX_VALUE);
            assertThat(pending.cancel(false)).isTrue();
          }
        });
    assertThat(control).isGreaterThan(16_000L);
    assertThat(neverWaited.get()).isEqualTo(600_000L);
  }

  @Test
  void advancesAndTerminationRacingWaitersNeverLoseAWakeUp() throws Exception {
    SplittableRandom random = TestSeed.random("ProgressNotifierTest.advancesAndTermination");
    try (Races races = new Races(4)) {
      for (int i = 0; i < 3_000; i++) {
        ProgressNotifier notifier = new ProgressNotifier();
        int steps = 1 + random.nextInt(8);
        int ending = random.nextInt(3); // 0: stays running, 1: completes, 2: fails
        IOException cause = new IOException("iteration " + i);
        List<Races.Action> actions = new ArrayList<>();
        actions.add(() -> {
          for (int s = 0; s < steps; s++) {
            Races.jitter();
            notifier.add(1);
          }
          if (ending == 1) {
            notifier.complete();
          } else if (ending == 2) {
            notifier.fail(cause);
          }
        });
        List<long[]> targets = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
          // Beyond the last step only when the notifier ends, else the waiter would rightly hang.
          long target = random.nextInt(ending == 0 ? steps + 1 : steps + 3);
          int way = random.nextInt(3);
          targets.add(new long[] {target});
          actions.add(() -> awaitOneWayAndCheck(notifier, target, steps, ending, cause, way));
        }

        races.run(actions);

        for (long[] target : targets) { // waiters arriving after everything
          awaitOneWayAndCheck(notifier, target[0], steps, ending, cause, random.nextInt(3));
        }
        assertThat(notifier.waiterCount()).isZero();
      }
    }
  }

  @Test
  void aWaiterArrivingAsTheOnlyAdvanceLandsIsNeverMissed() throws Exception {
    // The narrowest race: one advance, one waiter for exactly that value, nothing afterwards that
    // could wake a waiter the advance missed. A lost wake-up hangs the waiter and fails the race.
    // (Checked against a check-then-register mutant of awaitAtLeast: this test catches it.)
    try (Races races = new Races(3)) {
      for (int i = 0; i < 20_000; i++) {
        ProgressNotifier notifier = new ProgressNotifier();
        AtomicLong seen = new AtomicLong();
        AtomicReference<CompletableFuture<Long>> future = new AtomicReference<>();
        races.run(List.of(
            () -> notifier.advanceTo(1),
            () -> seen.set(notifier.awaitAtLeast(1)),
            () -> future.set(notifier.whenAtLeast(1))));
        assertThat(seen.get()).isEqualTo(1);
        assertThat(future.get().get(30, TimeUnit.SECONDS)).isEqualTo(1);
      }
    }
  }

  /**
   * Waits for {@code target} in way {@code way} (0: await, 1: timed await, 2: future; chosen at
   * random by the caller); checks the result against the script.
   */
  private static void awaitOneWayAndCheck(
      ProgressNotifier notifier, long target, int steps, int ending, Throwable cause, int way)
      throws Exception {
    long value;
    try {
      switch (way) {
        case 0:
          value = notifier.awaitAtLeast(target);
          break;
        case 1:
          value = notifier.awaitAtLeast(target, 30, TimeUnit.SECONDS);
          break;
        default:
          try {
            value = notifier.whenAtLeast(target).get(30, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            throw new SignalFailedException(e.getCause());
          }
      }
    } catch (SignalFailedException e) {
      assertThat(ending).as("failed only if the script fails").isEqualTo(2);
      assertThat(target).as("failed only above the last step").isGreaterThan(steps);
      assertThat(e).hasCause(cause);
      return;
    }
    if (target <= steps) {
      assertThat(value).isBetween(target, (long) steps);
    } else {
      assertThat(ending).as("a target above the last step returns only on complete").isEqualTo(1);
      assertThat(value).isEqualTo(steps);
    }
  }

  @Test
  void anAdvanceRacingCompleteEitherLandsBeforeItOrThrows() throws Exception {
    try (Races races = new Races(3)) {
      for (int i = 0; i < 3_000; i++) {
        ProgressNotifier notifier = new ProgressNotifier();
        AtomicLong accepted = new AtomicLong();
        List<Races.Action> actions = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
          actions.add(() -> {
            try {
              for (int s = 0; s < 50; s++) {
                notifier.add(1);
                accepted.incrementAndGet();
              }
            } catch (IllegalStateException terminated) {
              assertThat(notifier.isDone()).isTrue();
            }
          });
        }
        actions.add(notifier::complete);

        races.run(actions);

        // Every add that returned normally counts, and none that threw.
        assertThat(notifier.get()).isEqualTo(accepted.get());
        assertThat(notifier.awaitAtLeast(101)).isEqualTo(accepted.get());
      }
    }
  }

  @Test
  void anInterruptRacingAnAdvanceEitherReturnsTheValueOrThrowsAndLeavesNothingRegistered()
      throws Exception {
    try (Races races = new Races(3)) {
      for (int i = 0; i < 2_000; i++) {
        ProgressNotifier notifier = new ProgressNotifier();
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CountDownLatch waiterStarted = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        List<Races.Action> actions = new ArrayList<>();
        actions.add(() -> {
          waiterThread.set(Thread.currentThread());
          waiterStarted.countDown();
          try {
            outcome.set(notifier.awaitAtLeast(1));
          } catch (InterruptedException e) {
            outcome.set(e);
          } finally {
            Thread.interrupted(); // the pooled thread must not keep a late interrupt
          }
        });
        actions.add(() -> notifier.advanceTo(1));
        actions.add(() -> {
          waiterStarted.await();
          waiterThread.get().interrupt();
        });

        races.run(actions);

        assertThat(outcome.get())
            .satisfiesAnyOf(
                o -> assertThat(o).isEqualTo(1L),
                o -> assertThat(o).isInstanceOf(InterruptedException.class));
        assertThat(notifier.waiterCount()).isZero();
      }
    }
  }
}
