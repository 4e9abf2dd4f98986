package dev.latchwork.jcstress.negative;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A faithful small model of the <em>broken</em> shutdown gate that {@code ShutdownGate} replaces:
 * the closed flag and the in-flight count are two variables, so an operation can pass the "not
 * closed" check, the closer can then see nothing in flight and run the ending action (closing the
 * descriptors), and the operation then counts itself in and uses a closed resource. Used only as a
 * negative control.
 */
final class CheckThenCountGate {
  /*
   * Implementation notes (of the bug, reproduced on purpose). enter() checks `closed` and then
   * increments `inFlight`: two steps, with a window between them that the yield stands in for (the
   * original code traced the operation there). close() sets `closed` and then reads `inFlight`.
   * Each side's second step can miss the other's first, unlike one atomic word holding both.
   */

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Runnable endingAction;
  private volatile boolean closed;

  CheckThenCountGate(Runnable endingAction) {
    this.endingAction = endingAction;
  }

  // The yield models the original's trace call between check and count: leaving the CPU there is
  // what exposes the window, as it did in production.
  @SuppressWarnings("ThreadPriorityCheck")
  boolean enter() {
    if (closed) {
      return false;
    }
    Thread.yield();
    inFlight.incrementAndGet();
    return true;
  }

  void exit() {
    if (inFlight.decrementAndGet() == 0 && closed) {
      end();
    }
  }

  void close() {
    closed = true;
    if (inFlight.get() == 0) {
      end();
    }
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      endingAction.run();
    }
  }
}
