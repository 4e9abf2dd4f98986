package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

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
 * {@code close()} by one in-progress read or write. The temp file is never left behind, with one
 * exception that keeps the only complete copy of a download: see {@link #moveTo}.
 *
 * <h2>Progress listener</h2>
 * A listener set with {@link Builder#listener} is called with fresh {@link FetchProgress}
 * snapshots on a task of the store's executor (one call at a time); notifications coalesce while it
 * runs, so a slow listener delays only its own later calls and a throwing listener is logged and
 * called again on the next change. The last progress is always delivered: if the executor refuses
 * the task (a full or shut-down executor, or the store's own once closed), the thread that changed
 * the progress (a fetch thread, or the closing thread) calls the listener itself.
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
   * Three objects do the work. FetchStore is the API and the read path: a read checks the present
   * ranges, waits for the latches of the parts it lacks (demanding them first, in reverse, so that
   * its first part ends up at the front of the fetch order), then reads the temp file. Download is
   * the engine: parts, workers, counters, the failure and the listener (see its notes for why no
   * wake-up can be lost). TempFile is the file: every read and write enters its gate, and it ends
   * exactly once, deleted by the last one out or moved by moveTo's own thread.
   *
   * close() and moveTo() race to claim the temp file (TempFile.close / closeForMove); the winner
   * closes the download, so nothing fetches or waits afterwards.
   */

  /** Default part size: 8 MiB. */
  public static final long DEFAULT_PART_SIZE = 8L << 20;
  /** Default number of parts fetched at once. */
  public static final int DEFAULT_PARALLELISM = 4;
  /** Default read timeout of source streams: 60 seconds. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  private final Tracer tracer;
  private final RangeSource source;
  private final long size;
  private final TempFile file;
  private final Download download;
  /** Test seam: run by a reader inside the temp file's gate, just before reading. */
  volatile Runnable insideReadHook;

  private FetchStore(Tracer tracer, RangeSource source, long size, TempFile file,
      Download download) {
    this.tracer = tracer;
    this.source = source;
    this.size = size;
    this.file = file;
    this.download = download;
  }

  /**
   * Returns a builder for a store over {@code source}.
   *
   * @param source where the object's bytes come from
   * @return a new builder with the defaults
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
   * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
   * @param position the object offset of the first byte, {@code >= 0}
   * @param timeout how long to wait for the bytes; zero or negative does not wait
   * @return the number of bytes read, short only at the end of the object; {@code -1} if {@code
   *     position >= size()}
   * @throws TimeoutException if the bytes are not present within {@code timeout}
   * @throws NullPointerException if {@code dst} or {@code timeout} is null
   * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure) or the temp file cannot
   *     be read
   * @throws InterruptedException if interrupted while waiting
   */
  public int read(ByteBuffer dst, long position, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout");
    return read0(dst, position, Math.max(0, TimeUnit.NANOSECONDS.convert(timeout)));
  }

  /** Both read forms; {@code timeoutNanos < 0} waits forever. */
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
        ensureUsable("read");
        if (position >= size) {
          return -1;
        }
        int len = (int) Math.min(dst.remaining(), size - position);
        if (len == 0) {
          return 0;
        }
        long end = position + len;
        if (!download.isPresent(position, end)) {
          awaitRange(position, end, timeoutNanos);
        }
        return file.read(dst, position, len, insideReadHook);
      } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  /** Waits until the parts holding {@code [start, end)} are present. */
  private void awaitRange(long start, long end, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    int first = download.partOf(start);
    int last = download.partOf(end - 1);
    // Demand in reverse so that the first needed part ends up at the front of the queue.
    for (int p = last; p >= first; p--) {
      download.demand(p);
    }
    long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
    for (int p = first; p <= last; p++) {
      BroadcastLatch part = download.partLatch(p);
      if (part == null) {
        continue;
      }
      try {
        if (timeoutNanos < 0) {
          part.await();
        } else if (!part.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          throw new TimeoutException("bytes [" + start + ", " + end + ") of " + source
              + " not present within " + Duration.ofNanos(timeoutNanos));
        }
      } catch (SignalFailedException e) {
        throw waitFailed("read at " + start, e.getCause());
      }
    }
  }

  /**
   * Returns an input stream reading the object from {@code position} on. The stream waits for
   * bytes as {@link #read(ByteBuffer, long)} does (an interrupt surfaces as {@link
   * InterruptedIOException} with the interrupt status kept); closing it does not close the store.
   * It is not safe for concurrent use.
   *
   * @throws IllegalArgumentException if {@code position} is negative
   * @throws ClosedStoreException if the store is closed
   */
  public InputStream newInputStream(long position) throws ClosedStoreException {
    try (Tracer.Span span = tracer.enter("newInputStream", "pos", position)) {
      if (position < 0) {
        throw new IllegalArgumentException("position must not be negative: " + position);
      }
      if (file.isClosed()) {
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
   * @throws ClosedStoreException if the store is closed
   */
  public SeekableByteChannel newChannel() throws ClosedStoreException {
    try (Tracer.Span span = tracer.enter("newChannel")) {
      if (file.isClosed()) {
        ClosedStoreException e = new ClosedStoreException("newChannel: store closed");
        span.fail(e);
        throw e;
      }
      return new StoreChannel(this);
    }
  }

  /** Returns the object's size in bytes, as the source described it. */
  public long size() {
    return size;
  }

  /** Returns the end of the run of present bytes starting at {@code position} (for views). */
  long presentUntil(long position) {
    return download.presentUntil(position);
  }

  /** Returns a snapshot of the download's progress; never blocks. */
  public FetchProgress progress() {
    return download.progress();
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
      download.wantAll();
      if (timeout == null) {
        download.bytesPresent().awaitAtLeast(size);
        return download.awaitVerified(-1);
      }
      long deadline = System.nanoTime() + TimeUnit.NANOSECONDS.convert(timeout);
      download.bytesPresent().awaitAtLeast(size, timeout);
      return download.awaitVerified(Math.max(0, deadline - System.nanoTime()));
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
   * file. The file keeps the temp file's owner-only permissions, and the directories are synced
   * so that the rename survives a crash. The move runs on the calling thread once reads in progress
   * have left the file: it does not depend on any other thread, and no interrupt (of this thread
   * or of a reader) stops or fails it; an interrupt while this method runs leaves the interrupt
   * status set when it returns. Afterwards the store is closed: every operation throws {@link
   * ClosedStoreException}.
   *
   * <p>If the move fails, the store is closed all the same, but the bytes are not lost: the
   * exception says where the complete file is (normally the temp file, which then stays where it
   * is, also after {@link #close()}: recovering or deleting it is the caller's call).
   *
   * @param target where the object goes; its directory must exist
   * @throws IllegalStateException if the download is not complete (see {@link #awaitComplete()})
   * @throws ClosedStoreException if the store is already closed
   * @throws IOException if the download failed, or the file cannot be flushed or moved
   * @throws InterruptedException never since the move became uninterruptible; declared so that
   *     callers written against the interruptible form still compile
   */
  public void moveTo(Path target) throws IOException, InterruptedException {
    Objects.requireNonNull(target, "target");
    try (Tracer.Span span = tracer.enter("moveTo", "target", target)) {
      try {
        moveTo0(target);
      } catch (IOException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  private void moveTo0(Path target) throws IOException {
    ensureUsable("moveTo");
    long present = download.bytesPresent().get();
    if (present != size) {
      throw new IllegalStateException("moveTo: download incomplete, " + present + " of " + size
          + " bytes present");
    }
    if (!download.isVerified()) {
      throw new IllegalStateException("moveTo: the object's checksum is not verified yet (see"
          + " awaitComplete)");
    }
    if (!file.closeForMove(target)) {
      throw new ClosedStoreException("moveTo: store closed");
    }
    download.close(new ClosedStoreException("store closed: moved to " + target));
    file.moveTo();
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
      if (file.close()) {
        download.close(new ClosedStoreException("store closed"));
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
    return file.path();
  }

  /** Returns the executor the store created, or null if one was supplied (for tests). */
  ExecutorService ownedExecutor() {
    return download.ownedExecutor();
  }

  private void ensureUsable(String operation) throws IOException {
    if (file.isClosed()) {
      throw new ClosedStoreException(operation + ": store closed");
    }
    Throwable cause = download.failure();
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
    if (cause instanceof ChecksumMismatchException mismatch) {
      return new ChecksumMismatchException(operation, mismatch);
    }
    return new IOException(operation + ": download of " + source + " failed: " + cause, cause);
  }

  @Override
  public String toString() {
    return "FetchStore#" + tracer.instance() + "[" + source + ", " + size + " bytes, " + download
        + (file.isClosed() ? ", closed" : "") + "]";
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
    private RetryPolicy.Backoff backoff = RetryPolicy.Backoff.REAL;
    private FetchBudget budget;
    private ObjectChecksum verify;
    private Path entryFile;
    private RangeSource.ObjectInfo described;
    private Map<Integer, Integer> present = Map.of();
    private DownloadHooks hooks;

    private Builder(RangeSource source) {
      this.source = source;
    }

    /**
     * Sets the directory of the temp file; default {@code java.io.tmpdir}.
     *
     * @param directory an existing directory
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder tempDirectory(Path directory) {
      this.tempDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Sets the bytes per part (one range request each); default 8 MiB.
     *
     * @param bytes the part size, {@code > 0}
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
     * Sets the number of parts fetched at once; default 4.
     *
     * @param parts the parallelism, {@code > 0}
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
     * Sets how transient failures of {@code describe} and of part fetches are retried; default
     * {@link RetryPolicy#DEFAULT}.
     *
     * @param policy the retry policy
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets how long a fetch may wait for the next bytes of a source stream (the response headers
     * included) before it aborts the stream and retries the part from the bytes already received,
     * as a transient failure; default 60 seconds; {@link Duration#ZERO} waits forever. Without it a
     * server that stalls mid-body would hold a part, and every reader of it, until {@code close()}.
     *
     * @param timeout the read timeout, not negative
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
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
     * Sets the executor running the fetches (up to {@code parallelism} long-running tasks) and the
     * listener's deliveries; it is not shut down by the store. Default: the store's own daemon
     * threads, named {@code latchwork-fetch-<store>-<n>}, shut down on close.
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the progress listener, called as described in {@link FetchStore}.
     *
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder listener(Consumer<? super FetchProgress> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Test seam: how retries wait. */
    /**
     * Shares {@code budget} with other stores: every part this store fetches holds one of its
     * permits, so that at most {@code budget.parts()} parts are fetched at once across all the
     * stores sharing it, a part a reader waits for goes before other stores' prefetching, and
     * stores share it fairly (see {@link FetchBudget}). This store's own {@link #parallelism}
     * still caps its share. Default: none, only {@code parallelism} limits the fetches.
     *
     * @param budget the shared budget
     * @return this builder
     */
    public Builder budget(FetchBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Checks the whole object against {@code checksum} when its last part lands. A mismatch fails
     * the store with a {@link ChecksumMismatchException} (as the exception, or the cause of the
     * exception, of every waiting and later read, {@code awaitComplete} and {@code moveTo}), and
     * {@code awaitComplete} returns and {@code moveTo} moves only once the checksum matched. A
     * CRC32C is combined from the parts' CRC32Cs, computed as their bytes arrive; an MD5 or
     * SHA-256 digest is computed in order as the contiguous prefix grows, reading back only the
     * bytes that arrived ahead of it. Default: no check.
     *
     * @param checksum the object's expected checksum
     * @return this builder
     */
    public Builder verify(ObjectChecksum checksum) {
      this.verify = Objects.requireNonNull(checksum, "checksum");
      return this;
    }

    /**
     * Makes the store serve a cache entry: {@code file} (kept on close), the object as already
     * described, the parts already present in the file and the entry's hooks.
     */
    Builder cacheEntry(Path file, RangeSource.ObjectInfo object, Map<Integer, Integer> present,
        DownloadHooks hooks) {
      this.entryFile = Objects.requireNonNull(file, "file");
      this.described = Objects.requireNonNull(object, "object");
      this.present = Map.copyOf(present);
      this.hooks = Objects.requireNonNull(hooks, "hooks");
      return this;
    }

    Builder backoff(RetryPolicy.Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * Describes the source (retrying transient failures per the retry policy), creates the temp
     * file and starts fetching.
     *
     * @return the open store
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
      RangeSource.ObjectInfo object = described != null ? described
          : retryPolicy.call(source::describe, backoff,
          new BroadcastLatch(), (attempt, failure, delay) -> Download.LOG.debug(
              "[FetchStore #{}] open RETRY describe attempt={} in={}: {}", tracer.instance(),
              attempt, delay, failure.toString()));
      if (object == null) {
        throw new IllegalStateException(source + " described no object (null)");
      }
      Download.partCount(object.size(), partSize);
      Path dir = tempDirectory != null
          ? tempDirectory : Paths.get(System.getProperty("java.io.tmpdir"));
      TempFile file = entryFile != null
          ? TempFile.openKept(entryFile, object.size(), tracer.instance())
          : TempFile.create(dir, object.size(), tracer.instance());
      FetchStore store;
      try {
        Download download = new Download(tracer, source, object, file, partSize, parallelism,
            retryPolicy, readTimeout, backoff, executor, listener,
            new Download.Options(budget, verify, present, hooks));
        store = new FetchStore(tracer, source, object.size(), file, download);
      } catch (RuntimeException | Error e) {
        file.close();
        throw e;
      }
      try {
        store.download.start();
      } catch (RuntimeException | Error e) {
        store.close();
        throw e;
      }
      return store;
    }
  }
}
