package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.PositionalWriter;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A temp-file store that downloads an object from a {@link RangeSource} in parts, in parallel,
 * while any number of threads read it at random positions: each read waits only for the parts
 * that hold its own bytes, and a part that a reader waits for is fetched next.
 *
 * <pre>{@code
 * try (FetchStore store = FetchStore.builder(HttpRangeSource.of(uri)).open()) {
 *   ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
 *   int n = store.read(buf, 1 << 30);      // waits for the part holding offset 1 GiB only
 *   store.awaitComplete();
 *   store.moveTo(Path.of("object.bin"));   // keep the whole download
 * }
 * }</pre>
 *
 * <h2>Reading</h2>
 * {@link #read(ByteBuffer, long)} returns as soon as the bytes {@code [position, position +
 * dst.remaining())} (clipped to the object) are in the temp file; it reads them with no lock held
 * and returns their number, which is short only at the end of the object, or {@code -1} at or past
 * the end. Reads never block each other and never block fetching. {@link #newInputStream(long)}
 * and {@link #newChannel()} are stream and channel views.
 *
 * <h2>Memory consistency effects</h2>
 * The fetch thread's writes of a part's bytes to the temp file happen-before every {@code read}
 * that returns any of those bytes (the part's latch is opened, and the present-range set
 * published, after the last write). Completion of the last part happens-before {@link
 * #awaitComplete()} returns. Actions of a thread before {@link #close()} (or before the failure of
 * a fetch) happen-before every operation that throws {@link ClosedStoreException} (or the failure)
 * because of it. Reads in progress when the store closes happen-before the temp file is deleted.
 *
 * <h2>Progress</h2>
 * Reads are lock-free with respect to each other and to fetching: a read that finds its bytes
 * present takes no lock and does not wait; a read that waits is woken by the completion,
 * failure or close that concerns it, whatever the interleaving (no wake-up can be lost). Waits are
 * interruptible, and timed forms exist for {@code read} and {@code awaitComplete}.
 *
 * <h2>Failure</h2>
 * A part whose fetch fails transiently (including a source stream that brings no byte within the
 * {@linkplain Builder#readTimeout read timeout}) is retried per the {@link RetryPolicy}, resuming
 * after the bytes already received. When a part fails for good (attempts exhausted, a {@link
 * RangeSourceException} that is not retryable, the temp file cannot be written), the store fails:
 * every waiting and every later read, {@code awaitComplete} and {@code moveTo} throws an {@code
 * IOException} whose cause is that failure, fetching stops, and the temp file stays until {@link
 * #close()}.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent and returns without waiting for I/O: it aborts fetches in flight
 * (closing their streams, not draining them), makes every waiting and later operation throw
 * {@link ClosedStoreException}, lets reads already copying from the temp file finish, and the
 * last of those reads (or fetch writes) to leave deletes the temp file, so the file may outlive
 * {@code close()} by one in-progress read or write. The temp file is never left behind.
 *
 * <h2>Progress listener</h2>
 * A listener set with {@link Builder#listener} is called with fresh {@link FetchProgress}
 * snapshots on a task of the store's executor (one call at a time, never on a thread that is
 * fetching a part); notifications coalesce while it runs, so a slow listener delays only its own
 * later calls and a throwing listener is logged and called again on the next change.
 *
 * <p>Every public operation that can block or changes state ({@code open}, {@code read},
 * {@code awaitComplete}, {@code moveTo}, {@code close}, the view factories) and every part fetch
 * is traced with {@link Tracer} (component {@code FetchStore}, this store's instance number, the
 * calling thread), so a stuck read shows in {@link Tracer#inFlight()} and the {@link
 * dev.latchwork.core.StallWatchdog}. Logs and messages name the source by its {@code toString()},
 * which for {@link HttpRangeSource} never contains credentials.
 */
public final class FetchStore implements Closeable {
  /*
   * Implementation notes.
   *
   * Parts: part p is [p * partSize, min(size, (p + 1) * partSize)). parts[p] is a one-shot latch
   * opened after the last byte of p was written to the temp file; it is failed with the store's
   * failure or with a ClosedStoreException. The scheduler hands each part to exactly one worker;
   * the worker loops are min(parallelism, partCount) tasks on the executor, each claiming parts
   * until none is left. A reader demands the unopened parts it needs (in reverse, so that its
   * first part ends at the front of the urgent queue) and then awaits their latches in order: a
   * latch cannot miss an open, so the check-then-wait race that lost wake-ups is gone by
   * construction.
   *
   * Presence: presentRanges is an immutable IntervalSet replaced by CAS when a part completes,
   * before its latch opens; a reader whose range is already in it skips the latches. bytesPresent
   * is the ProgressNotifier over the same total that awaitComplete waits on.
   *
   * Lifetime: every touch of the temp file (a reader's file read, a worker's write, moveTo's
   * force) is bracketed by file.enter()/leave(); TempFileLifetime closes and deletes or moves the
   * file once the store is closed and the last of them has left. close() and moveTo() race to claim
   * the disposition; the winner shuts everything down (shutDown), so nothing enters afterwards.
   *
   * Fetching a part (attempts, resume, backoff, read timeout) is PartFetcher's; a worker claims a
   * part, has the fetcher fetch it and publishes it (completePart).
   *
   * Cancellation: close() and fail() open stopped first and then have the fetcher close every
   * registered source stream (PartFetcher explains why no fetch is missed). An owned executor is
   * also shut down with interrupts.
   */

  /** Default part size: 8 MiB. */
  public static final long DEFAULT_PART_SIZE = 8L << 20;
  /** Default number of parts fetched at once. */
  public static final int DEFAULT_PARALLELISM = 4;
  /** Default read timeout of source streams: 60 seconds. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);

  private final Tracer tracer;
  private final RangeSource source;
  private final long size;
  private final long partSize;
  private final int partCount;
  private final TempFileLifetime file;
  private final PartScheduler scheduler;
  private final BroadcastLatch[] parts;
  private final ProgressNotifier bytesPresent = new ProgressNotifier();
  private final AtomicReference<IntervalSet> presentRanges =
      new AtomicReference<>(IntervalSet.EMPTY);
  private final AtomicInteger partsDone = new AtomicInteger();
  private final AtomicInteger partsInFlight = new AtomicInteger();
  private final AtomicLong retries = new AtomicLong();
  private final PartFetcher fetcher;
  private final int parallelism;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final ProgressDispatcher dispatcher;

  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  /** Opens when fetching must stop (closed or failed); cuts backoffs short. */
  private final BroadcastLatch stopped = new BroadcastLatch();
  /** Test seam: run by a reader that holds its reference to the temp file, just before reading. */
  volatile Runnable insideReadHook;

  private FetchStore(Builder b, Tracer tracer, RangeSource.ObjectInfo object, Path tempFile,
      PositionalWriter writer) {
    this.tracer = tracer;
    this.source = b.source;
    this.size = object.size();
    this.partSize = b.partSize;
    this.partCount = partCount(size, partSize);
    this.file = new TempFileLifetime(tracer.instance(), tempFile, writer);
    this.scheduler = new PartScheduler(partCount);
    this.parts = new BroadcastLatch[partCount];
    for (int i = 0; i < partCount; i++) {
      parts[i] = new BroadcastLatch();
    }
    this.fetcher = new PartFetcher(tracer, b.source, object, partSize, file, b.retryPolicy,
        saturatedNanos(b.readTimeout), b.backoff, stopped, this::fail, this::retrying);
    this.parallelism = b.parallelism;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = newOwnedExecutor(tracer.instance(), b.parallelism + 1);
      this.executor = ownedExecutor;
    }
    this.dispatcher = b.listener == null
        ? null : new ProgressDispatcher(this::progress, b.listener, executor);
  }

  /**
   * Returns a builder for a store over {@code source}.
   *
   * @param source where the object's bytes come from
   * @return a builder with the default settings
   * @throws NullPointerException if {@code source} is null
   */
  public static Builder builder(RangeSource source) {
    return new Builder(Objects.requireNonNull(source, "source"));
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads bytes at {@code position} into {@code dst}, waiting as long as it takes for them to be
   * downloaded.
   *
   * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
   * @param position the object offset of the first byte, {@code >= 0}
   * @return the number of bytes read, short only at the end of the object; {@code -1} if {@code
   *     position >= size()}
   * @throws NullPointerException if {@code dst} is null
   * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure) or the temp file cannot
   *     be read
   * @throws InterruptedException if interrupted while waiting
   */
  public int read(ByteBuffer dst, long position) throws IOException, InterruptedException {
    try {
      return read0(dst, position, -1);
    } catch (TimeoutException impossible) {
      throw new AssertionError("untimed read timed out", impossible);
    }
  }

  /**
   * Reads bytes at {@code position} into {@code dst}, waiting at most {@code timeout} for them to be
   * downloaded; as {@link #read(ByteBuffer, long)} otherwise. A read that times out leaves nothing
   * behind, but the parts it asked for stay first in the fetch order.
   *
   * @param dst the buffer to fill from its position
   * @param position the object offset of the first byte to read, {@code >= 0}
   * @param timeout how long to wait at most for the bytes
   * @return the number of bytes read, or -1 if {@code position} is at or past the end
   * @throws TimeoutException if the bytes are not present within {@code timeout}
   * @throws NullPointerException if {@code dst} or {@code timeout} is null
   * @throws IOException as {@link #read(ByteBuffer, long)}
   * @throws InterruptedException if interrupted while waiting
   */
  public int read(ByteBuffer dst, long position, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout");
    return read0(dst, position, Math.max(0, saturatedNanos(timeout)));
  }

  private int read0(ByteBuffer dst, long position, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    Objects.requireNonNull(dst, "dst");
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative: " + position);
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("dst is a read-only buffer");
    }
    try (Tracer.Span span = tracer.enter("readAt", "pos", position, "len", dst.remaining())) {
      try {
        return readTraced(dst, position, timeoutNanos);
      } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  private int readTraced(ByteBuffer dst, long position, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    ensureUsable("read");
    if (position >= size) {
      return -1;
    }
    int len = (int) Math.min(dst.remaining(), size - position);
    if (len == 0) {
      return 0;
    }
    long end = position + len;
    if (!presentRanges.get().contains(position, end)) {
      awaitRange(position, end, timeoutNanos);
    }
    if (!file.enter()) {
      throw new ClosedStoreException("read at " + position + ": store closed");
    }
    try {
      Runnable hook = insideReadHook;
      if (hook != null) {
        hook.run();
      }
      return readFile(dst, position, len);
    } finally {
      file.leave();
    }
  }

  private void awaitRange(long start, long end, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    int first = partOf(start);
    int last = partOf(end - 1);
    // Demand in reverse so that the first needed part ends up at the front of the queue.
    for (int p = last; p >= first; p--) {
      if (!parts[p].isOpen() && scheduler.demand(p)) {
        LOG.debug("[FetchStore #{}] part {} moved to the front for a reader", tracer.instance(), p);
      }
    }
    long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
    for (int p = first; p <= last; p++) {
      try {
        if (timeoutNanos < 0) {
          parts[p].await();
        } else if (!parts[p].await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          throw new TimeoutException("bytes [" + start + ", " + end + ") of " + source
              + " not present within " + Duration.ofNanos(timeoutNanos));
        }
      } catch (SignalFailedException e) {
        throw waitFailed("read at " + start, e.getCause());
      }
    }
  }

  private int readFile(ByteBuffer dst, long position, int len) throws IOException {
    int oldLimit = dst.limit();
    dst.limit(dst.position() + len);
    int total = 0;
    try {
      while (total < len) {
        int n = file.writer().read(dst, position + total);
        if (n < 0) {
          throw new IOException("temp file " + file.tempFile() + " ended at "
              + (position + total) + ", before the present range ending at " + (position + len));
        }
        total += n;
      }
      return total;
    } finally {
      dst.limit(oldLimit);
    }
  }

  /**
   * Returns an input stream reading the object from {@code position} on. The stream waits for
   * bytes as {@link #read(ByteBuffer, long)} does (an interrupt surfaces as {@link
   * InterruptedIOException} with the interrupt status kept); closing it does not close the store.
   * It is not safe for concurrent use.
   *
   * @param position the object offset the stream starts at, {@code >= 0}
   * @return a new stream over the object from {@code position}
   * @throws IllegalArgumentException if {@code position} is negative
   * @throws ClosedStoreException if the store is closed
   */
  public InputStream newInputStream(long position) throws ClosedStoreException {
    try (Tracer.Span span = tracer.enter("newInputStream", "pos", position)) {
      if (position < 0) {
        throw new IllegalArgumentException("position must not be negative: " + position);
      }
      if (file.isDisposed()) {
        ClosedStoreException e = new ClosedStoreException("newInputStream: store closed");
        span.fail(e);
        throw e;
      }
      return new StoreInputStream(this, position);
    }
  }

  /**
   * Returns a read-only channel over the object, positioned at 0. Reads wait for bytes as {@link
   * #read(ByteBuffer, long)} does; {@code write} and {@code truncate} throw {@link
   * java.nio.channels.NonWritableChannelException}; closing it does not close the store. Its
   * position is not synchronized: use one channel per thread (they are cheap) or the positional
   * {@code read}.
   *
   * @return a new read-only channel over the object
   * @throws ClosedStoreException if the store is closed
   */
  public SeekableByteChannel newChannel() throws ClosedStoreException {
    try (Tracer.Span span = tracer.enter("newChannel")) {
      if (file.isDisposed()) {
        ClosedStoreException e = new ClosedStoreException("newChannel: store closed");
        span.fail(e);
        throw e;
      }
      return new StoreChannel(this);
    }
  }

  /**
   * Returns the object's size in bytes, as the source described it.
   *
   * @return the object's size in bytes
   */
  public long size() {
    return size;
  }

  /** Returns the end of the run of present bytes starting at {@code position} (for views). */
  long presentUntil(long position) {
    return presentRanges.get().contiguousEnd(position);
  }

  /**
   * Returns a snapshot of the download's progress; never blocks.
   *
   * @return the current progress
   */
  public FetchProgress progress() {
    return new FetchProgress(bytesPresent.get(), size, partsDone.get(), partsInFlight.get(),
        retries.get());
  }

  // ---------------------------------------------------------------------------------------------
  // Whole download

  /**
   * Waits until every byte of the object is present.
   *
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure)
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitComplete() throws IOException, InterruptedException {
    try (Tracer.Span span = tracer.enter("awaitComplete")) {
      awaitComplete0(span, null);
    }
  }

  /**
   * Waits at most {@code timeout} until every byte of the object is present.
   *
   * @param timeout how long to wait at most
   * @return true if the download is complete, false if the timeout elapsed first
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure)
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    try (Tracer.Span span = tracer.enter("awaitComplete", "timeout", timeout)) {
      return awaitComplete0(span, timeout.isNegative() ? Duration.ZERO : timeout);
    }
  }

  /** The body of both awaitComplete forms; {@code timeout} null waits forever. */
  private boolean awaitComplete0(Tracer.Span span, Duration timeout)
      throws IOException, InterruptedException {
    try {
      ensureUsable("awaitComplete");
      if (timeout == null) {
        bytesPresent.awaitAtLeast(size);
      } else {
        bytesPresent.awaitAtLeast(size, timeout);
      }
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (SignalFailedException e) {
      IOException io = waitFailed("awaitComplete", e.getCause());
      span.fail(io);
      throw io;
    } catch (IOException | InterruptedException | RuntimeException e) {
      span.fail(e);
      throw e;
    }
  }

  /**
   * Keeps the completed download as the file {@code target}, atomically, and closes the store.
   *
   * <p>The temp file is flushed to disk and renamed to {@code target} (replacing an existing file,
   * as {@code rename(2)} does); when the temp directory is on another file system it is first
   * copied next to {@code target} and that copy renamed, so {@code target} never holds a partial
   * file. The file keeps the temp file's owner-only permissions. The rename happens once reads in
   * progress have left the file, and this method waits for it. Afterwards the store is closed:
   * every operation throws {@link ClosedStoreException}. If the move fails the store is closed all
   * the same and the temp file is deleted.
   *
   * @param target the path the downloaded file gets
   * @throws IllegalStateException if the download is not complete (see {@link #awaitComplete()})
   * @throws ClosedStoreException if the store is already closed
   * @throws IOException if the download failed, or the file cannot be flushed or moved
   * @throws InterruptedException if interrupted while waiting for reads to leave (the move still
   *     happens)
   */
  public void moveTo(Path target) throws IOException, InterruptedException {
    Objects.requireNonNull(target, "target");
    try (Tracer.Span span = tracer.enter("moveTo", "target", target)) {
      try {
        moveTo0(target);
      } catch (IOException | InterruptedException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  private void moveTo0(Path target) throws IOException, InterruptedException {
    ensureUsable("moveTo");
    if (bytesPresent.get() != size) {
      throw new IllegalStateException("moveTo: download incomplete, " + bytesPresent.get()
          + " of " + size + " bytes present");
    }
    if (!file.enter()) {
      throw new ClosedStoreException("moveTo: store closed");
    }
    try {
      file.writer().force(true);
    } finally {
      file.leave();
    }
    if (!file.disposeByMovingTo(target)) {
      throw new ClosedStoreException("moveTo: store closed");
    }
    shutDown(new ClosedStoreException("store closed: moved to " + target));
    try {
      file.terminated().await();
    } catch (SignalFailedException e) {
      throw new IOException("moving " + file.tempFile() + " to " + target + " failed",
          e.getCause());
    }
  }

  /**
   * Closes the store: stops fetching, wakes every waiting operation with {@link
   * ClosedStoreException}, and deletes the temp file once reads in progress have left it. Returns
   * without waiting for I/O. Calling it again has no effect.
   */
  @Override
  public void close() {
    Tracer.Span span = tracer.enter("close");
    try {
      if (file.disposeByDeleting()) {
        shutDown(new ClosedStoreException("store closed"));
      }
    } finally {
      span.close();
    }
  }

  /** Returns the latch that opens once the temp file is gone (for tests and harnesses). */
  BroadcastLatch terminated() {
    return file.terminated();
  }

  /** Returns the temp file (for tests). */
  Path tempFile() {
    return file.tempFile();
  }

  /** Returns the executor the store created, or null if one was supplied (for tests). */
  ExecutorService ownedExecutor() {
    return ownedExecutor;
  }

  /** Shuts the store down for the close or move that claimed the temp file. */
  private void shutDown(ClosedStoreException reason) {
    file.shutOut(() -> {
      stopEverything(reason);
      if (ownedExecutor != null) {
        ownedExecutor.shutdownNow();
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Fetching

  private void start() {
    if (partCount == 0) {
      bytesPresent.complete();
      return;
    }
    int workers = Math.min(parallelism, partCount);
    for (int i = 0; i < workers; i++) {
      executor.execute(this::workerLoop);
    }
  }

  private void workerLoop() {
    try {
      while (!isStopped()) {
        int p = scheduler.claim();
        if (p < 0) {
          return;
        }
        partsInFlight.incrementAndGet();
        signalProgress();
        boolean fetched = false;
        try {
          fetched = fetcher.fetch(p);
        } finally {
          if (!fetched) {
            partsInFlight.decrementAndGet();
            signalProgress();
          }
        }
        if (fetched) {
          completePart(p);
        }
      }
    } catch (RuntimeException e) {
      // A broken source or a bug: the store fails (and logs it) instead of hanging its readers.
      fail(e);
    } catch (Error e) {
      fail(e);
      throw e;
    }
  }

  /**
   * Publishes a written part. The counters are updated before the bytes become present, so that
   * a snapshot (or awaitComplete) that sees all bytes present also sees the final counts; the
   * notifier completes on the add that reaches the size, whichever part that is.
   */
  private void completePart(int p) {
    long start = (long) p * partSize;
    long end = Math.min(size, start + partSize);
    partsInFlight.decrementAndGet();
    partsDone.incrementAndGet();
    presentRanges.updateAndGet(s -> s.add(start, end));
    parts[p].open();
    try {
      if (bytesPresent.add(end - start) == size) {
        bytesPresent.complete();
      }
    } catch (IllegalStateException e) {
      // The notifier is terminal: the store was closed or failed meanwhile; nobody waits on it.
      if (!isStopped()) {
        throw e;
      }
    }
    signalProgress();
  }

  /** Fails the store for good: wakes every waiter with the cause, stops every fetch. */
  private void fail(Throwable cause) {
    if (file.isDisposed() || !failure.compareAndSet(null, cause)) {
      return;
    }
    LOG.warn("[FetchStore #{}] download of {} failed", tracer.instance(), source, cause);
    stopEverything(cause);
    signalProgress();
  }

  /**
   * Stops fetching and wakes every waiter with {@code cause}, for both close and failure: stopped
   * opens first, so a fetch that registers its stream afterwards sees it (see PartFetcher).
   */
  private void stopEverything(Throwable cause) {
    stopped.open();
    for (BroadcastLatch part : parts) {
      part.fail(cause);
    }
    bytesPresent.fail(cause);
    fetcher.abortInFlight();
  }

  /** Counts a retry of a part (PartFetcher's callback). */
  private void retrying() {
    retries.incrementAndGet();
    signalProgress();
  }

  private boolean isStopped() {
    return stopped.isOpen();
  }

  private void signalProgress() {
    if (dispatcher != null) {
      dispatcher.signal();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private void ensureUsable(String operation) throws IOException {
    if (file.isDisposed()) {
      throw new ClosedStoreException(operation + ": store closed");
    }
    Throwable cause = failure.get();
    if (cause != null) {
      throw failed(operation, cause);
    }
  }

  private IOException waitFailed(String operation, Throwable cause) {
    if (cause instanceof ClosedStoreException) {
      return new ClosedStoreException(operation + ": " + cause.getMessage());
    }
    return failed(operation, cause);
  }

  private IOException failed(String operation, Throwable cause) {
    return new IOException(operation + ": download of " + source + " failed: " + cause, cause);
  }

  private int partOf(long position) {
    return (int) (position / partSize);
  }

  private static int partCount(long size, long partSize) {
    long count = (size + partSize - 1) / partSize;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("part size " + partSize + " is too small for an object of "
          + size + " bytes (more than " + Integer.MAX_VALUE + " parts)");
    }
    return (int) count;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static ExecutorService newOwnedExecutor(int store, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "latchwork-fetch-" + store + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), factory);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  @Override
  public String toString() {
    return "FetchStore#" + tracer.instance() + "[" + source + ", " + size + " bytes, present "
        + presentRanges.get() + (failure.get() != null ? ", failed" : "")
        + (file.isDisposed() ? ", closed" : "") + "]";
  }

  /** How a worker waits before a retry; tests substitute one that records and returns. */
  @FunctionalInterface
  interface Backoff {
    /** Waits {@code delay} or until {@code stop} opens, whichever comes first. */
    void pause(Duration delay, BroadcastLatch stop) throws InterruptedException;

    Backoff REAL = (delay, stop) -> {
      boolean opened = stop.await(delay);
      if (opened) {
        LOG.trace("backoff cut short: store stopping");
      }
    };
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Configures and opens a {@link FetchStore}. Not thread-safe; {@link #open()} may be called more
   * than once, each call opening a new store.
   */
  public static final class Builder {
    private final RangeSource source;
    private Path tempDirectory;
    private long partSize = DEFAULT_PART_SIZE;
    private int parallelism = DEFAULT_PARALLELISM;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Executor executor;
    private Consumer<? super FetchProgress> listener;
    private Backoff backoff = Backoff.REAL;

    private Builder(RangeSource source) {
      this.source = source;
    }

    /**
     * Directory of the temp file; default {@code java.io.tmpdir}.
     *
     * @param directory an existing directory
     * @return this builder
     */
    public Builder tempDirectory(Path directory) {
      this.tempDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Bytes per part (one range request each); default 8 MiB.
     *
     * @param bytes bytes per part
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public Builder partSize(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("partSize must be positive: " + bytes);
      }
      this.partSize = bytes;
      return this;
    }

    /**
     * Parts fetched at once; default 4.
     *
     * @param parts how many parts are fetched at once
     * @return this builder
     * @throws IllegalArgumentException if {@code parts <= 0}
     */
    public Builder parallelism(int parts) {
      if (parts <= 0) {
        throw new IllegalArgumentException("parallelism must be positive: " + parts);
      }
      this.parallelism = parts;
      return this;
    }

    /**
     * How transient failures are retried; default {@link RetryPolicy#DEFAULT}.
     *
     * @param policy the retry policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * How long a fetch may wait for the next bytes of a source stream (the response headers
     * included) before it aborts the stream and retries the part from the bytes already received,
     * as a transient failure; default 60 seconds; {@link Duration#ZERO} waits forever. Without it a
     * server that stalls mid-body would hold a part, and every reader of it, until {@code close()}.
     *
     * @param timeout the longest wait for the next bytes, or {@link Duration#ZERO} for no limit
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Builder readTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("readTimeout must not be negative: " + timeout);
      }
      this.readTimeout = timeout;
      return this;
    }

    /**
     * Executor running the fetches (up to {@code parallelism} long-running tasks) and the
     * listener's deliveries; it is not shut down by the store. Default: the store's own daemon
     * threads, named {@code latchwork-fetch-<store>-<n>}, shut down on close.
     *
     * @param executor runs the fetches and listener deliveries
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Progress listener, called as described in {@link FetchStore}.
     *
     * @param listener receives progress snapshots
     * @return this builder
     */
    public Builder listener(Consumer<? super FetchProgress> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Test seam: how workers wait before a retry. */
    Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * Describes the source (retrying transient failures per the retry policy), creates the temp
     * file and starts fetching.
     *
     * @return the open store, fetching in the background
     * @throws IOException if the source cannot be described or the temp file cannot be created;
     *     nothing is left behind
     * @throws IllegalArgumentException if the part size is too small for the object
     * @throws RejectedExecutionException if the supplied executor refuses the fetch tasks (the
     *     store is closed again)
     */
    public FetchStore open() throws IOException {
      Tracer tracer = Tracer.forInstance(FetchStore.class);
      try (Tracer.Span span = tracer.enter("open", "source", source)) {
        try {
          return open0(tracer);
        } catch (IOException | RuntimeException e) {
          span.fail(e);
          throw e;
        }
      }
    }

    private FetchStore open0(Tracer tracer) throws IOException {
      RangeSource.ObjectInfo object = describe(tracer);
      if (object == null) {
        throw new IllegalStateException(source + " described no object (null)");
      }
      partCount(object.size(), partSize);
      Path dir = tempDirectory != null
          ? tempDirectory : Paths.get(System.getProperty("java.io.tmpdir"));
      Path temp = createTempFile(dir);
      FetchStore store;
      try {
        if (object.size() > 0) {
          // Size the (sparse) file to the object: one byte at the end, overwritten by the last part.
          try (FileChannel file = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.allocate(1), object.size() - 1);
          }
        }
        PositionalWriter writer =
            PositionalWriter.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
          store = new FetchStore(this, tracer, object, temp, writer);
        } catch (RuntimeException | Error e) {
          writer.close();
          throw e;
        }
      } catch (IOException | RuntimeException | Error e) {
        Files.deleteIfExists(temp);
        throw e;
      }
      try {
        store.start();
      } catch (RuntimeException | Error e) {
        store.close();
        throw e;
      }
      return store;
    }

    /** Describes the source, retrying transient failures as the retry policy says. */
    private RangeSource.ObjectInfo describe(Tracer tracer) throws IOException {
      BroadcastLatch never = new BroadcastLatch();
      for (int attempt = 1; ; attempt++) {
        try {
          return source.describe();
        } catch (RangeSourceException e) {
          if (!e.isRetryable() || attempt >= retryPolicy.maxAttempts()) {
            throw e;
          }
          pauseBeforeRetry(tracer, attempt, e, never);
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          if (attempt >= retryPolicy.maxAttempts()) {
            throw e;
          }
          pauseBeforeRetry(tracer, attempt, e, never);
        }
      }
    }

    private void pauseBeforeRetry(Tracer tracer, int attempt, IOException failure,
        BroadcastLatch never) throws InterruptedIOException {
      Duration delay = retryPolicy.backoff(attempt, ThreadLocalRandom.current().nextDouble());
      LOG.debug("[FetchStore #{}] describing {} failed (attempt {}), retrying in {}: {}",
          tracer.instance(), source, attempt, delay, failure.toString());
      try {
        backoff.pause(delay, never);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException io =
            new InterruptedIOException("open: interrupted while retrying describe");
        io.initCause(failure);
        throw io;
      }
    }

    private static Path createTempFile(Path dir) throws IOException {
      if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        return Files.createTempFile(dir, "latchwork-fetch-", ".part",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      return Files.createTempFile(dir, "latchwork-fetch-", ".part");
    }
  }
}
