package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDispatcherTest {
  /** An executor that runs tasks only when the test says so. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      for (Runnable r = tasks.poll(); r != null; r = tasks.poll()) {
        r.run();
      }
    }
  }

  private final AtomicLong value = new AtomicLong();

  private FetchProgress snapshot() {
    return new FetchProgress(value.get(), 100, 0, 0, 0);
  }

  @Test
  void signalsCoalesceIntoOneDeliveryOfTheLatestSnapshot() {
    ManualExecutor executor = new ManualExecutor();
    List<Long> seen = new CopyOnWriteArrayList<>();
    ProgressDispatcher d =
        new ProgressDispatcher(this::snapshot, p -> seen.add(p.bytesPresent()), executor);
    value.set(10);
    d.signal();
    value.set(20);
    d.signal();
    d.signal();
    assertThat(executor.tasks).hasSize(1);
    executor.runAll();
    assertThat(seen).containsExactly(20L);
    value.set(30);
    d.signal();
    executor.runAll();
    assertThat(seen).containsExactly(20L, 30L);
  }

  @Test
  void aSignalDuringADeliveryCausesAnotherDelivery() {
    ManualExecutor executor = new ManualExecutor();
    List<Long> seen = new CopyOnWriteArrayList<>();
    ProgressDispatcher[] self = new ProgressDispatcher[1];
    self[0] = new ProgressDispatcher(this::snapshot, p -> {
      seen.add(p.bytesPresent());
      if (p.bytesPresent() == 1) {
        value.set(2);
        self[0].signal();
      }
    }, executor);
    value.set(1);
    self[0].signal();
    executor.runAll();
    assertThat(seen).containsExactly(1L, 2L);
    assertThat(executor.tasks).isEmpty();
  }

  @Test
  void aThrowingListenerIsCalledAgainOnTheNextChange() {
    ManualExecutor executor = new ManualExecutor();
    AtomicInteger calls = new AtomicInteger();
    ProgressDispatcher d = new ProgressDispatcher(this::snapshot, p -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    }, executor);
    d.signal();
    executor.runAll();
    d.signal();
    executor.runAll();
    assertThat(calls).hasValue(2);
  }

  @Test
  void aBlockedListenerNeverBlocksSignal() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<Long> seen = new CopyOnWriteArrayList<>();
      ProgressDispatcher d = new ProgressDispatcher(this::snapshot, p -> {
        seen.add(p.bytesPresent());
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, executor);
      d.signal();
      entered.await();
      // The listener is parked; a signalling thread must still get through, many times.
      for (int i = 1; i <= 100_000; i++) {
        value.set(i);
        d.signal();
      }
      release.countDown();
      executor.shutdown();
      assertThat(executor.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).hasSizeLessThanOrEqualTo(3).last().isEqualTo(100_000L);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aRejectingExecutorMakesTheSignallingThreadDeliverSoTheLastProgressIsNeverDropped() {
    AtomicInteger attempts = new AtomicInteger();
    List<Long> seen = new CopyOnWriteArrayList<>();
    List<Thread> callers = new CopyOnWriteArrayList<>();
    ProgressDispatcher d = new ProgressDispatcher(this::snapshot, p -> {
      seen.add(p.bytesPresent());
      callers.add(Thread.currentThread());
    }, task -> {
      attempts.incrementAndGet();
      throw new RejectedExecutionException("shut down");
    });
    value.set(40);
    d.signal();
    value.set(100);
    d.signal();
    assertThat(attempts).as("each signal tries the executor first").hasValue(2);
    assertThat(seen).containsExactly(40L, 100L);
    assertThat(callers).containsOnly(Thread.currentThread());
  }
}
