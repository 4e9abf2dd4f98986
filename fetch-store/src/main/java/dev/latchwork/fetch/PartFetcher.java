package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches one part of a store's object at a time into its temp file: each attempt opens a source
 * stream for the bytes not yet written, reads it with the read timeout and writes it to the
 * {@link TempFile}; the {@link RetryPolicy} decides whether a failed attempt is retried (after its
 * backoff), and the retry resumes after the bytes already written. A part that fails for good
 * fails the store through the {@code onFailure} callback. Thread-safe: any number of workers may
 * fetch different parts at once.
 *
 * <p>Every write of a part's bytes happens-before {@link #fetch(int, int[])} returns true for it. Once
 * {@code stopped} has opened and {@link #abortInFlight()} has run, no fetch writes again (a fetch
 * blocked in a source read is woken by its stream being closed) and no new retry starts.
 *
 * <p>Tracing: each part is one {@code fetchPart} operation. An attempt that fails and is retried
 * is logged as a {@code fetchPart RETRY} line (DEBUG, on the store's logger); the operation's EXIT
 * says {@code FAILED} only if the part was not fetched in the end.
 */
final class PartFetcher {
  /*
   * Implementation notes.
   *
   * Resume: reached[0] is the first byte of the part not yet in the temp file; it survives a failed
   * attempt, so that the retry asks the source only for the rest. A write to a closed temp file
   * throws ClosedStoreException, which no retry touches.
   *
   * Cancellation: a fetch registers its stream in inFlight and re-checks the stop flag after
   * registering, so the closer (which opens stopped first and then calls abortInFlight, closing
   * every registered stream) either sees the stream or the fetch sees the flag. Backoffs wait on
   * stopped, so a close cuts them short.
   *
   * Read timeout: every source read arms an alarm on the shared ReadTimer that closes the stream;
   * the flag timedOut tells a read that failed (or ended) because of the alarm from a genuine end
   * or failure, and turns it into a transient RangeSourceException, so the part is retried.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);
  private static final int COPY_BUFFER = 64 << 10;

  private final Tracer tracer;
  private final RangeSource source;
  private final RangeSource.ObjectInfo object;
  private final long size;
  private final long partSize;
  private final TempFile file;
  private final RetryPolicy retryPolicy;
  private final long readTimeoutNanos;
  private final RetryPolicy.Backoff backoff;
  private final BroadcastLatch stopped;
  private final Consumer<Throwable> onFailure;
  private final Runnable onRetry;
  private final Set<InputStream> inFlight = ConcurrentHashMap.newKeySet();
  /** Sees every run of bytes right after it was written (a checksum verifier), or null. */
  private volatile WriteObserver observer;

  /** Sees bytes right after they were written to the temp file at {@code position}. */
  @FunctionalInterface
  interface WriteObserver {
    void written(long position, byte[] bytes, int offset, int length);
  }

  /**
   * @param readTimeoutNanos the read timeout; {@code <= 0} waits forever
   * @param stopped opens when fetching must stop (the store closed or failed)
   * @param onFailure fails the store for good with its argument
   * @param onRetry called before each backoff, to count the retry
   */
  PartFetcher(Tracer tracer, RangeSource source, RangeSource.ObjectInfo object, long partSize,
      TempFile file, RetryPolicy retryPolicy, long readTimeoutNanos, RetryPolicy.Backoff backoff,
      BroadcastLatch stopped, Consumer<Throwable> onFailure, Runnable onRetry) {
    this.tracer = tracer;
    this.source = source;
    this.object = object;
    this.size = object.size();
    this.partSize = partSize;
    this.file = file;
    this.retryPolicy = retryPolicy;
    this.readTimeoutNanos = readTimeoutNanos;
    this.backoff = backoff;
    this.stopped = stopped;
    this.onFailure = onFailure;
    this.onRetry = onRetry;
  }

  /** Sets the observer of written bytes; before the first fetch. */
  void observe(WriteObserver observer) {
    this.observer = observer;
  }

  /**
   * Fetches part {@code p} into the temp file; returns false if it failed or was aborted. On
   * success {@code crcOut[0]} is the CRC32C of the part, computed as its bytes arrived.
   */
  boolean fetch(int p, int[] crcOut) {
    long start = (long) p * partSize;
    long end = Math.min(size, start + partSize);
    try (Tracer.Span span = tracer.enter("fetchPart", "part", p, "start", start).failUnlessOk()) {
      long[] reached = {start};
      byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, end - start)];
      CRC32C crc = new CRC32C(); // covers [start, reached[0]) across attempts
      try {
        retryPolicy.call(() -> copy(start, end, buffer, reached, crc), backoff, stopped,
            (attempt, failure, delay) -> retrying(p, attempt, reached[0], failure, delay));
        crcOut[0] = (int) crc.getValue();
        span.ok();
        return true;
      } catch (IOException e) {
        span.fail(e);
        if (e instanceof InterruptedIOException) {
          Thread.currentThread().interrupt();
        }
        if (!isStopped()) {
          onFailure.accept(RetryPolicy.isRetryable(e)
              ? new IOException("part " + p + " [" + start + ", " + end + ") of " + source
                  + " failed " + retryPolicy.maxAttempts() + " times; last failure: " + e, e)
              : e);
        }
        return false;
      }
    }
  }

  private void retrying(int p, int attempt, long at, IOException failure, Duration delay) {
    onRetry.run();
    if (LOG.isDebugEnabled()) {
      LOG.debug("[FetchStore #{}] fetchPart RETRY part={} attempt={} at={} in={} thread={}: {}",
          tracer.instance(), p, attempt, at, delay, Thread.currentThread().getName(),
          failure.toString());
    }
  }

  /** Closes every source stream being read, waking its fetch; call after opening stopped. */
  void abortInFlight() {
    for (InputStream in : inFlight) {
      closeQuietly(in);
    }
  }

  /**
   * Copies {@code [reached[0], end)} from a new stream of the source into the temp file, advancing
   * {@code reached[0]} after every write. A temp-file write failure is a TempFileException, a
   * closed store's a ClosedStoreException, anything else the source's.
   */
  private Void copy(long partStart, long end, byte[] buffer, long[] reached, CRC32C crc)
      throws IOException {
    long from = reached[0];
    InputStream in = source.open(object, from, end);
    inFlight.add(in);
    try {
      if (isStopped()) {
        throw new ClosedStoreException("fetch aborted: store closed");
      }
      AtomicBoolean timedOut = new AtomicBoolean();
      while (reached[0] < end) {
        long pos = reached[0];
        int n = readWithTimeout(in, buffer, (int) Math.min(buffer.length, end - pos), timedOut,
            pos);
        if (n < 0) {
          throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
              "short body: " + source + " ended the range [" + from + ", " + end + ") after "
                  + (pos - from) + " bytes (part starts at " + partStart + ")");
        }
        file.write(ByteBuffer.wrap(buffer, 0, n), pos);
        crc.update(buffer, 0, n);
        reached[0] = pos + n;
        WriteObserver o = observer;
        if (o != null) {
          o.written(pos, buffer, 0, n);
        }
      }
      return null;
    } finally {
      inFlight.remove(in);
      closeQuietly(in);
    }
  }

  /**
   * One read of a source stream, aborted (the stream closed from the timer thread) if it brings no
   * byte within the read timeout; an aborted read is a transient failure, so the part is retried
   * from the bytes already written.
   */
  private int readWithTimeout(InputStream in, byte[] buffer, int len, AtomicBoolean timedOut,
      long position) throws IOException {
    if (readTimeoutNanos <= 0) {
      return in.read(buffer, 0, len);
    }
    ScheduledFuture<?> alarm = ReadTimer.INSTANCE.schedule(() -> {
      timedOut.set(true);
      closeQuietly(in);
    }, readTimeoutNanos, TimeUnit.NANOSECONDS);
    try {
      int n = in.read(buffer, 0, len);
      if (n < 0 && timedOut.get()) {
        throw readTimedOut(position, null);
      }
      return n;
    } catch (IOException e) {
      if (timedOut.get() && !isStopped()) {
        throw readTimedOut(position, e);
      }
      throw e;
    } finally {
      alarm.cancel(false);
    }
  }

  private RangeSourceException readTimedOut(long position, IOException cause) {
    return new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
        "no data from " + source + " for " + Duration.ofNanos(readTimeoutNanos) + " at byte "
            + position + ": stream aborted", cause);
  }

  private void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("[FetchStore #{}] closing a source stream failed", tracer.instance(), e);
    }
  }

  private boolean isStopped() {
    return stopped.isOpen();
  }
}
