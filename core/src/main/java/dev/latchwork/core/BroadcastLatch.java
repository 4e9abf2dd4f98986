package dev.latchwork.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * A one-shot broadcast latch: the Java counterpart of closing a Go channel. The latch starts
 * closed; once it is opened, every thread blocked in {@link #await()} proceeds, and every later
 * {@code await} returns at once. It never closes again.
 *
 * <p>A latch is opened either successfully by {@link #open()} or with a failure by {@link
 * #fail(Throwable)}. The first of these calls wins and returns {@code true}; every later call
 * returns {@code false} and changes nothing. After {@code fail(cause)}, every {@code await}, now or
 * later, throws {@link SignalFailedException} whose {@linkplain Throwable#getCause() cause} is
 * {@code cause}.
 *
 * <p>Unlike a condition variable there is no window in which the signal can be missed: a thread
 * that calls {@code await} after the latch opened returns at once, and a thread that blocked
 * before it opened is woken. Unlike a {@link java.util.concurrent.CountDownLatch} of count one it
 * carries a failure cause and a {@link CompletableFuture} view.
 *
 * <p><b>Interruption and timeouts.</b> If the latch is already open, {@code await} returns (or
 * throws {@code SignalFailedException}) at once and does not look at the interrupt status, like
 * {@link java.util.concurrent.Future#get()} on a completed future. Otherwise, if the current thread
 * is interrupted on entry or while waiting, {@code await} throws {@link InterruptedException} and
 * clears the interrupted status. A timeout of zero or less means "do not wait". A waiter that
 * times out or is interrupted leaves nothing behind in the latch.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread prior to a successful {@code open()}
 * or {@code fail(cause)} <i>happen-before</i> actions following a successful return (or a {@code
 * SignalFailedException}) from a corresponding {@code await()} in another thread, a {@code
 * true} {@link #isOpen()}, a non-null {@link #failure()}, and the completion of a future returned
 * by {@link #toFuture()} or {@link #toFuture(Executor)}.
 *
 * <p><b>Progress:</b> {@code open}, {@code fail}, {@code isOpen} and {@code failure} never block.
 * An {@code await} that starts after the latch opened is one volatile read: it takes no lock and
 * allocates nothing (a failed latch allocates the {@code SignalFailedException} it throws). No
 * waiting method uses {@code synchronized}, so virtual threads do not pin.
 *
 * @see ProgressNotifier
 */
public final class BroadcastLatch {
  /*
   * Implementation notes.
   *
   * The whole state is one volatile reference, Sync.outcome: null while closed, OPENED after
   * open(), or the failure cause after fail(). The first opener wins the compareAndSet from null;
   * the decision and the publication of the cause are one atomic write, so there is no state in
   * which the latch is open but its cause is not yet visible, and a losing open()/fail() returns
   * false only after the latch is observably open.
   *
   * Blocking is delegated to AbstractQueuedSynchronizer in shared mode, exactly as in
   * CountDownLatch, except that tryAcquireShared tests outcome instead of the AQS int state (left
   * unused). AQS needs only that the acquire condition is a volatile the releaser writes before
   * releaseShared reads the queue head: a waiter enqueues (CAS on tail), marks itself WAITING and
   * re-tests the condition before parking; the opener writes outcome and then signals the head.
   * All of these are volatile accesses, so one of the two sides sees the other: no lost wake-up.
   * Shared-mode propagation then wakes the rest of the queue. AQS unlinks the node of a waiter
   * that times out or is interrupted (cancelAcquire), so abandoned waits leave nothing behind.
   *
   * The await fast path reads outcome before touching AQS, so an await after open is a single
   * volatile read and allocates nothing.
   *
   * toFuture(): one internal future is created lazily (CAS on `future`) and every caller gets a
   * copy(), a dependent future: completing or cancelling a copy affects neither the latch nor the
   * internal future nor other callers' copies. Who completes the internal future is a Dekker
   * pair: the opener writes outcome, then reads `future`; the installer writes `future`, then
   * re-reads outcome; both accesses are volatile, so at least one of them completes it (completing
   * twice is harmless). Completion goes through AsyncCompletion, so dependents never run in the
   * opening thread. Once the latch is open toFuture() returns an already completed future.
   */

  /** The outcome of a successful {@link #open()}. */
  private static final Object OPENED = new Object();

  private static final VarHandle FUTURE;

  static {
    try {
      FUTURE =
          MethodHandles.lookup()
              .findVarHandle(BroadcastLatch.class, "future", CompletableFuture.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Sync sync = new Sync();

  /** Completed when the latch opens; created by the first {@link #toFuture()} on a closed latch. */
  private volatile CompletableFuture<Void> future;

  /** Creates a closed latch. */
  public BroadcastLatch() {}

  /**
   * Opens the latch successfully, releasing every waiting thread, if it is still closed.
   *
   * @return {@code true} if this call opened the latch; {@code false} if it was already open or
   *     failed, in which case nothing changes
   */
  public boolean open() {
    return finish(OPENED);
  }

  /**
   * Opens the latch with a failure, if it is still closed: every waiting thread, and every later
   * {@code await}, throws {@link SignalFailedException} with {@code cause} as its cause.
   *
   * @param cause why the awaited event will not happen
   * @return {@code true} if this call opened the latch; {@code false} if it was already open or
   *     failed, in which case nothing changes
   * @throws NullPointerException if {@code cause} is null
   */
  public boolean fail(Throwable cause) {
    Objects.requireNonNull(cause, "cause must not be null");
    return finish(cause);
  }

  /**
   * Returns whether the latch is open, by {@link #open()} or by {@link #fail(Throwable)}.
   *
   * @return {@code true} once the latch has been opened or failed
   */
  public boolean isOpen() {
    return sync.outcome != null;
  }

  /**
   * Returns the cause given to {@link #fail(Throwable)}.
   *
   * @return the failure cause, or {@code null} if the latch is closed or was opened by {@link
   *     #open()}
   */
  public Throwable failure() {
    Object outcome = sync.outcome;
    return outcome instanceof Throwable t ? t : null;
  }

  /**
   * Waits until the latch is open.
   *
   * @throws InterruptedException if the latch is closed and the current thread is interrupted on
   *     entry or while waiting; the interrupted status is cleared
   * @throws SignalFailedException if the latch was opened by {@link #fail(Throwable)}
   */
  public void await() throws InterruptedException {
    Object outcome = sync.outcome;
    if (outcome == null) {
      sync.acquireSharedInterruptibly(1);
      outcome = sync.outcome;
    }
    throwIfFailed(outcome);
  }

  /**
   * Waits until the latch is open or the timeout elapses.
   *
   * @param timeout the maximum time to wait; zero or less means do not wait
   * @param unit the unit of {@code timeout}
   * @return {@code true} if the latch is open, {@code false} if the timeout elapsed first
   * @throws InterruptedException if the latch is closed and the current thread is interrupted on
   *     entry or while waiting; the interrupted status is cleared
   * @throws SignalFailedException if the latch was opened by {@link #fail(Throwable)}
   * @throws NullPointerException if {@code unit} is null
   */
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    Objects.requireNonNull(unit, "unit must not be null");
    return awaitNanos(unit.toNanos(timeout));
  }

  /**
   * Waits until the latch is open or the timeout elapses.
   *
   * @param timeout the maximum time to wait; zero or negative means do not wait
   * @return {@code true} if the latch is open, {@code false} if the timeout elapsed first
   * @throws InterruptedException if the latch is closed and the current thread is interrupted on
   *     entry or while waiting; the interrupted status is cleared
   * @throws SignalFailedException if the latch was opened by {@link #fail(Throwable)}
   * @throws NullPointerException if {@code timeout} is null
   */
  public boolean await(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout must not be null");
    return awaitNanos(TimeUnit.NANOSECONDS.convert(timeout)); // saturates instead of overflowing
  }

  private boolean awaitNanos(long nanos) throws InterruptedException {
    Object outcome = sync.outcome;
    if (outcome == null) {
      if (!sync.tryAcquireSharedNanos(1, nanos)) {
        return false;
      }
      outcome = sync.outcome;
    }
    throwIfFailed(outcome);
    return true;
  }

  /**
   * Returns a future that completes when the latch opens: normally with {@code null} after {@link
   * #open()}, exceptionally with the cause after {@link #fail(Throwable)}.
   *
   * <p>Every call returns a distinct future. Completing, cancelling or obtruding it has no effect
   * on the latch or on any other future. If the latch is closed when this method is called, the
   * future is completed later by a task of {@link CompletableFuture#defaultExecutor()} (the
   * {@linkplain java.util.concurrent.ForkJoinPool#commonPool() common pool}, or a new thread per
   * task when the common pool has a parallelism below two, as on machines with fewer than three
   * CPUs), never in the thread that opens the latch, so a slow non-async dependent action cannot
   * delay the opener. If the latch is already open, the future is returned completed. To choose
   * the executor, use {@link #toFuture(Executor)}.
   *
   * <p>Each future obtained while the latch is closed is referenced by the latch until it opens.
   *
   * @return a new future for the opening of this latch
   */
  public CompletableFuture<Void> toFuture() {
    Object outcome = sync.outcome;
    if (outcome != null) {
      return outcome == OPENED
          ? CompletableFuture.completedFuture(null)
          : CompletableFuture.failedFuture((Throwable) outcome);
    }
    CompletableFuture<Void> shared = future;
    if (shared == null) {
      CompletableFuture<Void> created = new CompletableFuture<>();
      @SuppressWarnings("unchecked")
      CompletableFuture<Void> witness =
          (CompletableFuture<Void>) FUTURE.compareAndExchange(this, null, created);
      if (witness == null) {
        shared = created;
        outcome = sync.outcome; // the installer's half of the Dekker pair with finish()
        if (outcome != null) {
          completeFuture(shared, outcome);
        }
      } else {
        shared = witness;
      }
    }
    return shared.copy();
  }

  /**
   * As {@link #toFuture()}, but a future obtained while the latch is closed is completed by a task
   * of {@code executor}: non-async dependent actions run there. If {@code executor} rejects the
   * task, the future is completed by the thread that would have handed it over (a thread of the
   * default executor), since a future that never completes is a hang. If the latch is already open
   * the future is returned completed and {@code executor} is not used.
   *
   * <p>Cancelling the returned future has no effect on the latch or on any other future.
   *
   * @param executor where to complete the future
   * @return a new future for the opening of this latch
   * @throws NullPointerException if {@code executor} is null
   */
  public CompletableFuture<Void> toFuture(Executor executor) {
    Objects.requireNonNull(executor, "executor must not be null");
    return AsyncCompletion.relay(toFuture(), executor);
  }

  /**
   * Returns a string identifying this latch and its state: {@code [closed]}, {@code [open]} or
   * {@code [failed: cause]}.
   */
  @Override
  public String toString() {
    Object outcome = sync.outcome;
    String state =
        outcome == null ? "[closed]" : outcome == OPENED ? "[open]" : "[failed: " + outcome + "]";
    return super.toString() + state;
  }

  private boolean finish(Object outcome) {
    if (!sync.decide(outcome)) {
      return false;
    }
    sync.releaseShared(1);
    CompletableFuture<Void> shared = future;
    if (shared != null) {
      completeFuture(shared, outcome);
    }
    return true;
  }

  private static void completeFuture(CompletableFuture<Void> shared, Object outcome) {
    if (outcome == OPENED) {
      AsyncCompletion.complete(shared, null);
    } else {
      AsyncCompletion.fail(shared, (Throwable) outcome);
    }
  }

  private static void throwIfFailed(Object outcome) {
    if (outcome != OPENED) {
      throw new SignalFailedException((Throwable) outcome);
    }
  }

  /** Test hook: the number of threads queued in AQS, as {@link AbstractQueuedSynchronizer#getQueueLength()}. */
  int queueLength() {
    return sync.getQueueLength();
  }

  /**
   * The AQS whose acquire condition is {@code outcome != null}. Not serializable in any useful
   * sense (latches are not), the outcome is transient.
   */
  private static final class Sync extends AbstractQueuedSynchronizer {
    private static final long serialVersionUID = 1L;

    private static final VarHandle OUTCOME;

    static {
      try {
        OUTCOME = MethodHandles.lookup().findVarHandle(Sync.class, "outcome", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** Null while closed; {@link #OPENED} or the failure cause once open. Set once. */
    transient volatile Object outcome;

    /** Sets the outcome if none is set yet; true if this call set it. */
    boolean decide(Object decided) {
      return OUTCOME.compareAndSet(this, null, decided);
    }

    @Override
    protected int tryAcquireShared(int ignored) {
      return outcome != null ? 1 : -1;
    }

    @Override
    protected boolean tryReleaseShared(int ignored) {
      return true; // called only after decide() succeeded: always propagate the wake-up
    }
  }
}
