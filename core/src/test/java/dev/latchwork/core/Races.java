package dev.latchwork.core;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs groups of actions at the same time, many times over, on a fixed set of pooled threads: each
 * action waits at a shared barrier, then spins or yields a random while, then runs. No sleeps:
 * the barrier lines the threads up and the jitter varies who goes first.
 */
final class Races implements AutoCloseable {
  /** An action of one race; may block, may throw. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  private final ExecutorService pool;
  private final CyclicBarrier start;
  private final int parties;

  Races(int parties) {
    this.parties = parties;
    this.pool = Executors.newFixedThreadPool(parties);
    this.start = new CyclicBarrier(parties);
  }

  /** Runs one race of exactly {@code parties} actions and rethrows the first failure. */
  void run(List<Action> actions) throws Exception {
    if (actions.size() != parties) {
      throw new IllegalArgumentException("expected " + parties + " actions, got " + actions.size());
    }
    List<Future<Void>> running = new ArrayList<>(parties);
    for (Action action : actions) {
      Callable<Void> task =
          () -> {
            start.await(30, TimeUnit.SECONDS);
            jitter();
            action.run();
            return null;
          };
      running.add(pool.submit(task));
    }
    for (Future<Void> f : running) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Exception) {
          throw (Exception) e.getCause();
        }
        throw e;
      } catch (TimeoutException e) {
        fail("a racing action did not finish within 30 s: a lost wake-up or a hang");
      }
    }
  }

  /**
   * Yields until {@code condition} holds (for example "the waiter is parked"), failing after 30 s.
   * This waits for a state, it does not provoke a race.
   */
  static void until(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting until " + what);
      }
      Thread.yield();
    }
  }

  /** Spins for a random while, sometimes yielding: varies interleavings without sleeping. */
  static void jitter() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int spins = random.nextInt(4) == 0 ? 0 : random.nextInt(2_000);
    for (int i = 0; i < spins; i++) {
      Thread.onSpinWait();
    }
    if (random.nextInt(8) == 0) {
      Thread.yield();
    }
  }

  @Override
  public void close() throws InterruptedException {
    pool.shutdownNow();
    if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
      fail("race threads did not stop");
    }
  }
}
