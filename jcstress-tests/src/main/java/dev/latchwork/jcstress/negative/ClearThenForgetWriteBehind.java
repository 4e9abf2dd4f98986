package dev.latchwork.jcstress.negative;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A faithful small model of the <em>broken</em> write-behind that {@code WriteBehind} avoids: the
 * flushing task clears its flag when its flush ends and stops there, without re-reading the
 * count, so a write counted during the flush (whose CAS failed because a flush was running) is
 * flushed by nobody until some later write crosses the threshold again, which at the end of a
 * download never comes. Used only as a negative control.
 */
final class ClearThenForgetWriteBehind {
  /*
   * Implementation notes (of the bug, reproduced on purpose). written() is WriteBehind's; the task
   * is one flushOnce() followed by the clear, with no re-check. The yield stands in for the fsync
   * the real flush waits for: leaving the CPU there is what opens the window in production.
   */

  private final AtomicLong unflushed = new AtomicLong();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final AtomicInteger flushes = new AtomicInteger();
  private final long threshold;

  ClearThenForgetWriteBehind(long threshold) {
    this.threshold = threshold;
  }

  void written(long n) {
    if (unflushed.addAndGet(n) >= threshold && flushing.compareAndSet(false, true)) {
      try {
        unflushed.getAndSet(0);
        flush();
      } finally {
        flushing.set(false);
      }
    }
  }

  @SuppressWarnings("ThreadPriorityCheck")
  private void flush() {
    Thread.yield();
    flushes.incrementAndGet();
  }

  int flushes() {
    return flushes.get();
  }
}
