package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flushes a store's temp file to storage while its download runs, so that the force {@link
 * FetchStore#moveTo} must do at the end finds little left to write: the fetch thread whose write
 * brings the bytes written since the last flush to {@code threshold} forces the file, one flush at
 * a time (writes arriving during a flush go on without waiting; the next crossing flushes them).
 *
 * <p>Advisory: a flush skipped because the file closed, or failed, changes no outcome by itself.
 * A failed flush is not lost either: the temp file's {@code PositionalWriter} remembers a failed
 * fsync and fails every later force with it, so {@code moveTo} refuses to publish bytes the kernel
 * may have dropped (a retried fsync could report success for them). Thread-safe.
 */
final class WriteBehind {
  /*
   * Implementation notes: `unflushed` is reset (getAndSet) before the force begins, so every
   * byte counted in it before the reset was written before the fsync began and is covered by it;
   * bytes counted after the reset are left for the next flush. At most one thread flushes (the `flushing` CAS);
   * a crossing seen while one flushes is not remembered, since the first write after the flush
   * sees the count still at or above the threshold and flushes again.
   */

  /** Bytes written between flushes: big enough to amortise an fsync, small enough to overlap. */
  static final long DEFAULT_THRESHOLD = 32L << 20;

  /** Forces the file; false if it is closed (nothing left to keep). */
  @FunctionalInterface
  interface Flush {
    boolean flush() throws IOException;
  }

  private final Tracer tracer;
  private final Flush flush;
  private final long threshold;
  private final AtomicLong unflushed = new AtomicLong();
  private final AtomicBoolean flushing = new AtomicBoolean();

  /**
   * @param tracer traces every flush (a {@code flushAhead} span: a slow disk shows there)
   * @param flush forces the file
   * @param threshold bytes written between flushes
   */
  WriteBehind(Tracer tracer, Flush flush, long threshold) {
    if (threshold <= 0) {
      throw new IllegalArgumentException("threshold must be positive: " + threshold);
    }
    this.tracer = tracer;
    this.flush = flush;
    this.threshold = threshold;
  }

  /**
   * Returns {@code publish} followed, for every write, by a write-behind count towards the next
   * flush of {@code file} every {@code bytes} bytes; {@code publish} alone if {@code bytes} is 0.
   * Readers see each write before its writer may stop to flush.
   */
  static PartFetcher.Written after(PartFetcher.Written publish, Tracer tracer, TempFile file,
      long bytes) {
    if (bytes == 0) {
      return publish;
    }
    WriteBehind writeBehind = new WriteBehind(tracer, file::forceIfOpen, bytes);
    return (part, partBytes, n) -> {
      publish.written(part, partBytes, n);
      writeBehind.written(n);
    };
  }

  /** {@code n} more bytes are in the temp file; flushes on this thread if they reach the mark. */
  void written(long n) {
    if (unflushed.addAndGet(n) < threshold || !flushing.compareAndSet(false, true)) {
      return;
    }
    long bytes = unflushed.getAndSet(0);
    try (Tracer.Span span = tracer.enter("flushAhead", "bytes", bytes).failUnlessOk()) {
      try {
        span.ok(flush.flush());
      } catch (IOException e) {
        // Remembered by the writer: moveTo's own force fails with it (see the class comment).
        span.fail(e);
      }
    } finally {
      flushing.set(false);
    }
  }
}
