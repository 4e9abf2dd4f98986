package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import dev.latchwork.core.internal.FlightRecorderState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * blocked in a source read is woken by its stream being closed) and no new retry starts; a
 * fetcher that holds completions may still finish a part's last write, begun while the temp file
 * was open, and that part is then fetched (see {@link #fetch}).
 *
 * <p>Tracing: each part is one {@code fetchPart} operation. An attempt that fails and is retried
 * is logged as a {@code fetchPart RETRY} line (DEBUG, on the store's logger); the operation's EXIT
 * says {@code FAILED} only if the part was not fetched in the end. The operation ends (its EXIT
 * line is logged, it leaves {@link Tracer#inFlight()}, its JFR event ends) before its outcome is
 * published: before {@code fetch} returns true, and before {@code onFailure} fails the store, so
 * whoever sees the store fail because of the part also sees the part's whole trace.
 */
final class PartFetcher {
  /*
   * Implementation notes.
   *
   * Resume: Part.reached is the first byte of the part not yet in the temp file; it survives a
   * failed attempt, so that the retry asks the source only for the rest. A write to a closed temp
   * file throws ClosedStoreException, which no retry touches.
   *
   * Cancellation: a fetch registers its transfer in inFlight and re-checks the stop flag after
   * registering, so the closer (which opens stopped first and then calls abortInFlight, closing
   * every registered stream) either sees the stream or the fetch sees the flag. Backoffs wait on
   * stopped, so a close cuts them short.
   *
   * Held completions (a cache entry, whose file outlives the store): the write that ends a part
   * holds the temp file first (TempFile.hold) and writes held, and the hold passes to fetch()'s
   * caller, who records the completion and releases it. So a close either comes first (the hold
   * fails, nothing of that write lands: the part is not complete) or waits, in the file's drain,
   * until the completion is recorded: no interleaving leaves a part whose bytes are all written
   * unrecorded. Once its last byte is written the part is complete: a transfer that fails after
   * that (aborted by the close while it still reads, say) fails no part. The hold covers one
   * local write and the completion's local work, never a source read, so a close never waits
   * for the network.
   *
   * Delivery: each attempt asks the source for a RangeTransfer and hands it a Sink that writes at
   * the resume point only and publishes each write at once (Written: the part's watermark and the
   * store's progress), so readers are served inside a part. Network sources fill a direct buffer
   * the Sink takes from the process-wide DirectBufferPool on first use and gives back when the
   * attempt ends (a buffer cached per store would outlive the store while its caller keeps it);
   * file sources are copied file to file by the kernel, in chunks.
   *
   * Read timeout and minimum rate: one StreamWatchdog per attempt, checked by the shared
   * ReadTimer thread (not a task per read): when the transfer brings no byte for the timeout, or
   * fewer bytes per second than the store's minimum rate over its window, it is closed, and
   * expired() turns the resulting failure or early end into a transient RangeSourceException, so
   * the part is retried.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);
  /** Bytes per kernel copy from a file source: the granularity at which they are published. */
  private static final long FILE_CHUNK = 4 << 20;

  private final Tracer tracer;
  private final RangeSource source;
  private final RangeSource.ObjectInfo object;
  private final long size;
  private final long partSize;
  private final TempFile file;
  private final RetryPolicy retryPolicy;
  private final StreamWatchdog.Limits limits;
  private final Written onWritten;
  private final RetryPolicy.Backoff backoff;
  private final BroadcastLatch stopped;
  private final Consumer<Throwable> onFailure;
  private final Runnable onRetry;
  private final Set<RangeTransfer> inFlight = ConcurrentHashMap.newKeySet();
  /** Hold the temp file from each part's last write on, for the caller (see the notes). */
  private final boolean holdCompletions;
  /** Sees every run of bytes right after it was written (a checksum verifier), or null. */
  private volatile WriteObserver observer;
  /** Whether parts get a CRC32C (for a cache entry's journal or a CRC32C check; see fetch). */
  private volatile boolean partCrcs;

  /** Sees bytes right after they were written to the temp file at {@code position}. */
  @FunctionalInterface
  interface WriteObserver {
    /**
     * Sees one write.
     *
     * @param position the object offset of the first byte
     * @param bytes the bytes written (position to limit); the observer must not keep it
     */
    void written(long position, ByteBuffer bytes);
  }

  /** Told about every write, after the bytes are in the temp file. */
  @FunctionalInterface
  interface Written {
    /**
     * Publishes one write.
     *
     * @param part the part
     * @param partBytes the part's bytes now written, contiguously from its start
     * @param n the bytes this write added
     */
    void written(int part, long partBytes, long n);
  }

  /**
   * @param limits the limits of every attempt's stream (read timeout, minimum rate)
   * @param stopped opens when fetching must stop (the store closed or failed)
   * @param onFailure fails the store for good with its argument
   * @param onRetry called before each backoff, to count the retry
   * @param onWritten called after every write
   * @param holdCompletions hold the temp file from each part's last write on: {@link #fetch}
   *     returning true then hands the hold to the caller
   */
  PartFetcher(Tracer tracer, RangeSource source, RangeSource.ObjectInfo object, long partSize,
      TempFile file, RetryPolicy retryPolicy, StreamWatchdog.Limits limits,
      RetryPolicy.Backoff backoff, BroadcastLatch stopped, Consumer<Throwable> onFailure,
      Runnable onRetry, Written onWritten, boolean holdCompletions) {
    this.tracer = tracer;
    this.source = source;
    this.object = object;
    this.size = object.size();
    this.partSize = partSize;
    this.file = file;
    this.retryPolicy = retryPolicy;
    this.limits = limits;
    this.onWritten = onWritten;
    this.backoff = backoff;
    this.stopped = stopped;
    this.onFailure = onFailure;
    this.onRetry = onRetry;
    this.holdCompletions = holdCompletions;
  }

  /** Sets the observer of written bytes; before the first fetch. */
  void observe(WriteObserver observer) {
    this.observer = observer;
  }

  /**
   * Computes every part's CRC32C from now on; before the first fetch. Without it a fetch reports
   * no CRC, spends no CPU on one, and a kernel copy (file to file) never re-reads its bytes.
   */
  void computePartCrcs() {
    this.partCrcs = true;
  }

  /**
   * Fetches part {@code p} into the temp file; returns false if it failed or was aborted. On
   * success {@code crcOut[0]} is the CRC32C of the part, computed as its bytes arrived, if this
   * fetcher {@linkplain #computePartCrcs computes them} (0 otherwise), and, if
   * this fetcher holds completions, the temp file is {@linkplain TempFile#hold held} for the
   * caller, who must {@linkplain TempFile#release release} it once the completion is recorded;
   * on any other outcome nothing stays held. A part whose last write has begun is fetched, even
   * if the store closed meanwhile. The part's trace has ended (EXIT line, JFR event) before this
   * method returns or fails the store.
   */
  boolean fetch(int p, int[] crcOut) {
    long start = (long) p * partSize;
    Part part = new Part(p, start, Math.min(size, start + partSize));
    boolean fetched = false;
    try {
      IOException e = fetchTraced(part, crcOut);
      if (e == null) {
        fetched = true;
        return true;
      }
      if (e instanceof InterruptedIOException) {
        Thread.currentThread().interrupt();
      }
      if (!isStopped()) {
        onFailure.accept(RetryPolicy.isRetryable(e)
            ? new IOException("part " + p + " [" + start + ", " + part.end + ") of " + source
                + " failed " + retryPolicy.maxAttempts() + " times; last failure: " + e, e)
            : e);
      }
      return false;
    } finally {
      if (!fetched) {
        part.release(); // a bug thrown past the last write must not keep the file forever
      }
    }
  }

  /** One part's fetch across its attempts. */
  private final class Part {
    final int index;
    final long start;
    final long end;
    /** The first byte not yet in the temp file; survives a failed attempt. */
    long reached;
    /** Covers [start, reached). */
    final CRC32C crc = new CRC32C();
    /** The temp file is held for this part's completion (holdCompletions only). */
    boolean held;

    Part(int index, long start, long end) {
      this.index = index;
      this.start = start;
      this.end = end;
      this.reached = start;
    }

    /**
     * Holds the file for the write that ends the part, if completions are held (see the notes).
     *
     * @return whether the write must be done held
     * @throws ClosedStoreException if the file is closed: the write must not happen
     */
    boolean holdFor(long writeEnd) throws ClosedStoreException {
      if (!holdCompletions || writeEnd != end) {
        return false;
      }
      if (!held) {
        if (!file.hold()) {
          throw new ClosedStoreException("fetch aborted: store closed");
        }
        held = true;
      }
      return true;
    }

    /** Ends the hold unless the part is complete (a write that failed or fell short). */
    void releaseUnlessComplete() {
      if (reached != end) {
        release();
      }
    }

    void release() {
      if (held) {
        held = false;
        file.release();
      }
    }
  }

  /**
   * Runs the attempts of part {@code p} inside its {@code fetchPart} span and JFR event, and
   * returns null on success or the last attempt's failure, with both ended.
   */
  private IOException fetchTraced(Part part, int[] crcOut) {
    int p = part.index;
    int[] attempts = {1};
    boolean succeeded = false;
    PartFetchEvent event = FlightRecorderState.isInitialized() ? PartFetchEvent.begun() : null;
    try (Tracer.Span span =
        tracer.enter("fetchPart", "part", p, "start", part.start).failUnlessOk()) {
      try {
        retryPolicy.call(() -> copy(part), backoff, stopped,
            (attempt, failure, delay) -> {
              attempts[0] = attempt + 1;
              retrying(p, attempt, part.reached, failure, delay);
            });
        crcOut[0] = (int) part.crc.getValue();
        span.ok();
        succeeded = true;
        return null;
      } catch (IOException e) {
        span.fail(e);
        return e;
      }
    } finally {
      if (event != null) {
        PartFetchEvent.finish(event, tracer.instance(), p, part.reached - part.start,
            attempts[0], succeeded);
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

  /** Closes every source transfer in progress, waking its fetch; call after opening stopped. */
  void abortInFlight() {
    for (RangeTransfer t : inFlight) {
      closeQuietly(t);
    }
  }

  /**
   * Delivers {@code [part.reached, part.end)} from a new transfer of the source into the temp
   * file, advancing {@code part.reached} after every write. A temp-file write failure is a
   * TempFileException, a closed store's a ClosedStoreException, anything else the source's.
   */
  private Void copy(Part part) throws IOException {
    long from = part.reached;
    long end = part.end;
    RangeTransfer transfer = source.transfer(object, from, end);
    inFlight.add(transfer);
    Sink sink = new Sink(part);
    try (StreamWatchdog watchdog = StreamWatchdog.start(limits, () -> closeQuietly(transfer))) {
      if (isStopped()) {
        throw new ClosedStoreException("fetch aborted: store closed");
      }
      sink.watchdog = watchdog;
      try {
        transfer.deliverTo(sink);
      } catch (IOException e) {
        if (part.reached == end) {
          // Every byte of the part is written and in its CRC: a failure after that (a transfer
          // aborted by a close while it still reads, say) takes nothing away.
          LOG.debug("[FetchStore #{}] part {} complete; its transfer then failed",
              tracer.instance(), part.index, e);
          return null;
        }
        if (watchdog.expired() && !isStopped()) {
          throw timedOut(watchdog.reason(), part.reached, e);
        }
        throw e;
      }
      if (part.reached < end) {
        if (watchdog.expired() && !isStopped()) {
          throw timedOut(watchdog.reason(), part.reached, null);
        }
        throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
            "short body: " + source + " ended the range [" + from + ", " + end + ") after "
                + (part.reached - from) + " bytes (part starts at " + part.start + ")");
      }
      return null;
    } finally {
      inFlight.remove(transfer);
      closeQuietly(transfer);
      sink.releaseBuffer();
    }
  }

  private RangeSourceException timedOut(String reason, long position, IOException cause) {
    return new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
        source + ": " + reason + " at byte " + position + ": stream aborted", cause);
  }

  private void closeQuietly(RangeTransfer transfer) {
    try {
      transfer.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("[FetchStore #{}] closing a source transfer failed", tracer.instance(), e);
    }
  }

  /**
   * The sink of one attempt: writes at the resume point only, then publishes the bytes (the
   * part's watermark, the store's progress) and feeds the watchdog.
   */
  private final class Sink implements RangeSink {
    private final Part part;
    private StreamWatchdog watchdog;
    /** Taken from the shared pool on first use (a kernel copy only to re-read for checksums). */
    private ByteBuffer buffer;

    Sink(Part part) {
      this.part = part;
    }

    private ByteBuffer leased() {
      if (buffer == null) {
        buffer = DirectBufferPool.SHARED.acquire();
      }
      return buffer.clear();
    }

    /** Gives the buffer back to the pool once the attempt is over; idempotent. */
    void releaseBuffer() {
      ByteBuffer b = buffer;
      if (b != null) {
        buffer = null;
        DirectBufferPool.SHARED.release(b);
      }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      int n = src.remaining();
      check(position, n);
      if (n == 0) {
        return;
      }
      ByteBuffer written = src.duplicate();
      boolean held = part.holdFor(position + n);
      try {
        file.write(src, position, held);
        written.limit(written.position() + n);
        seen(position, written);
        landed(position, n);
      } finally {
        part.releaseUnlessComplete();
      }
    }

    /** Feeds the part's CRC32C and the observer with bytes just written, without a re-read. */
    private void seen(long position, ByteBuffer bytes) {
      if (partCrcs) {
        part.crc.update(bytes.duplicate());
      }
      WriteObserver o = observer;
      if (o != null) {
        o.written(position, bytes);
      }
    }

    /**
     * Reads back bytes the kernel copied file to file (they never passed through this process)
     * and feeds them to {@link #seen}, if parts get a CRC32C: local copies then pay one page-cache
     * read for it. Otherwise nothing is read; an observer digesting the object reads what it
     * missed from the file itself (ChecksumVerifier drains the present prefix), once either way.
     */
    private void seenAfterCopy(long position, long n, boolean held) throws IOException {
      if (!partCrcs) {
        return;
      }
      for (long done = 0; done < n; ) {
        ByteBuffer b = leased();
        int len = (int) Math.min(b.capacity(), n - done);
        int got = held ? file.readHeld(b, position + done, len, null)
            : file.read(b, position + done, len, null);
        if (got <= 0) {
          throw new IOException("temp file " + file + " is shorter than the bytes copied into it");
        }
        b.flip();
        seen(position + done, b);
        done += got;
      }
    }

    private void check(long position, long n) throws RangeSourceException {
      if (position != part.reached || n > part.end - position) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT, source
            + " delivered [" + position + ", " + (position + n) + ") where [" + part.reached
            + ", " + part.end + ") was expected");
      }
    }

    private void landed(long position, long n) {
      part.reached = position + n;
      watchdog.progress(n);
      onWritten.written(part.index, part.reached - part.start, n);
    }

    @Override
    public long transferFrom(FileChannel channel, long channelPosition, long count,
        long position) throws IOException {
      // The kernel copies file to file in chunks; every chunk is published as it lands.
      long copied = 0;
      while (copied < count) {
        long at = position + copied;
        long chunk = Math.min(FILE_CHUNK, count - copied);
        check(at, chunk);
        boolean held = part.holdFor(at + chunk);
        try {
          long n = file.transferFrom(channel, channelPosition + copied, chunk, at, held);
          if (n <= 0) {
            break; // the source file ended
          }
          seenAfterCopy(at, n, held);
          landed(at, n);
          copied += n;
        } finally {
          part.releaseUnlessComplete();
        }
      }
      return copied;
    }

    @Override
    public ByteBuffer buffer() {
      return leased();
    }
  }

  private boolean isStopped() {
    return stopped.isOpen();
  }
}
