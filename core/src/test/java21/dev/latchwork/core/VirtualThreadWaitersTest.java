package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Waiters on virtual threads (JDK 21+): parking must not pin carriers or lose wake-ups. */
@ExtendWith(TestSeed.class)
class VirtualThreadWaitersTest {
  private static final int WAITERS = 10_000;

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      assertThat(t.join(java.time.Duration.ofSeconds(30))).as("virtual waiter finished").isTrue();
    }
  }

  @Test
  void tenThousandVirtualThreadsBlockedOnALatchAreAllReleasedByOneOpen() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    AtomicInteger released = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(WAITERS);
    // Timed or untimed awaits at random, so that both park paths run on virtual threads.
    SplittableRandom random = TestSeed.random("VirtualThreadWaitersTest.latchWaiters");
    for (int i = 0; i < WAITERS; i++) {
      boolean timed = random.nextBoolean();
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          if (timed) {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
          } else {
            latch.await();
          }
          released.incrementAndGet();
        } catch (Throwable e) {
          error.set(e);
        }
      }));
    }
    Races.until(() -> latch.queueLength() == WAITERS, "all virtual waiters are queued");

    assertThat(latch.open()).isTrue();
    joinAll(threads);

    assertThat(error.get()).isNull();
    assertThat(released.get()).isEqualTo(WAITERS);
    assertThat(latch.queueLength()).isZero();
  }

  @Test
  void virtualThreadsArrivingBeforeDuringAndAfterAFailAllSeeTheCause() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    IllegalStateException cause = new IllegalStateException("upstream gone");
    AtomicInteger sawCause = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(WAITERS);
    Runnable waiter = () -> {
      try {
        latch.await();
        error.set(new AssertionError("await returned normally on a failed latch"));
      } catch (SignalFailedException e) {
        if (e.getCause() == cause) {
          sawCause.incrementAndGet();
        } else {
          error.set(e);
        }
      } catch (Throwable e) {
        error.set(e);
      }
    };
    for (int i = 0; i < WAITERS / 2; i++) {
      threads.add(Thread.ofVirtual().start(waiter));
    }
    Thread failer = Thread.ofPlatform().start(() -> latch.fail(cause)); // while more arrive
    for (int i = WAITERS / 2; i < WAITERS; i++) {
      threads.add(Thread.ofVirtual().start(waiter));
    }
    failer.join();
    joinAll(threads);

    assertThat(error.get()).isNull();
    assertThat(sawCause.get()).isEqualTo(WAITERS);
  }

  @Test
  void tenThousandVirtualThreadsAtSpreadTargetsAreEachWokenOnceByTheAdvanceThatReachesThem()
      throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    long[] returned = new long[WAITERS];
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(WAITERS);
    for (int i = 0; i < WAITERS; i++) {
      int index = i;
      long target = 1 + (i * 7919L) % WAITERS; // a permutation of 1..WAITERS: spread, not sorted
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          long value = notifier.awaitAtLeast(target);
          returned[index] = value >= target ? value : -value;
        } catch (Throwable e) {
          error.set(e);
        }
      }));
    }
    Races.until(
        () -> notifier.waiterCount() == WAITERS
            && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING),
        "all virtual waiters are parked");

    for (int step = 1; step <= WAITERS; step += 100) {
      notifier.advanceTo(step + 99L);
    }
    joinAll(threads);

    assertThat(error.get()).isNull();
    for (int i = 0; i < WAITERS; i++) {
      assertThat(returned[i]).as("waiter %d returned a value at or above its target", i).isPositive();
    }
    assertThat(notifier.wakeUpCount()).isEqualTo(WAITERS);
    assertThat(notifier.waiterCount()).isZero();
  }
}
