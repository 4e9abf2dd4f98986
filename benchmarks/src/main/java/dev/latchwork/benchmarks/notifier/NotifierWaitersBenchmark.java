package dev.latchwork.benchmarks.notifier;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One producer advancing by one step at a time while {@code waiters} threads wait at spread
 * targets: waiter {@code i} first waits for {@code i + 1}, and each time it is served waits for
 * {@code waiters} more steps than it saw, so at any moment the waiting targets are spread over the
 * next {@code waiters} steps and each step reaches about one of them.
 *
 * <p>Primary score: producer advances per microsecond (higher is better). Secondary counters, per
 * iteration: {@code wakeUps} (see {@link ProgressSignal} for what is counted) and {@code advances}
 * (steps the producer made); their quotient is wake-ups per advance. A targeted design stays near
 * one; a broadcast design approaches the number of waiting threads. {@code served} counts waits
 * that returned with their target reached and {@code stepsLate} sums how many steps past its target
 * each of them saw: their quotient is how late waiters are served (a design that throttles its
 * waiters shows few wake-ups but a large lag).
 *
 * <p>Between two advances the producer burns {@code producerWork} tokens of
 * {@code Blackhole.consumeCPU}, standing in for receiving the next buffer: 200 tokens (about a
 * microsecond here: a producer faster than a thread can be woken), 10000 (tens of microseconds)
 * and 100000 (a few hundred microseconds: a network download advancing by 64 KiB at a few hundred
 * MB/s, where waiters have time to go back to sleep between steps and a broadcast design wakes
 * everyone on every step). With no work at all a broadcast design's
 * producer re-takes its lock before any woken waiter can, the waiters starve in the lock queue, and
 * "few wake-ups" would only mean "waiters never ran".
 *
 * <p>The waiters are plain platform threads started by the trial set-up (not JMH threads): they
 * are parked most of the time, so 256 of them on two cores is honest. The producer is the single
 * JMH thread.
 */
@State(Scope.Benchmark)
@Fork(3)
@Warmup(iterations = 1, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class NotifierWaitersBenchmark {
  @Param({"latchwork", "lockCondition", "synchronizedNotifyAll", "phaser"})
  public String impl;

  @Param({"1", "16", "256"})
  public int waiters;

  /** {@code Blackhole.consumeCPU} tokens the producer burns before each advance. */
  @Param({"200", "10000", "100000"})
  public long producerWork;

  ProgressSignal signal;
  private Thread[] waiterThreads;
  private volatile boolean stopping;
  private volatile Throwable waiterFailure;
  /** Waits that ended with the target reached, and how many steps past it the waiter saw. */
  final LongAdder served = new LongAdder();
  final LongAdder stepsLate = new LongAdder();
  long value;

  @Setup(Level.Trial)
  public void startWaiters() {
    signal = ProgressSignal.create(impl);
    waiterThreads = new Thread[waiters];
    for (int i = 0; i < waiters; i++) {
      long first = i + 1L;
      Thread t = new Thread(() -> waitLoop(first), "notifier-waiter-" + i);
      t.setDaemon(true);
      waiterThreads[i] = t;
    }
    for (Thread t : waiterThreads) {
      t.start();
    }
  }

  private void waitLoop(long firstTarget) {
    long target = firstTarget;
    try {
      while (!stopping) {
        long seen = signal.awaitAtLeast(target);
        if (seen >= target) {
          served.increment();
          stepsLate.add(seen - target);
        }
        target = seen + waiters;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      waiterFailure = e;
      throw e;
    }
  }

  /** Fails the benchmark if a waiter died: its results would measure fewer waiters. */
  void checkWaiters() {
    Throwable f = waiterFailure;
    if (f != null) {
      throw new IllegalStateException("a waiter thread failed", f);
    }
  }

  @Benchmark
  public void advance(Counters counters) {
    Blackhole.consumeCPU(producerWork);
    signal.advanceTo(++value);
  }

  @TearDown(Level.Trial)
  public void stopWaiters() throws InterruptedException {
    stopping = true;
    signal.complete();
    checkWaiters();
    for (Thread t : waiterThreads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
      if (t.isAlive()) {
        throw new IllegalStateException(t.getName() + " did not stop after complete()");
      }
    }
  }

  /** Wake-ups and advances during one iteration, read by JMH as secondary results. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counters {
    public long wakeUps;
    public long advances;
    public long served;
    public long stepsLate;
    private long wakeUpsAtStart;
    private long valueAtStart;
    private long servedAtStart;
    private long stepsLateAtStart;

    @Setup(Level.Iteration)
    public void start(NotifierWaitersBenchmark bench) {
      wakeUpsAtStart = bench.signal.wakeUps();
      valueAtStart = bench.value;
      servedAtStart = bench.served.sum();
      stepsLateAtStart = bench.stepsLate.sum();
      wakeUps = 0;
      advances = 0;
      served = 0;
      stepsLate = 0;
    }

    @TearDown(Level.Iteration)
    public void stop(NotifierWaitersBenchmark bench) {
      bench.checkWaiters();
      wakeUps = bench.signal.wakeUps() - wakeUpsAtStart;
      advances = bench.value - valueAtStart;
      served = bench.served.sum() - servedAtStart;
      stepsLate = bench.stepsLate.sum() - stepsLateAtStart;
    }
  }
}
