package dev.latchwork.fetch;

import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.ProgressView;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which bytes of a {@link Download}'s object are present, and the wake-ups of the readers that
 * wait for them: the present ranges, each part's written watermark, and the count of present
 * bytes. Part {@code p} is {@code [p * partSize, min(size, (p + 1) * partSize))}. Thread-safe; no
 * method blocks or takes a lock.
 *
 * <p>Memory consistency effects: actions of a fetch thread before {@link #written} of a part's
 * bytes happen-before a reader's wait on the part's watermark returns for them, and actions
 * before {@link #complete} of a part happen-before its range is {@linkplain #isPresent present};
 * actions before the completion of the last part happen-before {@link #bytesPresent()} reaches
 * the size. Actions before {@link #failWaiters} happen-before every watermark and the count fail
 * with the stop cause.
 *
 * <p>Memory grows with what is fetched and waited for, not with the part count: a part has a
 * watermark only while it is fetched or waited for.
 */
final class PartPresence {
  /*
   * Implementation notes.
   *
   * Presence: presentRanges is an immutable IntervalSet replaced by CAS when a part completes; a
   * part is present once its range is in it. That is the only per-part record of completion.
   *
   * Part watermarks, created on demand by a waiting reader or the part's first write: a
   * ProgressNotifier of the part's bytes written contiguously from its start (a retry resumes
   * where the last write ended, so the value only grows). The fetcher raises it after every
   * write, so a reader inside a part wakes as soon as its bytes land. A reader that must wait for
   * part p gets the watermark in `watermarks` (creating it), then looks at presentRanges again.
   * Completing p adds it to presentRanges first and then removes and completes the watermark. So
   * a watermark that was in the map when the completer removed it is completed, and a reader that
   * created or found its watermark after that removal sees p present on its second look (and
   * completes it itself). Stopping is the same pattern: stopCause is written before the map is
   * scanned and failed, and a reader reads stopCause after its watermark is in the map, so one of
   * the two fails it. No wake-up can be lost.
   *
   * Progress: bytesPresent counts written bytes as they land (written()), except each part's last
   * write, which complete() adds after the download updated the part counters, so a snapshot
   * that sees all bytes present also sees the final counts; it completes at the size and fails
   * with the stop cause. A publication racing a stop may find it failed: tryAdd says so instead
   * of throwing, and the publication adds nothing more (nobody can wait for it any more).
   */

  private final long size;
  private final long partSize;
  /** Told after written bytes are counted, before the readers are woken (signals progress). */
  private final Runnable onCounted;
  private final AtomicReference<IntervalSet> presentRanges =
      new AtomicReference<>(IntervalSet.EMPTY);
  private final ConcurrentHashMap<Integer, ProgressNotifier> watermarks = new ConcurrentHashMap<>();
  /** The last write of each written but not yet completed part, published by complete. */
  private final ConcurrentHashMap<Integer, Long> heldBack = new ConcurrentHashMap<>();
  private final ProgressNotifier bytesPresent = new ProgressNotifier();
  /** Why everything stopped: the failure or the close; set once, before stopped opens. */
  private final AtomicReference<Throwable> stopCause = new AtomicReference<>();

  /**
   * @param onCounted told after written bytes (other than a part's last write) are counted
   */
  PartPresence(long size, long partSize, Runnable onCounted) {
    this.size = size;
    this.partSize = partSize;
    this.onCounted = onCounted;
  }

  /** Returns the object's size. */
  long size() {
    return size;
  }

  /** Returns the part holding byte {@code position}. */
  int partOf(long position) {
    return (int) (position / partSize);
  }

  /** Returns the first byte of part {@code p}. */
  long partStart(int p) {
    return (long) p * partSize;
  }

  /** Returns the end (exclusive) of part {@code p}. */
  long partEnd(int p) {
    return Math.min(size, (long) p * partSize + partSize);
  }

  /** Returns true if every byte of {@code [start, end)} is present. */
  boolean isPresent(long start, long end) {
    return presentRanges.get().contains(start, end);
  }

  /** Returns the end of the run of present bytes starting at {@code position}. */
  long presentUntil(long position) {
    return presentRanges.get().contiguousEnd(position);
  }

  /** Returns true if every byte of part {@code p} is present. */
  boolean isPartPresent(int p) {
    long start = (long) p * partSize;
    return isPresent(start, Math.min(size, start + partSize));
  }

  /** Returns true if a reader waits for part {@code p} (it has a watermark). */
  boolean isWaitedFor(int p) {
    return watermarks.containsKey(p);
  }

  /**
   * Returns the watermark to wait on for part {@code p}, in the map on return: the number of the
   * part's bytes written, contiguously from its start, as they land. It completes when the part is
   * present and fails with the stop cause. Returns null if the part is present already.
   */
  ProgressNotifier watermark(int p) {
    if (isPartPresent(p)) {
      return null;
    }
    ProgressNotifier watermark = watermarks.computeIfAbsent(p, k -> new ProgressNotifier());
    if (isPartPresent(p)) {
      // Completed between the two looks: its completer may have missed this watermark.
      watermark.tryComplete();
      watermarks.remove(p, watermark);
      return null;
    }
    Throwable cause = stopCause.get();
    if (cause != null) {
      watermark.tryFail(cause); // the stopper may have scanned the map before it was in it
    }
    return watermark;
  }

  /** The number of present bytes, read-only; complete at the size, failed by the stop cause. */
  ProgressView bytesPresent() {
    return bytesPresent.view();
  }

  /** Returns the number of present bytes now. */
  long bytes() {
    return bytesPresent.get();
  }

  /** Throws IllegalStateException unless every byte is present. */
  void checkComplete(String operation) {
    long present = bytesPresent.get();
    if (present != size) {
      throw new IllegalStateException(operation + ": download incomplete, " + present + " of "
          + size + " bytes present");
    }
  }

  /** Completes the count of an object with no bytes. */
  void completeEmpty() {
    bytesPresent.complete();
  }

  /** Records part {@code p}, present in the file when the download began, as present. */
  void presentAtStart(int p) {
    long start = (long) p * partSize;
    long end = Math.min(size, start + partSize);
    presentRanges.updateAndGet(s -> s.add(start, end));
    if (bytesPresent.tryAdd(end - start) == size) {
      bytesPresent.tryComplete();
    }
  }

  /**
   * After every write of {@code n} bytes of part {@code p}, {@code partBytes} of it now written:
   * raises the part's watermark (waking the readers that wait inside the part) and counts the
   * bytes as present, except those of the part's last write, which {@link #complete} publishes.
   */
  void written(int p, long partBytes, long n) {
    long start = (long) p * partSize;
    long length = Math.min(size, start + partSize) - start;
    // Count first, then wake: a reader served by the watermark sees its bytes in the progress.
    if (partBytes < length) {
      publish(n);
      onCounted.run();
    } else {
      heldBack.put(p, n);
    }
    watermarks.computeIfAbsent(p, k -> new ProgressNotifier()).tryAdvanceTo(partBytes);
  }

  /**
   * Makes fetched part {@code p} present: its range, then its watermark, then its held-back last
   * write; the caller's part counters must be final before.
   */
  void complete(int p) {
    long start = (long) p * partSize;
    long end = Math.min(size, start + partSize);
    presentRanges.updateAndGet(s -> s.add(start, end));
    ProgressNotifier watermark = watermarks.remove(p);
    if (watermark != null) {
      watermark.tryComplete();
    }
    // The part's last write left its bytes for this add (see written), so bytesPresent
    // reaches the size only after the counters are final.
    Long lastWrite = heldBack.remove(p);
    publish(lastWrite == null ? 0 : lastWrite);
  }

  private void publish(long n) {
    if (n > 0 && bytesPresent.tryAdd(n) == size) {
      bytesPresent.tryComplete();
    }
  }

  /** Sets the stop cause unless one is set, and returns the first one. */
  Throwable stopCause(Throwable cause) {
    stopCause.compareAndSet(null, cause);
    return stopCause.get();
  }

  /** Fails every watermark in the map and the count with {@code first}, the stop cause. */
  void failWaiters(Throwable first) {
    for (ProgressNotifier watermark : watermarks.values()) {
      watermark.tryFail(first);
    }
    bytesPresent.tryFail(first);
  }

  @Override
  public String toString() {
    return presentRanges.get().toString();
  }
}
