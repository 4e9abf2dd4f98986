package dev.latchwork.fetch;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers progress to a listener on a task of its own, coalescing notifications, so that a slow
 * or throwing listener can neither stall nor break the fetch threads that signal it.
 *
 * <p>{@link #signal()} does not block and, while the executor accepts tasks, never runs the
 * listener: it marks the progress dirty and, if no delivery task is scheduled, schedules one. A delivery task takes a fresh snapshot each
 * time round, so the listener sees the latest progress, never a stale one, and is called by one
 * thread at a time. A slow listener only makes later notifications coalesce; a listener that
 * throws is logged and called again on the next change.
 *
 * <p>Every signal is followed by a delivery that started after it, so the last progress is always
 * delivered: if the executor refuses the delivery task (it is shut down, or full), the thread that
 * signalled delivers on the spot instead.
 */
final class ProgressDispatcher {
  /*
   * Implementation notes: state is IDLE (no task), SCHEDULED (a task is scheduled or delivering)
   * or DIRTY (another change arrived since the task's last snapshot). signal() moves IDLE ->
   * SCHEDULED and submits, or SCHEDULED -> DIRTY; the task sets SCHEDULED before each snapshot and,
   * after delivering it, moves SCHEDULED -> IDLE and stops, or (DIRTY) delivers again. So every signal is followed by a delivery
   * that started after it (no lost update), and at most one task exists (no concurrent calls).
   */

  private static final Logger LOG = LoggerFactory.getLogger(ProgressDispatcher.class);
  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final int DIRTY = 2;

  private final Supplier<FetchProgress> snapshot;
  private final Consumer<? super FetchProgress> listener;
  private final Executor executor;
  private final AtomicInteger state = new AtomicInteger(IDLE);

  ProgressDispatcher(
      Supplier<FetchProgress> snapshot, Consumer<? super FetchProgress> listener,
      Executor executor) {
    this.snapshot = snapshot;
    this.listener = listener;
    this.executor = executor;
  }

  /** Notes a change; returns at once. */
  void signal() {
    for (;;) {
      int s = state.get();
      if (s == DIRTY) {
        return;
      }
      if (s == SCHEDULED) {
        if (state.compareAndSet(SCHEDULED, DIRTY)) {
          return;
        }
        continue;
      }
      if (state.compareAndSet(IDLE, SCHEDULED)) {
        try {
          executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
          // The state is SCHEDULED, so this thread is the one deliverer, as a task would be.
          LOG.debug("progress delivered on the signalling thread: executor rejected the task", e);
          drain();
        }
        return;
      }
    }
  }

  private void drain() {
    for (;;) {
      // Cleared before the snapshot: every signal so far is covered by the snapshot below, and a
      // signal from now on makes the CAS below fail, so it gets a delivery of its own.
      state.set(SCHEDULED);
      FetchProgress progress = snapshot.get();
      try {
        listener.accept(progress);
      } catch (RuntimeException e) {
        LOG.warn("progress listener threw on {}; fetching goes on", progress, e);
      }
      if (state.compareAndSet(SCHEDULED, IDLE)) {
        return;
      }
    }
  }
}
