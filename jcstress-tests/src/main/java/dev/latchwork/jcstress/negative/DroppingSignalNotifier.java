package dev.latchwork.jcstress.negative;

import java.util.concurrent.SynchronousQueue;

/**
 * A faithful small model of the <em>broken</em> notifier latchwork replaces: the downloader sends
 * a non-blocking signal on a zero-capacity hand-off (Go's {@code select { case ch <- x: default: }}
 * on an unbuffered channel; here {@link SynchronousQueue#offer}), which is silently dropped when no
 * reader is receiving at that instant. A reader that checked the progress just before the signal
 * and starts receiving just after it blocks forever. Used only as a negative control.
 */
final class DroppingSignalNotifier {
  /*
   * Implementation notes (of the bug, reproduced on purpose).
   *
   * The producer never blocks, which was the point of the original design, but a zero-capacity
   * offer() only succeeds when a receiver is already parked in take(). The reader's check of the
   * progress and its take() are two separate steps; the yield stands in for the trace line the
   * original code wrote between them. Any signal sent in that window is dropped.
   */

  private static final Object SIGNAL = new Object();

  private final SynchronousQueue<Object> signals = new SynchronousQueue<>();
  private volatile long downloaded;

  /**
   * Downloader side: publish progress, then signal without blocking. Returns whether the signal
   * reached a receiver ({@code false}: it was dropped).
   */
  boolean advanceTo(long value) {
    if (value > downloaded) {
      downloaded = value;
    }
    // BUG: a non-blocking send on a zero-capacity hand-off is dropped when nobody is receiving.
    return signals.offer(SIGNAL);
  }

  /** Reader side: returns once progress reached {@code target}, or hangs if the signal was dropped. */
  // The yield models the original's logging call between check and wait: leaving the CPU there is
  // the realistic width of the window this negative control must be able to hit.
  @SuppressWarnings("ThreadPriorityCheck")
  long awaitAtLeast(long target) throws InterruptedException {
    while (true) {
      long seen = downloaded;
      if (seen >= target) {
        return seen;
      }
      Thread.yield(); // the original logged "waiting" here
      signals.take();
    }
  }
}
