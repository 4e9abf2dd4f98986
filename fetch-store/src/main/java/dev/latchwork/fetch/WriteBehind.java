package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flushes a store's temp file to storage while its download runs, so that the force {@link
 * FetchStore#moveTo} must do at the end finds little left to write: once {@code threshold} bytes
 * were written since the last flush began, a flush is run on the store's executor, so no fetch
 * thread ever waits for the disk. One flush runs at a time; bytes written during it are flushed
 * by the next one, which the flushing task starts itself if they reached the threshold meanwhile.
 *
 * <p>Progress guarantee: once {@code threshold} bytes have been counted by {@link #written}
 * calls, a flush that begins after the last of those calls runs (unless the file is closed first
 * or the executor refuses the task).
 *
 * <p>Advisory otherwise: a flush skipped because the file closed or the executor refused it, or
 * one that failed, changes no outcome by itself. A failed flush is not lost either: the temp
 * file's {@code PositionalWriter} remembers a failed fsync and fails every later force with it,
 * so {@code moveTo} refuses to publish bytes the kernel may have dropped (a retried fsync could
 * report success for them). Thread-safe.
 */
final class WriteBehind {
  /*
   * Implementation notes. `flushing` is owned by at most one task (the usual drain loop): a writer
   * whose count reaches the threshold schedules a task only if it wins the CAS from false. The
   * task takes the count (getAndSet 0) before its fsync begins, so every byte counted before that
   * was written before the fsync and is covered by it. When the fsync ends the task clears
   * `flushing` and then re-reads the count: a writer whose CAS failed did so before the clear, so
   * its addAndGet precedes the re-read, which sees its bytes (all are sequentially consistent
   * atomics); the task (or a writer that wins the CAS first) then flushes again. No crossing is
   * lost between the two. A task that finds the count already taken (a writer won the CAS between
   * the re-read and the task's own CAS, and flushed those bytes) skips its fsync.
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
  private final Executor executor;
  private final AtomicLong unflushed = new AtomicLong();
  private final AtomicBoolean flushing = new AtomicBoolean();

  /**
   * @param tracer traces every flush (a {@code flushAhead} span: a slow disk shows there)
   * @param flush forces the file
   * @param threshold bytes written between flushes
   * @param executor runs the flushes
   */
  WriteBehind(Tracer tracer, Flush flush, long threshold, Executor executor) {
    if (threshold <= 0) {
      throw new IllegalArgumentException("threshold must be positive: " + threshold);
    }
    this.tracer = tracer;
    this.flush = flush;
    this.threshold = threshold;
    this.executor = executor;
  }

  /**
   * Returns {@code publish} followed, for every write, by a write-behind count towards the next
   * flush of {@code file} every {@code bytes} bytes, run on {@code executor}; {@code publish}
   * alone if {@code bytes} is 0.
   */
  static PartFetcher.Written after(PartFetcher.Written publish, Tracer tracer, TempFile file,
      long bytes, Executor executor) {
    if (bytes == 0) {
      return publish;
    }
    WriteBehind writeBehind = new WriteBehind(tracer, file::forceIfOpen, bytes, executor);
    return (part, partBytes, n) -> {
      publish.written(part, partBytes, n);
      writeBehind.written(n);
    };
  }

  /** {@code n} more bytes are in the temp file; starts a flush if they reach the threshold. */
  void written(long n) {
    if (unflushed.addAndGet(n) >= threshold && flushing.compareAndSet(false, true)) {
      try {
        executor.execute(this::flushLoop);
      } catch (RejectedExecutionException e) {
        flushing.set(false); // the store is shutting down: nothing left to flush ahead
      }
    }
  }

  private void flushLoop() {
    do {
      try {
        flushOnce();
      } finally {
        flushing.set(false);
      }
    } while (unflushed.get() >= threshold && flushing.compareAndSet(false, true));
  }

  private void flushOnce() {
    long bytes = unflushed.getAndSet(0);
    if (bytes == 0) {
      // Another task took the count between this one's re-check and its CAS and flushes it: an
      // fsync here would find nothing of ours to write.
      return;
    }
    try (Tracer.Span span = tracer.enter("flushAhead", "bytes", bytes).failUnlessOk()) {
      try {
        span.ok(flush.flush());
      } catch (IOException e) {
        // Remembered by the writer: moveTo's own force fails with it (see the class comment).
        span.fail(e);
      }
    }
  }
}
