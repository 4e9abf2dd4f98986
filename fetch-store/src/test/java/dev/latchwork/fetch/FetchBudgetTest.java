package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
@Timeout(60)
class FetchBudgetTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Starts a thread that acquires through {@code lane}, records its name when granted. */
  private Thread waiter(FetchBudget.Lane lane, String name, List<String> granted) {
    Thread t = new Thread(() -> {
      try {
        if (lane.acquire()) {
          granted.add(name);
        }
      } catch (InterruptedException e) {
        granted.add(name + " interrupted");
      }
    }, name);
    t.start();
    awaitParked(t);
    return t;
  }

  @Test
  void neverMoreThanThePermitsAreHeldAcrossLanes() throws Exception {
    FetchBudget budget = new FetchBudget(3);
    SplittableRandom random = TestSeed.random("FetchBudgetTest.bound");
    List<FetchBudget.Lane> lanes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      lanes.add(budget.newLane("lane " + i));
    }
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger maxHolding = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      FetchBudget.Lane lane = lanes.get(random.nextInt(lanes.size()));
      done.add(threads.submit(() -> {
        for (int i = 0; i < 2000; i++) {
          assertThat(lane.acquire()).isTrue();
          maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
          Thread.yield();
          holding.decrementAndGet();
          lane.release();
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(maxHolding.get()).isBetween(1, 3);
    assertThat(budget.inFlight()).isZero();
    assertThat(budget.waiting()).isZero();
  }

  @Test
  void aLaneWithAWaitingReaderGoesFirst() throws Exception {
    FetchBudget budget = new FetchBudget(1);
    AtomicBoolean readerWaiting = new AtomicBoolean();
    FetchBudget.Lane prefetch = budget.newLane("prefetch");
    FetchBudget.Lane read = budget.newLane("read", readerWaiting::get);
    assertThat(prefetch.acquire()).isTrue();
    List<String> granted = new CopyOnWriteArrayList<>();
    Thread first = waiter(prefetch, "prefetch", granted);
    Thread second = waiter(read, "read", granted);
    readerWaiting.set(true); // a reader arrived after both fetches queued
    prefetch.release();
    second.join();
    assertThat(granted).containsExactly("read");
    read.release();
    first.join();
    assertThat(granted).containsExactly("read", "prefetch");
    prefetch.release();
  }

  @Test
  void freedPermitsGoToTheLaneHoldingFewest() throws Exception {
    FetchBudget budget = new FetchBudget(2);
    FetchBudget.Lane busy = budget.newLane("busy");
    FetchBudget.Lane idle = budget.newLane("idle");
    assertThat(busy.acquire()).isTrue();
    assertThat(busy.acquire()).isTrue();
    List<String> granted = new CopyOnWriteArrayList<>();
    Thread busyAgain = waiter(busy, "busy", granted); // came first
    Thread other = waiter(idle, "idle", granted);
    busy.release();
    other.join();
    assertThat(granted).containsExactly("idle");
    busy.release(); // busy now holds 0, idle 1: busy's waiter is next
    busyAgain.join();
    assertThat(granted).containsExactly("idle", "busy");
    assertThat(busy.held()).isEqualTo(1);
    assertThat(idle.held()).isEqualTo(1);
  }

  @Test
  void aTimedAcquisitionGivesUpAndLeavesNothingBehind() throws Exception {
    FetchBudget budget = new FetchBudget(1);
    FetchBudget.Lane lane = budget.newLane("a");
    assertThat(lane.tryAcquire(0, TimeUnit.SECONDS)).isTrue();
    assertThat(lane.tryAcquire(0, TimeUnit.SECONDS)).isFalse();
    assertThat(lane.tryAcquire(10, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(budget.waiting()).isZero();
    lane.release();
    assertThat(budget.inFlight()).isZero();
    assertThat(lane.tryAcquire(0, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void anInterruptedWaiterLeavesAndThePermitGoesOn() throws Exception {
    FetchBudget budget = new FetchBudget(1);
    FetchBudget.Lane lane = budget.newLane("a");
    assertThat(lane.acquire()).isTrue();
    List<String> granted = new CopyOnWriteArrayList<>();
    Thread interrupted = waiter(lane, "first", granted);
    Thread second = waiter(lane, "second", granted);
    interrupted.interrupt();
    interrupted.join();
    assertThat(granted).containsExactly("first interrupted");
    lane.release();
    second.join();
    assertThat(granted).containsExactly("first interrupted", "second");
    assertThat(budget.inFlight()).isEqualTo(1);
    assertThat(budget.waiting()).isZero();
  }

  @Test
  void closingALaneWakesItsWaitersOnly() throws Exception {
    FetchBudget budget = new FetchBudget(1);
    FetchBudget.Lane holder = budget.newLane("holder");
    FetchBudget.Lane closing = budget.newLane("closing");
    FetchBudget.Lane other = budget.newLane("other");
    assertThat(holder.acquire()).isTrue();
    CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> {
      try {
        return closing.acquire();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, threads);
    List<String> granted = new CopyOnWriteArrayList<>();
    Thread otherWaiter = waiter(other, "other", granted);
    while (budget.waiting() < 2) {
      Thread.onSpinWait();
    }
    closing.close();
    assertThat(closed.get(30, TimeUnit.SECONDS)).isFalse();
    assertThat(closing.acquire()).isFalse();
    assertThat(budget.waiting()).isEqualTo(1);
    holder.release();
    otherWaiter.join();
    assertThat(granted).containsExactly("other");
  }

  @Test
  void releaseWithoutAPermitIsRefused() {
    FetchBudget budget = new FetchBudget(2);
    FetchBudget.Lane a = budget.newLane("a");
    assertThatThrownBy(a::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a");
    assertThatThrownBy(() -> new FetchBudget(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aReleaseRacingManyAcquisitionsHandsOverEveryPermitOnce() throws Exception {
    SplittableRandom random = TestSeed.random("FetchBudgetTest.handover");
    for (int round = 0; round < 200; round++) {
      int permits = 1 + random.nextInt(3);
      FetchBudget budget = new FetchBudget(permits);
      FetchBudget.Lane lane = budget.newLane("l");
      for (int i = 0; i < permits; i++) {
        assertThat(lane.acquire()).isTrue();
      }
      int acquirers = 1 + random.nextInt(4);
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger got = new AtomicInteger();
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < acquirers; i++) {
        done.add(threads.submit(() -> {
          start.await();
          if (lane.tryAcquire(1, TimeUnit.MILLISECONDS)) {
            got.incrementAndGet();
          }
          return null;
        }));
      }
      start.countDown();
      for (int i = 0; i < permits; i++) {
        lane.release();
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(budget.inFlight()).isEqualTo(got.get()).isLessThanOrEqualTo(permits);
      assertThat(budget.waiting()).isZero();
    }
  }
}
