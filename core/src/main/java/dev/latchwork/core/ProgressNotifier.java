package dev.latchwork.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A non-dropping progress notifier for a monotonic, non-negative {@code long}, such as the number
 * of bytes downloaded so far. A producer advances the value with {@link #advanceTo(long)} or
 * {@link #add(long)} and finally ends it with {@link #complete()} or {@link #fail(Throwable)};
 * consumers wait until the value reaches a target with {@link #awaitAtLeast(long)} or {@link
 * #whenAtLeast(long)}.
 *
 * <p>No signal is ever dropped: whatever the interleaving, a waiter whose target has been reached
 * is woken, and a waiter that arrives after the advance returns at once. This replaces both
 * broken designs it is modelled against: a condition variable whose broadcast is lost when it
 * lands between a waiter's check and its wait, and a non-blocking channel send that is dropped
 * when nobody is receiving.
 *
 * <p><b>Values.</b> The value starts at the constructor's initial value (zero by default) and only
 * grows: advancing to a value at or below the current one changes nothing. Values are in {@code
 * [0, Long.MAX_VALUE]}; an {@code add} that would pass {@code Long.MAX_VALUE} throws {@link
 * ArithmeticException}. Targets may be any {@code long}: a target at or below zero is always
 * reached.
 *
 * <p><b>Termination.</b> {@code complete()} and {@code fail(cause)} are terminal: afterwards every
 * {@code advanceTo} and {@code add} throws {@link IllegalStateException}, and a second terminal
 * call returns quietly and changes nothing. A waiter whose target the value reached returns the
 * value even if the notifier terminated later; a waiter whose target was not reached returns the
 * final value (below its target) if the notifier completed, so that a reader sees end-of-data
 * instead of hanging, and throws {@link SignalFailedException} with the cause if it failed. A
 * producer whose progress may be ended by someone else uses {@link #tryAdd(long)} and {@link
 * #tryAdvanceTo(long)}, which report termination by their result instead of throwing, and {@link
 * #tryComplete()} and {@link #tryFail(Throwable)} tell whether the call was the one that ended it.
 * Consumers that must not advance or end the progress get the {@link #view()}.
 *
 * <p><b>Targeted wake-ups.</b> Waiters are kept ordered by target, and an advance wakes only the
 * waiters whose target it reached: with 1,000 waiters at 1,000 distinct targets and 1,000
 * single-step advances every waiter is unparked once, where a broadcast design unparks about
 * 500,000 times. {@link #wakeUpCount()} reports how many wake-ups a notifier performed.
 *
 * <p><b>Interruption and timeouts.</b> If the target is already reached or the notifier is
 * terminated, {@code awaitAtLeast} returns (or throws {@code SignalFailedException}) at once and
 * does not look at the interrupt status, like {@link java.util.concurrent.Future#get()} on a
 * completed future. Otherwise, if the current thread is interrupted on entry or while waiting, it
 * throws {@link InterruptedException} and clears the interrupted status; if the timeout elapses
 * first, the timed forms throw {@link TimeoutException}. A timeout of zero or less means "do not
 * wait". A waiter that returns, times out or is interrupted removes itself from the notifier.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread prior to an {@code advanceTo} or
 * {@code add} (or {@code tryAdvanceTo} or {@code tryAdd}) that raises the value to at least {@code
 * v} <i>happen-before</i> actions following a {@link #get()} that returns at least {@code v}, and
 * following a return of at least {@code v} from {@code awaitAtLeast} or the completion with at
 * least {@code v} of a {@code whenAtLeast} future, in another thread (also through the {@link
 * #view()}). Actions prior to {@code complete()} or {@code fail(cause)} (or {@code tryComplete()}
 * or {@code tryFail(cause)}) happen-before actions following an {@code awaitAtLeast} that returns
 * a value below its target or throws {@code SignalFailedException}, a {@code true} {@link
 * #isDone()}, a {@code false} or {@code -1} result of a try method, and the corresponding
 * completion of a {@code whenAtLeast} future.
 *
 * <p><b>Progress:</b> the producer never waits for a consumer. With no waiters registered, {@code
 * advanceTo} and {@code add} are a compare-and-set loop, a volatile read and (once the notifier
 * has ever had waiters) an emptiness check of the waiter set: lock-free and allocation-free. With
 * waiters registered they also remove and unpark the reached waiters (lock-free, never blocking),
 * and futures from {@code whenAtLeast} are completed by a task of
 * {@link CompletableFuture#defaultExecutor()}, so a consumer's dependent actions never run in the
 * producer's thread. No method uses {@code synchronized}, so virtual threads do not pin.
 *
 * @see BroadcastLatch
 */
public final class ProgressNotifier {
  /*
   * Implementation notes.
   *
   * State. `state` holds the value in bits 0..62 and TERMINATED in the sign bit, so "advance
   * unless terminated" and "terminate" are single atomic operations on one word: an advance is a
   * CAS from a non-negative state, termination is getAndBitwiseOr(TERMINATED). No advance can
   * slip in after termination, and the final value is exactly the value at the moment the sign bit
   * was set. The outcome (COMPLETED or the failure cause) is CAS'd into `outcome` first; every
   * terminal call, the losing ones too, then sets the sign bit, so once any terminal call has
   * returned, advances throw. A reader that sees the sign bit sees the outcome: whoever set the
   * bit either wrote outcome itself or read it in its failed CAS, before the (volatile) bit.
   *
   * Waiters. Each blocked awaitAtLeast and each pending whenAtLeast future is a Waiter node in a
   * ConcurrentSkipListSet ordered by (target, sequence), the sequence making nodes unique. The
   * removal of a node is the claim on it: exactly one thread's remove() returns true, and only
   * that thread unparks the waiter (or completes the future), so every waiter is woken at most
   * once by the notifier. An advance to v walks the set from its lowest target and stops at the
   * first target above v: it touches only the waiters it wakes. Terminal calls wake everyone.
   *
   * Why no wake-up is lost (Dekker). The waiter inserts its node, performs a volatile write of
   * `published`, then re-reads state. The producer writes state (CAS / RMW), then reads
   * `published`, then looks at the set (a terminal call does the same with its
   * getAndBitwiseOr). All four are volatile accesses, hence totally ordered
   * (synchronization order). If the waiter's re-read does not see the producer's write, it
   * precedes that write, so the waiter's write of `published` precedes the producer's read of
   * `published` and synchronizes-with it (JLS 17.4.4: a volatile write synchronizes-with every
   * subsequent read of the variable). The insertion therefore happens-before the producer's look
   * at the set, which sees the node (or its removal by someone who then woke it). Otherwise the
   * waiter sees the new value itself and removes its own node. Either way the waiter proceeds.
   * Waiters re-read state after every wake-up, spurious or not, so a stray unpark (one that
   * reaches a thread after it stopped waiting) is harmless.
   *
   * Fast path. `published` is false until the first waiter ever registers, so a notifier that
   * never had waiters costs the producer the CAS and one volatile read; after that,
   * ConcurrentSkipListSet.isEmpty() (a few reads, no allocation) keeps the no-waiter path free of
   * locks and allocation.
   *
   * Futures. A future is a node like a thread waiter. A producer collects the future nodes it
   * claims during one scan and completes them all in one AsyncCompletion task, i.e. in an
   * executor thread, never its own (one task per advance, not one per future: the default
   * executor may be thread-per-task). The result is recomputed from the state when the task runs;
   * state is monotonic, so a reached target stays reached and a terminal state stays terminal. A
   * future settled on registration is completed by the registering thread, which has attached no
   * dependents yet. If the user completes or cancels the future first, a whenComplete action
   * removes the node, so abandoned futures do not accumulate.
   */

  /** Sign bit of {@link #state}: the notifier is complete or failed. */
  private static final long TERMINATED = Long.MIN_VALUE;

  /** Bits of {@link #state} that hold the value. */
  private static final long VALUE = Long.MAX_VALUE;

  /** The outcome of {@link #complete()}. */
  private static final Object COMPLETED = new Object();

  private static final Comparator<Waiter> BY_TARGET =
      (a, b) ->
          a.target != b.target
              ? Long.compare(a.target, b.target)
              : Long.compare(a.sequence, b.sequence);

  private static final VarHandle STATE;
  private static final VarHandle OUTCOME;
  private static final VarHandle SEQUENCE;
  private static final VarHandle WAKE_UPS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(ProgressNotifier.class, "state", long.class);
      OUTCOME = lookup.findVarHandle(ProgressNotifier.class, "outcome", Object.class);
      SEQUENCE = lookup.findVarHandle(ProgressNotifier.class, "sequence", long.class);
      WAKE_UPS = lookup.findVarHandle(ProgressNotifier.class, "wakeUps", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The value in bits 0..62, {@link #TERMINATED} in the sign bit. */
  private volatile long state;

  /** Null while running; {@link #COMPLETED} or the failure cause once terminal. Set once. */
  private volatile Object outcome;

  /** Written (true) after every waiter registration; read by producers before scanning. */
  private volatile boolean published;

  /** Source of waiter sequence numbers, which make equal targets distinct in the set. */
  @SuppressWarnings("unused") // accessed through SEQUENCE
  private volatile long sequence;

  /** Number of waiters this notifier woke: threads unparked plus futures completed. */
  private volatile long wakeUps;

  private final ConcurrentSkipListSet<Waiter> waiters = new ConcurrentSkipListSet<>(BY_TARGET);

  private final ProgressView view = new ProgressView(this);

  /** Creates a notifier whose value starts at zero. */
  public ProgressNotifier() {
    this(0L);
  }

  /**
   * Creates a notifier whose value starts at {@code initialValue}.
   *
   * @param initialValue the starting value
   * @throws IllegalArgumentException if {@code initialValue} is negative
   */
  public ProgressNotifier(long initialValue) {
    if (initialValue < 0) {
      throw new IllegalArgumentException(
          "initialValue must not be negative: " + initialValue);
    }
    this.state = initialValue;
  }

  /**
   * Returns the current value. After termination this is the final value.
   *
   * @return the current value
   */
  public long get() {
    return state & VALUE;
  }

  /**
   * Returns whether the notifier has been ended by {@link #complete()} or {@link
   * #fail(Throwable)}.
   *
   * @return {@code true} once terminal
   */
  public boolean isDone() {
    return state < 0;
  }

  /**
   * Raises the value to {@code value} if it is above the current value, and wakes the waiters
   * whose target it reaches. A value at or below the current one changes nothing.
   *
   * @param value the new value
   * @throws IllegalStateException if the notifier has been completed or failed
   */
  public void advanceTo(long value) {
    if (!tryAdvanceTo(value)) {
      throw terminated("advanceTo(" + value + ")");
    }
  }

  /**
   * Adds {@code delta} to the value and wakes the waiters whose target the new value reaches.
   *
   * @param delta the amount of progress, zero or more
   * @return the new value
   * @throws IllegalArgumentException if {@code delta} is negative
   * @throws ArithmeticException if the new value would exceed {@code Long.MAX_VALUE}
   * @throws IllegalStateException if the notifier has been completed or failed
   */
  public long add(long delta) {
    long next = tryAdd(delta);
    if (next < 0) {
      throw terminated("add(" + delta + ")");
    }
    return next;
  }

  /**
   * As {@link #advanceTo(long)}, but reports a terminated notifier by returning {@code false}
   * instead of throwing: for producers whose progress may legitimately be ended by someone else
   * (a store closed by its owner while a worker still reports).
   *
   * @param value the new value
   * @return {@code true} if the notifier was not terminated (the value is now at least {@code
   *     value}); {@code false} if it was already completed or failed, in which case nothing changes
   */
  public boolean tryAdvanceTo(long value) {
    long s;
    do {
      s = state;
      if (s < 0) {
        return false;
      }
      if (value <= s) {
        return true;
      }
    } while (!STATE.weakCompareAndSet(this, s, value));
    wakeReached(value);
    return true;
  }

  /**
   * As {@link #add(long)}, but reports a terminated notifier by returning {@code -1} instead of
   * throwing (values are never negative, so {@code -1} is never a value).
   *
   * @param delta the amount of progress, zero or more
   * @return the new value; or {@code -1} if the notifier was already completed or failed, in
   *     which case nothing changes
   * @throws IllegalArgumentException if {@code delta} is negative
   * @throws ArithmeticException if the new value would exceed {@code Long.MAX_VALUE}
   */
  public long tryAdd(long delta) {
    if (delta < 0) {
      throw new IllegalArgumentException("delta must not be negative: " + delta);
    }
    long s;
    long next;
    do {
      s = state;
      if (s < 0) {
        return -1L;
      }
      next = s + delta;
      if (next < 0) {
        throw new ArithmeticException(
            "progress overflows Long.MAX_VALUE: " + s + " + " + delta);
      }
      if (next == s) {
        return s;
      }
    } while (!STATE.weakCompareAndSet(this, s, next));
    wakeReached(next);
    return next;
  }

  /**
   * As {@link #complete()}, and tells whether this call was the one that ended the notifier.
   *
   * @return {@code true} if this call completed the notifier; {@code false} if it was already
   *     completed or failed (nothing changes then)
   */
  public boolean tryComplete() {
    return terminate(COMPLETED);
  }

  /**
   * As {@link #fail(Throwable)}, and tells whether this call was the one that ended the notifier.
   *
   * @param cause why no more progress will come
   * @return {@code true} if this call failed the notifier with {@code cause}; {@code false} if it
   *     was already completed or failed (nothing changes then)
   * @throws NullPointerException if {@code cause} is null
   */
  public boolean tryFail(Throwable cause) {
    Objects.requireNonNull(cause, "cause must not be null");
    return terminate(cause);
  }

  /**
   * Ends the notifier successfully: no more progress will come. Every waiter wakes; those whose
   * target was not reached return the final value. A second terminal call changes nothing.
   */
  public void complete() {
    terminate(COMPLETED);
  }

  /**
   * Ends the notifier with a failure. Every waiter whose target was not reached, now or later,
   * throws {@link SignalFailedException} with {@code cause} as its cause. A second terminal call
   * changes nothing.
   *
   * @param cause why no more progress will come
   * @throws NullPointerException if {@code cause} is null
   */
  public void fail(Throwable cause) {
    Objects.requireNonNull(cause, "cause must not be null");
    terminate(cause);
  }

  /**
   * Waits until the value is at least {@code target} or the notifier is terminated.
   *
   * @param target the value to wait for; any {@code long}
   * @return the value seen, at least {@code target}; or, if the notifier completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws SignalFailedException if the notifier failed before reaching {@code target}
   */
  public long awaitAtLeast(long target) throws InterruptedException {
    try {
      return await(target, false, 0L);
    } catch (TimeoutException e) {
      throw new AssertionError("untimed wait timed out", e);
    }
  }

  /**
   * Waits until the value is at least {@code target}, the notifier is terminated, or the timeout
   * elapses.
   *
   * @param target the value to wait for; any {@code long}
   * @param timeout the maximum time to wait; zero or less means do not wait
   * @param unit the unit of {@code timeout}
   * @return the value seen, at least {@code target}; or, if the notifier completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws TimeoutException if the timeout elapsed first
   * @throws SignalFailedException if the notifier failed before reaching {@code target}
   * @throws NullPointerException if {@code unit} is null
   */
  public long awaitAtLeast(long target, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    Objects.requireNonNull(unit, "unit must not be null");
    return await(target, true, unit.toNanos(timeout));
  }

  /**
   * Waits until the value is at least {@code target}, the notifier is terminated, or the timeout
   * elapses.
   *
   * @param target the value to wait for; any {@code long}
   * @param timeout the maximum time to wait; zero or negative means do not wait
   * @return the value seen, at least {@code target}; or, if the notifier completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws TimeoutException if the timeout elapsed first
   * @throws SignalFailedException if the notifier failed before reaching {@code target}
   * @throws NullPointerException if {@code timeout} is null
   */
  public long awaitAtLeast(long target, Duration timeout)
      throws InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout must not be null");
    return await(target, true, TimeUnit.NANOSECONDS.convert(timeout));
  }

  /**
   * Returns a future completed with the value once it is at least {@code target}; if the
   * notifier completes below {@code target}, with the final value; if it fails below {@code
   * target}, exceptionally with the failure cause.
   *
   * <p>Every call returns a new future; completing or cancelling it has no effect on the notifier
   * or on other futures, and removes its registration. If {@code target} is not yet reached, the
   * future is completed later by a task of {@link CompletableFuture#defaultExecutor()} (the
   * {@linkplain java.util.concurrent.ForkJoinPool#commonPool() common pool}, or a new thread per
   * task when the common pool has a parallelism below two, as on machines with fewer than three
   * CPUs; {@link #whenAtLeast(long, Executor)} chooses the executor), never in the producer's
   * thread, so a slow non-async dependent action cannot delay the producer. If it is
   * already reached (or the notifier is terminated), the future is returned completed.
   *
   * @param target the value to wait for; any {@code long}
   * @return a new future for {@code target}
   */
  @SuppressWarnings("FutureReturnValueIgnored") // whenComplete is used for its side effect
  public CompletableFuture<Long> whenAtLeast(long target) {
    long s = state;
    if (isSettled(s, target)) {
      return settledFuture(s, target);
    }
    CompletableFuture<Long> future = new CompletableFuture<>();
    Waiter node = new Waiter(target, nextSequence(), null, future);
    register(node);
    s = state;
    if (isSettled(s, target)) {
      if (waiters.remove(node)) {
        settle(future, s, target); // our own thread: the caller has registered no dependents yet
      }
      // else a producer claimed the node and completes the future
      return future;
    }
    future.whenComplete((value, failure) -> waiters.remove(node));
    return future;
  }

  /**
   * As {@link #whenAtLeast(long)}, but a future whose target is not yet reached is completed by a
   * task of {@code executor}: non-async dependent actions run there, never in the producer's
   * thread. If {@code executor} rejects the task, the future is completed by the thread that would
   * have handed it over (a thread of the default executor), since a future that never completes is
   * a hang. If the target is already reached (or the notifier is terminated) the future is returned
   * completed and {@code executor} is not used. Cancelling the future removes its registration.
   *
   * @param target the value to wait for; any {@code long}
   * @param executor where to complete the future
   * @return a new future for {@code target}
   * @throws NullPointerException if {@code executor} is null
   */
  public CompletableFuture<Long> whenAtLeast(long target, Executor executor) {
    Objects.requireNonNull(executor, "executor must not be null");
    return AsyncCompletion.relay(whenAtLeast(target), executor);
  }

  /**
   * Returns the read-only view of this notifier, for handing out to consumers that may watch the
   * progress but must not advance or end it. Always the same view.
   *
   * @return the view
   */
  public ProgressView view() {
    return view;
  }

  /**
   * Returns the number of wake-ups this notifier has performed: waiting threads unparked plus
   * {@code whenAtLeast} futures completed because an advance or a terminal call reached them.
   * Wake-ups performed by waiters themselves (a waiter that finds its target reached on its own)
   * are not counted.
   *
   * <p>This is a diagnostic, for tests and benchmarks that check that advances wake only the
   * waiters they reach; the value is exact once the notifier is quiescent.
   *
   * @return the number of wake-ups performed so far
   */
  public long wakeUpCount() {
    return wakeUps;
  }

  /** Test hook: the number of registered waiters (O(n), weakly consistent). */
  int waiterCount() {
    return waiters.size();
  }

  @Override
  public String toString() {
    long s = state;
    Object o = outcome;
    String phase = s >= 0 ? "running" : o == COMPLETED ? "completed" : "failed";
    return "ProgressNotifier[value=" + (s & VALUE) + ", " + phase + "]";
  }

  private long await(long target, boolean timed, long nanos)
      throws InterruptedException, TimeoutException {
    long s = state;
    if (isSettled(s, target)) {
      return settledValue(s, target);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (timed && nanos <= 0L) {
      throw timedOut(target, s);
    }
    long deadline = timed ? System.nanoTime() + nanos : 0L;
    Waiter node = new Waiter(target, nextSequence(), Thread.currentThread(), null);
    register(node);
    try {
      for (; ; ) {
        s = state;
        if (isSettled(s, target)) {
          return settledValue(s, target);
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (timed) {
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0L) {
            throw timedOut(target, s);
          }
          LockSupport.parkNanos(this, remaining);
        } else {
          LockSupport.park(this);
        }
      }
    } finally {
      // If a producer already removed the node it has unparked (or will unpark) this thread;
      // that stray permit at most makes a later park return early, and every park re-checks.
      waiters.remove(node);
    }
  }

  private long nextSequence() {
    return (long) SEQUENCE.getAndAdd(this, 1L);
  }

  /** Inserts the node, then publishes the insertion (the waiter's half of the Dekker pair). */
  private void register(Waiter node) {
    waiters.add(node);
    published = true;
  }

  /** The producer's half of the Dekker pair, after raising the value to {@code value}. */
  private void wakeReached(long value) {
    if (!published || waiters.isEmpty()) {
      return;
    }
    List<Waiter> futures = null;
    for (Waiter node : waiters) {
      if (node.target > value) {
        break;
      }
      if (waiters.remove(node)) {
        futures = wake(node, futures);
      }
    }
    completeLater(futures);
  }

  /** Returns whether this call decided the outcome. */
  private boolean terminate(Object decided) {
    // the first terminal call decides the outcome
    boolean first = OUTCOME.compareAndSet(this, null, decided);
    long before = (long) STATE.getAndBitwiseOr(this, TERMINATED);
    if (before < 0 || !published) {
      return first; // another terminal call set the bit and wakes everyone; or nobody ever waited
    }
    List<Waiter> futures = null;
    for (Waiter node : waiters) {
      if (waiters.remove(node)) {
        futures = wake(node, futures);
      }
    }
    completeLater(futures);
    return first;
  }

  /**
   * Wakes a node this thread has claimed (removed): unparks a thread now; adds a future to the
   * batch that {@link #completeLater} completes off this thread.
   */
  private List<Waiter> wake(Waiter node, List<Waiter> futures) {
    WAKE_UPS.getAndAdd(this, 1L);
    if (node.thread != null) {
      LockSupport.unpark(node.thread);
      return futures;
    }
    List<Waiter> batch = futures != null ? futures : new ArrayList<>();
    batch.add(node);
    return batch;
  }

  /** Completes claimed futures in one executor task: the producer runs none of their dependents. */
  private void completeLater(List<Waiter> futures) {
    if (futures != null) {
      AsyncCompletion.run(() -> {
        for (Waiter node : futures) {
          settle(node.future, state, node.target);
        }
      });
    }
  }

  private static boolean isSettled(long s, long target) {
    return s < 0 || (s & VALUE) >= target;
  }

  /** For a settled state: the failure cause if the wait ends with a failure, else null. */
  private Throwable failureFor(long s, long target) {
    Object o;
    return (s & VALUE) < target && (o = outcome) != COMPLETED ? (Throwable) o : null;
  }

  /** For a settled state: the value to return from an await, or the failure to throw. */
  private long settledValue(long s, long target) {
    Throwable failure = failureFor(s, target);
    if (failure != null) {
      throw new SignalFailedException(failure);
    }
    return s & VALUE;
  }

  private CompletableFuture<Long> settledFuture(long s, long target) {
    Throwable failure = failureFor(s, target);
    return failure != null
        ? CompletableFuture.failedFuture(failure)
        : CompletableFuture.completedFuture(s & VALUE);
  }

  /** Completes a future for a settled state. */
  private void settle(CompletableFuture<Long> future, long s, long target) {
    Throwable failure = failureFor(s, target);
    if (failure != null) {
      future.completeExceptionally(failure);
    } else {
      future.complete(s & VALUE);
    }
  }

  private IllegalStateException terminated(String call) {
    return new IllegalStateException(
        call + " after the notifier was " + (outcome == COMPLETED ? "completed" : "failed"));
  }

  private static TimeoutException timedOut(long target, long s) {
    return new TimeoutException(
        "progress did not reach " + target + " in time (value " + (s & VALUE) + ")");
  }

  /** A blocked thread ({@code thread != null}) or a pending future, waiting for {@code target}. */
  private static final class Waiter {
    final long target;
    final long sequence;
    final Thread thread;
    final CompletableFuture<Long> future;

    Waiter(long target, long sequence, Thread thread, CompletableFuture<Long> future) {
      this.target = target;
      this.sequence = sequence;
      this.thread = thread;
      this.future = future;
    }
  }
}
