package dev.latchwork.benchmarks.notifier;

import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A monotonic progress value that waiters can block on, as the notifier benchmarks use it:
 * latchwork's {@code ProgressNotifier} and the three designs a user would write instead.
 *
 * <p>{@link #wakeUps()} is the benchmarks' wake-up count. For latchwork it is the notifier's own
 * {@code wakeUpCount()} (unparks it performed). The alternatives cannot count their unparks, so
 * they count what a wake-up costs their waiters: every return from the blocking call
 * ({@code Condition.await}, {@code Object.wait}, {@code Phaser.awaitAdvanceInterruptibly}) inside
 * the waiter's re-check loop. Each such return is a thread that was unparked, re-acquired the lock
 * (where there is one) and re-checked its condition.
 */
abstract class ProgressSignal {
  abstract void advanceTo(long value);

  /** Blocks until the value is at least {@code target} or the signal completed; returns it. */
  abstract long awaitAtLeast(long target) throws InterruptedException;

  /** Terminal: wakes every waiter, which then returns whatever value there is. */
  abstract void complete();

  abstract long wakeUps();

  static ProgressSignal create(String impl) {
    return switch (impl) {
      case "latchwork" -> new LatchworkProgress();
      case "lockCondition" -> new LockConditionProgress();
      case "synchronizedNotifyAll" -> new MonitorProgress();
      case "phaser" -> new PhaserProgress();
      default -> {
        throw new IllegalArgumentException(
            "impl must be latchwork, lockCondition, synchronizedNotifyAll or phaser, not " + impl);
      }
    };
  }

  /** A lock, a volatile value and {@code Condition.signalAll} on every advance. */
  private static final class LockConditionProgress extends ProgressSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final LongAdder wakeUps = new LongAdder();
    private long value;
    private boolean done;

    @Override
    void advanceTo(long v) {
      lock.lock();
      try {
        if (v > value) {
          value = v;
          advanced.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    long awaitAtLeast(long target) throws InterruptedException {
      lock.lock();
      try {
        while (value < target && !done) {
          advanced.await();
          wakeUps.increment();
        }
        return value;
      } finally {
        lock.unlock();
      }
    }

    @Override
    void complete() {
      lock.lock();
      try {
        done = true;
        advanced.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    long wakeUps() {
      return wakeUps.sum();
    }
  }

  /**
   * {@code synchronized} + {@code notifyAll}: the classic monitor design. (latchwork itself never
   * parks inside {@code synchronized}; this is the design being measured against.)
   */
  private static final class MonitorProgress extends ProgressSignal {
    private final LongAdder wakeUps = new LongAdder();
    private long value;
    private boolean done;

    @Override
    synchronized void advanceTo(long v) {
      if (v > value) {
        value = v;
        notifyAll();
      }
    }

    @Override
    synchronized long awaitAtLeast(long target) throws InterruptedException {
      while (value < target && !done) {
        wait();
        wakeUps.increment();
      }
      return value;
    }

    @Override
    synchronized void complete() {
      done = true;
      notifyAll();
    }

    @Override
    long wakeUps() {
      return wakeUps.sum();
    }
  }

  /**
   * An atomic value plus a one-party {@link Phaser} whose phase advances on every advance of the
   * value. A waiter reads the phase before checking the value, so an advance between its check and
   * its wait ends the wait at once: no lost wake-up, but every advance wakes every waiter.
   */
  private static final class PhaserProgress extends ProgressSignal {
    private final Phaser phaser = new Phaser(1);
    private final AtomicLong value = new AtomicLong();
    private final LongAdder wakeUps = new LongAdder();
    private volatile boolean done;

    @Override
    void advanceTo(long v) {
      long previous = value.getAndAccumulate(v, Math::max);
      if (v > previous) {
        phaser.arrive();
      }
    }

    @Override
    long awaitAtLeast(long target) throws InterruptedException {
      while (true) {
        int phase = phaser.getPhase();
        long current = value.get();
        if (current >= target || done) {
          return current;
        }
        phaser.awaitAdvanceInterruptibly(phase);
        wakeUps.increment();
      }
    }

    @Override
    void complete() {
      done = true;
      phaser.arrive();
    }

    @Override
    long wakeUps() {
      return wakeUps.sum();
    }
  }
}
