package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Interim stand-in for core's ShutdownGate (same names and semantics, subset), until core's lands:
 * counts operations in flight, closes to new ones, and the thread that drains it runs the ending
 * action, then opens {@link #drained()}.
 */
final class ShutdownGate {
  private static final long CLOSED = 1L;
  private static final long ONE = 2L;

  private final Runnable endingAction;
  private final BroadcastLatch drained = new BroadcastLatch();
  private final AtomicLong state = new AtomicLong();

  ShutdownGate(Runnable endingAction) {
    this.endingAction = endingAction;
  }

  boolean enter() {
    for (;;) {
      long s = state.get();
      if ((s & CLOSED) != 0) {
        return false;
      }
      if (state.compareAndSet(s, s + ONE)) {
        return true;
      }
    }
  }

  void exit() {
    if (state.addAndGet(-ONE) == CLOSED) {
      drain();
    }
  }

  boolean close() {
    long before = state.getAndUpdate(s -> s | CLOSED);
    if ((before & CLOSED) != 0) {
      return false;
    }
    if (before == 0) {
      drain();
    }
    return true;
  }

  boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  BroadcastLatch drained() {
    return drained;
  }

  private void drain() {
    try {
      endingAction.run();
    } catch (RuntimeException | Error e) {
      drained.fail(e);
      throw e;
    }
    drained.open();
  }
}
