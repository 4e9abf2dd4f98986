package dev.latchwork.fetch;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * A {@link Download}'s part counters and their publication: {@link #snapshot()} reads them with
 * the present bytes into a {@link FetchProgress}, and {@link #signal()} tells the listener's
 * {@link ProgressDispatcher}, if there is a listener, that the progress changed. Thread-safe; no
 * method blocks or takes a lock, and without a listener {@link #signal()} does nothing.
 *
 * <p>Memory consistency effects: a counter change happens-before a snapshot taken by a delivery
 * that a later {@link #signal()} causes. A snapshot is not atomic; the download orders its
 * updates (see {@link PartPresence}) so that one that sees all bytes present sees the final
 * counts.
 */
final class DownloadProgress {
  private final PartPresence presence;
  private final IntSupplier waitingForSpace;
  private final AtomicInteger partsDone = new AtomicInteger();
  private final AtomicInteger partsInFlight = new AtomicInteger();
  private final AtomicLong retries = new AtomicLong();
  private final ProgressDispatcher dispatcher;

  /**
   * @param presence the present bytes
   * @param waitingForSpace the number of parts waiting for cache space
   * @param listener the listener, or null
   * @param executor runs the listener's deliveries
   */
  DownloadProgress(PartPresence presence, IntSupplier waitingForSpace,
      Consumer<? super FetchProgress> listener, Executor executor) {
    this.presence = presence;
    this.waitingForSpace = waitingForSpace;
    this.dispatcher = listener == null
        ? null : new ProgressDispatcher(this::snapshot, listener, executor);
  }

  /** Returns a snapshot of the progress. */
  FetchProgress snapshot() {
    return new FetchProgress(presence.bytes(), presence.size(), partsDone.get(),
        partsInFlight.get(), retries.get(), waitingForSpace.getAsInt());
  }

  /** Counts a part present when the download began. */
  void presentAtStart() {
    partsDone.incrementAndGet();
  }

  /** Counts a part whose fetch begins, and signals. */
  void fetchStarted() {
    partsInFlight.incrementAndGet();
    signal();
  }

  /** Counts a part whose fetch ended without it, and signals. */
  void fetchAbandoned() {
    partsInFlight.decrementAndGet();
    signal();
  }

  /** Counts a fetched part as done; the caller signals once the part is published. */
  void fetchDone() {
    partsInFlight.decrementAndGet();
    partsDone.incrementAndGet();
  }

  /** Counts a retry of a part, and signals. */
  void retrying() {
    retries.incrementAndGet();
    signal();
  }

  /** Tells the listener, if any, that the progress changed. */
  void signal() {
    if (dispatcher != null) {
      dispatcher.signal();
    }
  }
}
