package dev.latchwork.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of fsyncs: {@link #commit} returns once an fsync that <em>began after</em> the call
 * began has succeeded, and callers arriving while one fsync runs share the next one instead of
 * running one each. A failed fsync (an {@link IOException}) is reported to every caller it covered
 * and makes every later call fail too (sticky), with the original failure as cause. An unchecked
 * exception or an error from the sync propagates, as itself, to the caller that ran it and is not
 * an fsync failure: the callers waiting for that sync elect a new leader and run a new one.
 *
 * <p>Memory effects: actions in a thread before {@code commit} happen-before the fsync that covers
 * it begins, and the end of that fsync happens-before {@code commit} returns.
 */
final class GroupCommit {
  /*
   * Implementation notes.
   *
   * Fsyncs are numbered 1, 2, ... in the order they begin; at most one runs at a time. A caller
   * notes `started` on arrival; any fsync numbered above that began after it arrived and so covers
   * every write that completed before it called. It is done once `synced` (the number of the latest
   * successful fsync, monotonic because fsyncs do not overlap) exceeds its arrival number. If no
   * fsync is running it becomes the leader of the next one; otherwise it waits on `changed`. When a
   * running fsync ends, all waiters wake: those it covered return, the rest elect one leader (the
   * first to take the lock sees running == false) for the next fsync, which covers them all. So N
   * callers arriving during one fsync cost one more fsync, not N.
   *
   * The lock guards only this bookkeeping; the leader releases it before the fsync and takes it
   * again afterwards, so neither writers nor arriving callers ever wait for the disk to take it.
   * Waiting is Condition.await: interruptible, re-checks its predicate after every wake-up, and an
   * interrupted waiter leaves nothing behind (it held no role).
   *
   * Failure is sticky. Linux reports a writeback error to one fsync and then may have dropped the
   * dirty pages; a later fsync can succeed although data was lost, so after a failed fsync every
   * commit throws. `failedAt` is the number of the failed fsync: callers with arrival < failedAt
   * were covered by it, later ones are refused. Only an IOException is such a failure: a
   * RuntimeException or Error (a bug, OutOfMemoryError, StackOverflowError) says nothing about the
   * disk, so it goes to the leader as itself and the waiters simply retry with a new leader.
   */

  /** The fsync itself. */
  interface Sync {
    void sync() throws IOException;
  }

  private final String what;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long started;
  private long synced;
  private boolean running;
  private int waiting;
  private IOException failure;
  private long failedAt;

  /** {@code what} names the synced file in exception messages. */
  GroupCommit(String what) {
    this.what = what;
  }

  /**
   * Returns once a successful run of {@code sync} began after this call began.
   *
   * @throws IOException the fsync's failure (to the leader that ran it), or an IOException caused by
   *     it (to the other callers it covered and to every later caller)
   * @throws RuntimeException or {@link Error} thrown by {@code sync} in this caller (the leader),
   *     as itself; it does not affect other or later callers
   * @throws InterruptedIOException if interrupted while waiting for another caller's fsync; the
   *     interrupt status is then set
   */
  void commit(Sync sync) throws IOException {
    long number;
    lock.lock();
    try {
      long arrival = started;
      for (;;) {
        if (failure != null) {
          throw failed(arrival);
        }
        if (synced > arrival) {
          return;
        }
        if (!running) {
          running = true;
          number = ++started;
          break;
        }
        waiting++;
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          InterruptedIOException x =
              new InterruptedIOException("interrupted while waiting for an fsync of " + what);
          x.initCause(e);
          throw x;
        } finally {
          waiting--;
        }
      }
    } finally {
      lock.unlock();
    }
    boolean ok = false;
    IOException ioFailure = null;
    try {
      sync.sync();
      ok = true;
    } catch (IOException e) {
      ioFailure = e;
      throw e;
    } finally {
      lock.lock();
      try {
        running = false;
        if (ok) {
          synced = number;
        } else if (ioFailure != null) {
          failure = ioFailure;
          failedAt = number;
        } // else an unchecked exception or error: not an fsync failure, the next caller leads
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private IOException failed(long arrival) {
    String message = arrival < failedAt
        ? "the fsync of " + what + " covering this force() failed; data written before it may be lost"
        : "refusing to fsync " + what + ": an earlier fsync failed, so data written before it may"
            + " have been lost and a new fsync could wrongly report success";
    return new IOException(message, failure);
  }

  /** Returns how many callers wait for another caller's fsync (for tests). */
  int waiting() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }
}
