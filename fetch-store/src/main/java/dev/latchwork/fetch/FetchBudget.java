package dev.latchwork.fetch;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A limit on the parts being fetched at once across many objects: at most {@link #parts()} part
 * fetches hold a permit at any moment, whichever objects they belong to. Each object (each {@link
 * FetchStore} sharing the budget) acquires through its own {@link Lane}; when a permit comes free
 * it goes to a waiting lane chosen in this order:
 * <ol>
 *   <li>lanes whose reader-demand supplier says a reader is waiting for one of their parts go
 *       before lanes that only prefetch, so a reader's part from any object jumps the queue;
 *   <li>among those, the lane holding the fewest permits, then the one granted least recently,
 *       so that objects share the budget fairly and an idle object never starves a busy one;
 *   <li>then the waiter that came first.
 * </ol>
 *
 * <p>Permits are handed over directly: a released permit goes to the chosen waiter before any
 * later arrival can take it, so a new acquirer never barges past a waiting one. {@link
 * Lane#close() Closing a lane} wakes its waiters, which return false.
 *
 * <p>Memory consistency effects: actions in a thread before {@link Lane#release()} happen-before
 * the successful acquisition that receives that permit, as for {@link
 * java.util.concurrent.Semaphore}.
 *
 * <p>Progress: {@link Lane#acquire()} waits until it is granted a permit, the lane is closed or
 * the thread is interrupted; {@link Lane#tryAcquire(long, TimeUnit)} also until the timeout.
 * Every wait re-checks its condition after every wake-up; a waiter that gives up leaves nothing
 * behind. Releasing never blocks on anything but the budget's internal lock, which is never held
 * across I/O or across a wait.
 */
public final class FetchBudget {
  /*
   * Implementation notes.
   *
   * State is guarded by `lock`: inFlight (permits held), the waiters in arrival order, and per
   * lane its held count and the sequence number of its last grant. Invariant: a free permit and a
   * waiter never coexist (inFlight < parts implies waiters is empty), because release() hands the
   * permit to a waiter while holding the lock and acquire() only takes a free permit when nobody
   * waits. Each waiter has its own Condition, so release() wakes exactly the thread it chose;
   * the woken thread checks its `granted` flag, never the shared counters, so a spurious wake-up
   * or a timeout that races the hand-over cannot lose or duplicate a permit: a waiter that gives
   * up while not granted removes itself; one that was granted keeps the permit (and an interrupt
   * that raced the grant is re-asserted, not thrown).
   *
   * Choosing a waiter is a linear scan; a budget serves tens of objects with a few waiters each,
   * and a scan under the lock costs less than keeping per-class queues ordered. The reader-demand
   * suppliers are called under the lock: they must be non-blocking reads (a store's is a check of
   * its urgent-part queue).
   */

  private final int parts;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Waiter> waiters = new ArrayList<>();
  private int inFlight;
  private long grants;

  /**
   * Creates a budget of {@code parts} permits.
   *
   * @param parts the number of parts that may be fetched at once, across all lanes
   * @throws IllegalArgumentException if {@code parts <= 0}
   */
  public FetchBudget(int parts) {
    if (parts <= 0) {
      throw new IllegalArgumentException("parts must be positive: " + parts);
    }
    this.parts = parts;
  }

  /**
   * Returns the number of permits.
   *
   * @return the number of parts that may be fetched at once
   */
  public int parts() {
    return parts;
  }

  /**
   * Returns the permits held right now.
   *
   * @return the number of parts being fetched under this budget
   */
  public int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the number of acquisitions waiting right now.
   *
   * @return the number of waiting acquirers
   */
  public int waiting() {
    lock.lock();
    try {
      return waiters.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns a new lane, for one object, that never reports a waiting reader.
   *
   * @param name names the lane in {@code toString()} (for example the object); not null
   * @return the lane
   */
  public Lane newLane(String name) {
    return newLane(name, () -> false);
  }

  /**
   * Returns a new lane, for one object.
   *
   * @param name names the lane in {@code toString()} (for example the object); not null
   * @param readerWaiting says whether a reader waits for a part of this object that no fetch has
   *     claimed yet; called under the budget's lock when a permit is handed out, so it must be a
   *     fast, non-blocking read that does not call back into the budget
   * @return the lane
   */
  public Lane newLane(String name, BooleanSupplier readerWaiting) {
    return new Lane(Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(readerWaiting, "readerWaiting"));
  }

  /** Takes a permit for {@code lane}; lock held. */
  private void grantLocked(Lane lane) {
    inFlight++;
    lane.held++;
    lane.lastGrant = ++grants;
  }

  /** Picks the waiter the next free permit goes to, or null; lock held. */
  private Waiter chooseLocked() {
    Waiter best = null;
    boolean bestUrgent = false;
    for (Waiter w : waiters) {
      boolean urgent = w.lane.readerWaiting.getAsBoolean();
      if (best == null || (urgent && !bestUrgent)
          || (urgent == bestUrgent && (w.lane.held < best.lane.held
              || (w.lane.held == best.lane.held && w.lane.lastGrant < best.lane.lastGrant)))) {
        best = w;
        bestUrgent = urgent;
      }
    }
    return best;
  }

  /** Returns a permit of {@code lane} and hands it to the chosen waiter, if any; lock held. */
  private void releaseLocked(Lane lane) {
    lane.held--;
    inFlight--;
    Waiter next = chooseLocked();
    if (next != null) {
      waiters.remove(next);
      grantLocked(next.lane);
      next.granted = true;
      next.wakeUp.signal();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "FetchBudget[" + inFlight + " of " + parts + " in flight, " + waiters.size()
          + " waiting]";
    } finally {
      lock.unlock();
    }
  }

  /** One waiting acquisition. Guarded by the budget's lock. */
  private static final class Waiter {
    final Lane lane;
    final Condition wakeUp;
    boolean granted;

    Waiter(Lane lane, Condition wakeUp) {
      this.lane = lane;
      this.wakeUp = wakeUp;
    }
  }

  /**
   * One object's access to its {@link FetchBudget}: acquire a permit before fetching a part and
   * release it afterwards. Thread-safe; any number of threads may acquire through one lane.
   */
  public final class Lane {
    private final String name;
    private final BooleanSupplier readerWaiting;
    private int held; // guarded by lock
    private long lastGrant; // guarded by lock
    private boolean closed; // guarded by lock

    private Lane(String name, BooleanSupplier readerWaiting) {
      this.name = name;
      this.readerWaiting = readerWaiting;
    }

    /**
     * Waits for a permit.
     *
     * @return true when a permit was granted; false if the lane is or gets closed first
     * @throws InterruptedException if interrupted before a permit was granted (if the interrupt
     *     races a grant, the permit is kept and the interrupt status set instead)
     */
    public boolean acquire() throws InterruptedException {
      return acquire0(false, 0);
    }

    /**
     * Waits at most {@code timeout} for a permit.
     *
     * @param timeout the longest wait; zero or negative takes a permit only if one is free and
     *     nobody waits
     * @param unit the unit of {@code timeout}
     * @return true when a permit was granted; false on timeout or if the lane is or gets closed
     * @throws InterruptedException if interrupted before a permit was granted
     */
    public boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
      return acquire0(true, unit.toNanos(timeout));
    }

    private boolean acquire0(boolean timed, long nanos) throws InterruptedException {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      lock.lock();
      try {
        if (closed) {
          return false;
        }
        if (inFlight < parts) { // the invariant says nobody waits then
          grantLocked(this);
          return true;
        }
        if (timed && nanos <= 0) {
          return false;
        }
        Waiter w = new Waiter(this, lock.newCondition());
        waiters.add(w);
        try {
          while (!w.granted && !closed) {
            if (!timed) {
              w.wakeUp.await();
            } else if (nanos <= 0) {
              break;
            } else {
              nanos = w.wakeUp.awaitNanos(nanos);
            }
          }
        } catch (InterruptedException e) {
          if (w.granted) {
            Thread.currentThread().interrupt();
            return true;
          }
          waiters.remove(w);
          throw e;
        }
        if (!w.granted) {
          waiters.remove(w);
        }
        return w.granted;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Returns one permit of this lane; it goes to the waiter chosen as the class describes.
     *
     * @throws IllegalStateException if this lane holds no permit
     */
    public void release() {
      lock.lock();
      try {
        if (held == 0) {
          throw new IllegalStateException("lane " + name + " holds no permit");
        }
        releaseLocked(this);
      } finally {
        lock.unlock();
      }
    }

    /**
     * Closes the lane: waiting and later acquisitions return false. Permits it holds stay held
     * until released. Idempotent.
     */
    public void close() {
      lock.lock();
      try {
        closed = true;
        for (Waiter w : waiters) {
          if (w.lane == this) {
            w.wakeUp.signal();
          }
        }
      } finally {
        lock.unlock();
      }
    }

    /**
     * Returns the permits this lane holds right now.
     *
     * @return the number of permits held
     */
    public int held() {
      lock.lock();
      try {
        return held;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public String toString() {
      lock.lock();
      try {
        return "FetchBudget.Lane[" + name + ", " + held + " held" + (closed ? ", closed" : "")
            + "]";
      } finally {
        lock.unlock();
      }
    }
  }
}
