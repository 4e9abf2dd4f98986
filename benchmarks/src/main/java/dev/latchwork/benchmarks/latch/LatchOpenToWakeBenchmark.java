package dev.latchwork.benchmarks.latch;

import dev.latchwork.benchmarks.support.ThreadKind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Open-to-wake latency: {@code waiters} threads are parked in {@code await()} on a fresh gate; the
 * measured operation opens it and returns once every waiter has come back from {@code await()}.
 *
 * <p>The waiters are long-lived helper threads (platform or, on JDK 21+, virtual), not JMH
 * threads: 64 parked threads cost no CPU, so the thread count is honest on two cores. The
 * per-invocation set-up publishes a fresh gate and waits until every waiter is parked in it
 * ({@code Thread.getState() == WAITING}), so the measurement starts with all waiters really
 * blocked. JMH warns that {@code Level.Invocation} fixtures add timestamping overhead for
 * operations shorter than about a millisecond; here that overhead (two {@code nanoTime} calls, tens
 * of ns) is under 1% of the microseconds measured, and it is the same for every implementation.
 *
 * <p>The opener waits for the last waiter by yielding, not parking, so its own wake-up latency is
 * not part of the number. {@code threadKind=virtual} fails with a clear message on JDK 17.
 */
@State(Scope.Benchmark)
@Fork(3)
@Warmup(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LatchOpenToWakeBenchmark {
  @Param({"latchwork", "countDownLatch", "completableFuture"})
  public String impl;

  @Param({"1", "8", "64"})
  public int waiters;

  @Param({"platform", "virtual"})
  public ThreadKind threadKind;

  private Thread[] waiterThreads;
  private volatile Round round;
  private volatile boolean stopping;

  /** One gate and the counts the opener and set-up watch. */
  private static final class Round {
    final OneShot gate;
    final AtomicInteger arrived = new AtomicInteger();
    final AtomicInteger remaining;

    Round(OneShot gate, int waiters) {
      this.gate = gate;
      this.remaining = new AtomicInteger(waiters);
    }
  }

  @Setup(Level.Trial)
  public void startWaiters() {
    waiterThreads = new Thread[waiters];
    for (int i = 0; i < waiters; i++) {
      waiterThreads[i] = threadKind.newThread("latch-waiter-" + i, this::waiterLoop);
    }
    for (Thread t : waiterThreads) {
      t.start();
    }
  }

  private void waiterLoop() {
    Round last = null;
    while (true) {
      Round r;
      while ((r = round) == last) {
        if (stopping) {
          return;
        }
        LockSupport.park(this);
      }
      last = r;
      r.arrived.incrementAndGet();
      try {
        r.gate.await();
      } catch (InterruptedException e) {
        return;
      }
      r.remaining.decrementAndGet();
    }
  }

  @Setup(Level.Invocation)
  @SuppressWarnings("ThreadPriorityCheck") // yield: let the waiters, not this thread, have the CPUs
  public void parkWaitersOnFreshGate() {
    Round r = new Round(OneShot.create(impl), waiters);
    round = r;
    for (Thread t : waiterThreads) {
      LockSupport.unpark(t);
    }
    while (r.arrived.get() < waiters) {
      Thread.yield();
    }
    // Past 'arrived', the only place a waiter can block is the gate's await.
    for (Thread t : waiterThreads) {
      while (t.getState() != Thread.State.WAITING) {
        if (!t.isAlive()) {
          throw new IllegalStateException("waiter " + t.getName() + " died");
        }
        Thread.yield();
      }
    }
  }

  @Benchmark
  @SuppressWarnings("ThreadPriorityCheck") // yield, not park: the opener's own wake-up is not
  // part of open-to-wake latency, and yielding leaves the CPU to the waking waiters
  public void openAndWakeAll() {
    Round r = round;
    r.gate.open();
    while (r.remaining.get() != 0) {
      Thread.yield();
    }
  }

  @TearDown(Level.Trial)
  public void stopWaiters() throws InterruptedException {
    stopping = true;
    Round r = round;
    if (r != null) {
      r.gate.open();
    }
    for (Thread t : waiterThreads) {
      LockSupport.unpark(t);
    }
    for (Thread t : waiterThreads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
      if (t.isAlive()) {
        throw new IllegalStateException("waiter " + t.getName() + " did not stop");
      }
    }
  }
}
