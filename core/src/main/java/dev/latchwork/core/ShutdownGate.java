package dev.latchwork.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Counts the operations in flight on a shared resource, closes to new ones, and lets the last one
 * out end the resource: "close, then release when nothing uses it any more" as one primitive.
 *
 * <pre>{@code
 * private final ShutdownGate gate = new ShutdownGate(this::releaseDescriptors);
 *
 * public int read(ByteBuffer dst, long position) throws IOException {
 *   if (!gate.enter()) {
 *     throw new ClosedChannelException();
 *   }
 *   try {
 *     return channel.read(dst, position);
 *   } finally {
 *     gate.exit();
 *   }
 * }
 *
 * public void close() throws InterruptedException {
 *   gate.close();
 *   gate.drained().await(); // the descriptors are released once this returns
 * }
 * }</pre>
 *
 * <p>An operation enters with {@link #enter()} (or {@link #enterOrNull()}, whose {@link Ticket}
 * exits when closed in a try-with-resources statement) and leaves with {@link #exit()}. {@link
 * #close()} closes the gate: from then on every {@code enter} is refused, and once the operations
 * that did enter have all left, the gate is <em>drained</em>. Then, exactly once, the ending action
 * given to the constructor runs, and after it the {@link #drained()} latch opens (or fails, if the
 * ending action threw). The ending action runs on the thread that drained the gate: the closer if
 * nothing was in flight when it closed, otherwise the last operation to exit; or, with the {@link
 * #ShutdownGate(Executor, Runnable)} constructor, on a task of the given executor. The gate never
 * opens again.
 *
 * <p>Every successful {@code enter} must be matched by exactly one {@code exit}, normally in a
 * {@code finally} block. An {@code exit} without an entry in flight throws {@link
 * IllegalStateException} and changes nothing.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread prior to {@code close()} and prior to
 * each {@code exit()} <i>happen-before</i> the ending action begins, and the ending action (its
 * end, normal or abrupt) happens-before a successful return from {@code drained().await()} (or the
 * {@code SignalFailedException} it throws) and a {@code true} {@code drained().isOpen()} in any
 * thread. An {@code enter} that returns {@code true} happens-before the ending action begins: the
 * ending action never runs while an operation that entered has not exited. Once {@code close()}
 * has returned, or {@link #isClosed()} has returned {@code true}, in any thread, every {@code
 * enter} that begins afterwards returns {@code false}.
 *
 * <p><b>Progress:</b> {@code enter}, {@code exit}, {@code close}, {@code isClosed} and {@code
 * inFlight} are lock-free and never block; {@code enter} and {@code exit} allocate nothing ({@code
 * enterOrNull} allocates its ticket). The thread that drains the gate runs the ending action inline
 * (so its {@code exit} or {@code close} returns only after the action) unless an executor was
 * given, in which case it only hands the action over; if that executor rejects it with {@link
 * RejectedExecutionException}, the draining thread runs it after all, since an ending action that
 * never runs is a leak or a hang. An exception or error thrown by the ending action is not
 * propagated to {@code exit} or {@code close}: it becomes the failure cause of {@code drained()}.
 * No method uses {@code synchronized}, so virtual threads do not pin.
 *
 * @see BroadcastLatch
 */
public final class ShutdownGate {
  /*
   * Implementation notes.
   *
   * The whole state is one long: 2 * (entries in flight) + CLOSED. enter() CASes it up by 2 unless
   * the CLOSED bit is set; exit() CASes it down by 2 (refusing to go below zero entries); close()
   * sets the bit with getAndBitwiseOr. Because entries, exits and the close are read-modify-writes
   * of one variable they are totally ordered, and exactly one of them moves the state to exactly
   * CLOSED (bit set, no entries): close() itself if it found the state 0, otherwise the exit that
   * took the last entry away after the bit was set. That one thread drains the gate. No entry can
   * succeed afterwards (the bit is never cleared), so the ending action runs exactly once and
   * after every entry's exit; the volatile read-modify-writes give the happens-before edges stated
   * in the class comment (each exit and the close precede the draining RMW in the synchronization
   * order on `state`, and the drainer runs the action after its RMW).
   *
   * exit() uses a CAS loop rather than getAndAdd so that an unmatched exit is detected before it
   * corrupts the count (getAndAdd would already have made the count negative, or worse, drained a
   * gate whose real last operation is still running).
   *
   * The drained latch is opened after the ending action, by the thread that ran it; a failing
   * action fails the latch. Handing the action to an executor happens after the drain decision, so
   * it may run on any thread; a rejecting executor makes the drainer run it.
   */

  private static final long CLOSED = 1L;
  private static final long ONE = 2L;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ShutdownGate.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Executor executor;
  private final Runnable endingAction;
  private final BroadcastLatch drained = new BroadcastLatch();

  /** 2 * entries in flight + {@link #CLOSED}. */
  private volatile long state;

  /** Creates an open gate with no ending action: {@link #drained()} alone reports the drain. */
  public ShutdownGate() {
    this.executor = null;
    this.endingAction = null;
  }

  /**
   * Creates an open gate whose ending action runs, exactly once, on the thread that drains it.
   *
   * @param endingAction what to run once the gate is closed and nothing is in flight
   * @throws NullPointerException if {@code endingAction} is null
   */
  public ShutdownGate(Runnable endingAction) {
    this.executor = null;
    this.endingAction = Objects.requireNonNull(endingAction, "endingAction");
  }

  /**
   * Creates an open gate whose ending action is handed, exactly once, to {@code executor} when the
   * gate drains; if the executor rejects it, the draining thread runs it.
   *
   * @param executor where to run the ending action
   * @param endingAction what to run once the gate is closed and nothing is in flight
   * @throws NullPointerException if {@code executor} or {@code endingAction} is null
   */
  public ShutdownGate(Executor executor, Runnable endingAction) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.endingAction = Objects.requireNonNull(endingAction, "endingAction");
  }

  /**
   * Enters an operation, unless the gate is closed.
   *
   * @return {@code true} if the operation entered and must call {@link #exit()} exactly once when
   *     it ends; {@code false} if the gate is closed, in which case nothing was registered and
   *     {@code exit} must not be called
   */
  public boolean enter() {
    for (;;) {
      long s = state;
      if ((s & CLOSED) != 0) {
        return false;
      }
      if (STATE.weakCompareAndSet(this, s, s + ONE)) {
        return true;
      }
    }
  }

  /**
   * Enters an operation, unless the gate is closed, and returns a ticket whose {@link
   * Ticket#close()} exits it: {@code try (ShutdownGate.Ticket t = gate.enterOrNull()) { if (t ==
   * null) { throw ...; } ... }} (try-with-resources accepts a null resource and then closes
   * nothing).
   *
   * @return a new ticket for the entered operation, or {@code null} if the gate is closed (nothing
   *     was registered)
   */
  public Ticket enterOrNull() {
    return enter() ? new Ticket(this) : null;
  }

  /**
   * Leaves an operation that entered with {@link #enter()}. If the gate is closed and this was
   * the last operation in flight, this thread drains the gate (see the class comment).
   *
   * @throws IllegalStateException if no entered operation is in flight (more exits than entries);
   *     nothing changes then
   */
  public void exit() {
    for (;;) {
      long s = state;
      if (s < ONE) {
        throw new IllegalStateException("exit() without a matching enter(): no operation in flight");
      }
      long next = s - ONE;
      if (STATE.weakCompareAndSet(this, s, next)) {
        if (next == CLOSED) {
          drain();
        }
        return;
      }
    }
  }

  /**
   * Closes the gate to new entries. If nothing is in flight this thread drains the gate (see the
   * class comment); otherwise the last operation to exit will. Idempotent: later calls change
   * nothing. This method does not wait; to wait for the drain, use {@link #drained()}.
   *
   * @return {@code true} if this call closed the gate; {@code false} if it was already closed
   */
  public boolean close() {
    long before = (long) STATE.getAndBitwiseOr(this, CLOSED);
    if ((before & CLOSED) != 0) {
      return false;
    }
    if (before == 0L) {
      drain();
    }
    return true;
  }

  /**
   * Returns whether the gate is closed to new entries (whether or not it has drained yet).
   *
   * @return {@code true} once {@link #close()} has been called
   */
  public boolean isClosed() {
    return (state & CLOSED) != 0;
  }

  /**
   * Returns the latch that opens once the gate is closed, nothing is in flight and the ending
   * action (if any) has run; it fails, with the ending action's exception or error as cause, if
   * the action threw. Always the same latch.
   *
   * <p>The latch is the gate's own: callers wait on it and must not open or fail it (that would
   * make waiters return before the drain; the gate would still run its ending action once).
   *
   * @return the drained latch
   */
  public BroadcastLatch drained() {
    return drained;
  }

  /**
   * Returns the number of operations in flight: a snapshot for diagnostics and tests, possibly
   * stale as soon as it returns.
   *
   * @return the number of entries not yet exited, at most {@code Integer.MAX_VALUE}
   */
  public int inFlight() {
    return (int) Math.min(Integer.MAX_VALUE, state >>> 1);
  }

  /**
   * Returns a string identifying this gate and its state, for example {@code [open, 2 in
   * flight]}, {@code [closing, 1 in flight]} or {@code [drained]}.
   */
  @Override
  public String toString() {
    long s = state;
    String phase;
    if ((s & CLOSED) == 0) {
      phase = "open, " + (s >>> 1) + " in flight";
    } else if (s != CLOSED) {
      phase = "closing, " + (s >>> 1) + " in flight";
    } else {
      phase = drained.isOpen() ? "drained" : "draining";
    }
    return super.toString() + "[" + phase + "]";
  }

  /** Runs on the one thread whose read-modify-write moved the state to exactly CLOSED. */
  private void drain() {
    if (endingAction == null) {
      drained.open();
      return;
    }
    if (executor != null) {
      try {
        executor.execute(this::runEndingAction);
        return;
      } catch (RejectedExecutionException e) {
        // fall through: an ending action that never runs is a leak or a hang
      }
    }
    runEndingAction();
  }

  @SuppressWarnings("IllegalCatch") // the action's failure, whatever it is, belongs to drained()
  private void runEndingAction() {
    try {
      endingAction.run();
    } catch (Throwable t) {
      drained.fail(t);
      return;
    }
    drained.open();
  }

  /**
   * One entered operation of a {@link ShutdownGate}, for try-with-resources: {@link #close()}
   * exits it. Obtained from {@link ShutdownGate#enterOrNull()}.
   *
   * <p>A ticket is meant for one thread at a time, normally the one that entered; closing it more
   * than once exits only once.
   */
  public static final class Ticket implements AutoCloseable {
    private final ShutdownGate gate;
    private boolean closed;

    private Ticket(ShutdownGate gate) {
      this.gate = gate;
    }

    /**
     * Exits the operation (see {@link ShutdownGate#exit()}), the first time it is called; later
     * calls do nothing.
     */
    @Override
    public void close() {
      if (!closed) {
        closed = true;
        gate.exit();
      }
    }
  }
}
