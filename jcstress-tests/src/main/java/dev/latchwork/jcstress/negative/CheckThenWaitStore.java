package dev.latchwork.jcstress.negative;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A faithful small model of the <em>broken</em> temp-file store latchwork replaces: readers wait
 * for a downloader's progress on a condition variable, but a reader checks the progress in one
 * lock acquisition and waits in another. A broadcast that lands between the two is lost, and the
 * reader sleeps forever although its data has arrived. Used only as a negative control: the suite
 * must be able to catch this hang.
 */
final class CheckThenWaitStore {
  /*
   * Implementation notes (of the bug, reproduced on purpose).
   *
   * The original code checked "downloaded >= target" under the store's mutex, released it, wrote
   * a trace line ("waiting for bytes ..."), and then took the mutex again to wait on the condition.
   * The wait itself re-checks nothing before parking, so a signalAll() issued while the reader is
   * between the two critical sections wakes nobody. The yield stands in for the trace line: it
   * gives the window the realistic width of a logging call instead of a few instructions, so
   * the negative control is caught reliably on a 2-CPU machine.
   */

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition progressed = lock.newCondition();
  private long downloaded; // guarded by lock

  /** Downloader side: publish progress and broadcast to every waiting reader. */
  void advanceTo(long value) {
    lock.lock();
    try {
      if (value > downloaded) {
        downloaded = value;
      }
      progressed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reader side: returns once the progress reached {@code target}, or hangs if the broadcast for
   * it landed between the check and the wait (the bug).
   */
  // The yield models the original's logging call between check and wait: leaving the CPU there is
  // the realistic width of the window this negative control must be able to hit.
  @SuppressWarnings("ThreadPriorityCheck")
  long awaitAtLeast(long target) throws InterruptedException {
    while (true) {
      lock.lock();
      try {
        if (downloaded >= target) {
          return downloaded;
        }
      } finally {
        lock.unlock();
      }
      // The original logged "waiting" here, outside the lock: the lost-wake-up window.
      Thread.yield();
      lock.lock();
      try {
        progressed.await(); // BUG: no re-check of the condition before parking
      } finally {
        lock.unlock();
      }
    }
  }
}
