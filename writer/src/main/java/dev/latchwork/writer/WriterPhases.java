package dev.latchwork.writer;

import dev.latchwork.core.ShutdownGate;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The phase of one {@link ChunkWriter} and the writes in flight: writes enter only while the
 * writer is {@link #OPEN}; {@link #end} moves it to a closing phase, and once the writes that
 * entered before have all left, the phase's action runs, exactly once, on the thread that left
 * last (or on the ending thread if none was in flight). Lock-free; safe for use by any number of
 * threads.
 *
 * <p>Memory consistency effects: actions in a thread prior to {@link #exit} and prior to {@link
 * #end} happen-before the action of the phase it moved to begins.
 */
final class WriterPhases {
  /*
   * Implementation notes.
   *
   * The writes in flight are counted by a ShutdownGate, one per stretch of OPEN. end() moves the
   * phase by CAS first and then closes the gate, so the gate's ending action, which runs once the
   * writes that entered have left, reads the new phase and runs its action. Only one end() can
   * win from OPEN, so each gate is closed by one phase change and its action runs once.
   *
   * A commit that finds chunks missing reopens the writer from its action: a fresh gate is
   * installed before the phase goes back to OPEN, so a write that sees OPEN after being refused
   * by the old gate retries on the new one. Only the action of COMMITTING changes the phase after
   * it was reached (reopen, settle): no write can enter and no end() can win while it is
   * COMMITTING, so nothing races it. end() from FAILED finds the gate closed and drained already
   * and runs the action itself.
   */

  static final int OPEN = 0;
  static final int COMMITTING = 1;
  static final int COMMITTED = 2;
  static final int ABORTED = 3;
  static final int CLOSED = 4;
  static final int FAILED = 5;

  private final Path target;
  private final IntConsumer action;
  private final AtomicInteger phase = new AtomicInteger(OPEN);
  private volatile ShutdownGate gate;

  /**
   * @param target the writer's target, for messages
   * @param action runs with the new phase once it is reached and no write is in flight
   */
  WriterPhases(Path target, IntConsumer action) {
    this.target = target;
    this.action = action;
    this.gate = newGate();
  }

  private ShutdownGate newGate() {
    return new ShutdownGate(() -> action.accept(phase.get()));
  }

  /** The current phase. */
  int get() {
    return phase.get();
  }

  /**
   * Enters a write of chunk {@code index}; the caller must {@link #exit} the returned gate after
   * it.
   *
   * @return the gate to exit
   * @throws IllegalStateException if the writer is not open
   */
  ShutdownGate enter(long index) {
    for (;;) {
      ShutdownGate g = gate;
      if (g.enter()) {
        return g;
      }
      int p = phase.get();
      if (p != OPEN) {
        throw notOpen(p, "write chunk " + index);
      } // else a commit reopened the writer with a new gate since: enter that one
    }
  }

  /** Leaves a write; the last one to leave after an {@link #end} runs that phase's action. */
  static void exit(ShutdownGate entered) {
    entered.exit();
  }

  /**
   * Moves the phase from {@code from} to {@code to}, if it is {@code from}; the action of {@code
   * to} then runs once no write is in flight (at once, on this thread, if none is).
   *
   * @return true if this call moved the phase
   */
  boolean end(int from, int to) {
    if (!phase.compareAndSet(from, to)) {
      return false;
    }
    if (!gate.close()) {
      action.accept(to); // from FAILED: the commit closed and drained the gate already
    }
    return true;
  }

  /** By the action of COMMITTING only: chunks were missing, writes may enter again. */
  void reopen() {
    gate = newGate();
    phase.set(OPEN);
  }

  /** By the action of COMMITTING only: the commit ended as {@code COMMITTED} or {@code FAILED}. */
  void settle(int to) {
    phase.set(to);
  }

  /** An exception saying that {@code what} is refused in {@code phase}. */
  IllegalStateException notOpen(int phase, String what) {
    return new IllegalStateException("cannot " + what + ": the ChunkWriter for " + target + " " + describe(phase));
  }

  static String describe(int phase) {
    return switch (phase) {
      case OPEN -> "is open";
      case COMMITTING -> "is committing";
      case COMMITTED -> "was committed";
      case ABORTED -> "was aborted";
      case CLOSED -> "was closed";
      default -> "failed to commit";
    };
  }

  @Override
  public String toString() {
    return describe(phase.get()).replaceFirst("^(is|was) ", "") + ", " + gate.inFlight() + " writes in flight";
  }
}
