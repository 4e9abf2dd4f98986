package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.ProgressView;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
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
 * dst.remaining())} (clipped to the object) are in the temp file, read with no lock held. Reads
 * never block each other or fetching. {@link #newInputStream(long)} and {@link #newChannel()}
 * are stream and channel views.
 *
 * <h2>Memory consistency effects</h2>
 * The fetch thread's writes of bytes to the temp file happen-before every {@code read} that
 * returns any of them (the part's written watermark is raised after each write, and the
 * present-range set published after the part's last write); a read waits only for its own bytes,
 * not for the rest of their part. Completion of the last part happens-before {@link
 * #awaitComplete()} returns. Actions of a thread before {@link #close()} (or before the failure of
 * a fetch) happen-before every operation that throws {@link ClosedStoreException} (or the failure)
 * because of it. Reads in progress when the store closes happen-before the temp file is deleted or moved.
 *
 * <h2>Progress</h2>
 * A read that finds its bytes present takes no lock and does not wait; a read that waits is woken
 * by the completion, failure or close that concerns it, whatever the interleaving (no wake-up can
 * be lost). Waits are interruptible, with timed forms for {@code read} and {@code awaitComplete}.
 * Memory grows with what is fetched and waited for, not with the size the source claims.
 *
 * <h2>Failure</h2>
 * A part whose fetch fails transiently (including a source stream that brings no byte within the
 * {@linkplain Builder#readTimeout read timeout}, or fewer than the {@linkplain Builder#minimumRate
 * minimum rate}) is retried per the {@link RetryPolicy}, resuming after the bytes already
 * received. When a part fails for good (attempts exhausted, a {@link RangeSourceException} that
 * is not retryable, the temp file cannot be written), the store fails:
 * every waiting and every later read, {@code awaitComplete} and {@code moveTo} throws an {@code
 * IOException} whose cause is that failure, and fetching stops.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent and returns without waiting for I/O: it aborts fetches in flight,
 * makes every waiting and later operation throw {@link ClosedStoreException}, and the last read
 * (or fetch write) to leave the temp file deletes it. The temp file is never left behind, except
 * to keep the only complete copy of a download when a {@link #moveTo} failed.
 *
 * <h2>Progress listener</h2>
 * A {@linkplain Builder#listener listener} gets fresh {@link FetchProgress} snapshots on a task of
 * the store's executor, one call at a time; notifications coalesce while it runs, so a slow
 * listener delays only its own later calls, and one that throws is logged and called again on the
 * next change. The last progress is always delivered: if the executor refuses the task, the
 * thread that changed the progress (a fetch thread, or the closer) calls the listener itself.
 *
 * <p>Every public operation that can block or change state, and every part fetch, is traced with
 * {@link Tracer} (component {@code FetchStore}), so a stuck read shows in {@link
 * Tracer#inFlight()} and the {@link dev.latchwork.core.StallWatchdog}. A part fetch's operation
 * ends (its EXIT line is logged and it leaves {@code inFlight()}) before the part is present, and
 * before the store fails because of it: a thread that sees that failure (a read or {@code
 * awaitComplete} throwing it) finds the part's {@code EXIT ... FAILED} line already logged.
 * Operations cut short by {@link #close()} may still end after {@code close()} returns. Logs and
 * messages name the source by its {@code toString()}, which for {@link HttpRangeSource} has no
 * credentials.
 */
public final class FetchStore implements Closeable {
  /*
   * Implementation notes.
   *
   * Three objects do the work, behind FetchStore's API and lifecycle. RangeReader is the read
   * path: a read checks the present ranges, waits on the written watermarks of the parts it lacks
   * until they cover its bytes (demanding the parts first, in reverse, so that its first part ends
   * up at the front of the fetch order), then reads the temp file. Download is the engine: parts,
   * workers, counters, the failure and the listener (see PartPresence for why no wake-up can be
   * lost). TempFile is the file: every read and write enters its gate, and it ends exactly once,
   * deleted by the last one out or moved by moveTo's own thread. StoreOpener opens the last two
   * for the Builder.
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
  private final long size;
  /** The temp file and the download engine; package-private for tests. */
  final TempFile file;
  final Download download;
  /** Test seam: run by a reader inside the temp file's gate, just before reading. */
  volatile Runnable insideReadHook;
  private final RangeReader reader;

  private FetchStore(Tracer tracer, TempFile file, Download download) {
    this.tracer = tracer;
    this.size = download.size();
    this.file = file;
    this.download = download;
    this.reader = new RangeReader(tracer, file, download, () -> insideReadHook);
  }

  /**
   * {@return a new builder, with the defaults, for a store over {@code source}}
   *
   * @param source where the object's bytes come from
   */
  public static Builder builder(RangeSource source) {
    return new Builder(Objects.requireNonNull(source, "source"));
  }

  /**
   * Reads bytes at {@code position} into {@code dst}, waiting as long as it takes for them to be
   * downloaded.
   *
   * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
   * @param position the object offset of the first byte, {@code >= 0}
   * @return the number of bytes read, short only at the end of the object; {@code -1} if {@code
   *     position >= size()}
   * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure) or the temp file cannot
   *     be read
   * @throws InterruptedException if interrupted while waiting
   */
  public int read(ByteBuffer dst, long position) throws IOException, InterruptedException {
    try {
      return reader.read(dst, position, -1);
    } catch (TimeoutException impossible) {
      throw new AssertionError("untimed read timed out", impossible);
    }
  }

  /**
   * As {@link #read(ByteBuffer, long)}, waiting at most {@code timeout} for the bytes. A read that
   * times out leaves nothing behind, but the parts it asked for stay first in the fetch order.
   *
   * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
   * @param position the object offset of the first byte, {@code >= 0}
   * @param timeout how long to wait for the bytes; zero or negative does not wait
   * @return as {@link #read(ByteBuffer, long)}
   * @throws TimeoutException if the bytes are not present within {@code timeout}
   * @throws IOException as {@link #read(ByteBuffer, long)}
   * @throws InterruptedException if interrupted while waiting
   */
  public int read(ByteBuffer dst, long position, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Objects.requireNonNull(timeout, "timeout");
    return reader.read(dst, position, Math.max(0, TimeUnit.NANOSECONDS.convert(timeout)));
  }

  /**
   * Returns an input stream reading the object from {@code position} on. The stream waits for
   * bytes as {@link #read(ByteBuffer, long)} does (an interrupt surfaces as {@link
   * InterruptedIOException} with the interrupt status kept); closing it does not close the store.
   * It is not safe for concurrent use.
   *
   * @param position the object offset of the stream's first byte, {@code >= 0}
   * @return a new stream
   * @throws IllegalArgumentException if {@code position} is negative
   * @throws ClosedStoreException if the store is closed
   */
  public InputStream newInputStream(long position) throws ClosedStoreException {
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative: " + position);
    }
    download.failure().checkOpen("newInputStream");
    return new StoreInputStream(this, position);
  }

  /**
   * Returns a read-only channel over the object, positioned at 0. Reads wait for bytes as {@link
   * #read(ByteBuffer, long)} does; {@code write} and {@code truncate} throw {@link
   * java.nio.channels.NonWritableChannelException}; closing it does not close the store. Its
   * position is not synchronized: use one channel per thread, or the positional {@code read}.
   *
   * @return a new channel
   * @throws ClosedStoreException if the store is closed
   */
  public SeekableByteChannel newChannel() throws ClosedStoreException {
    download.failure().checkOpen("newChannel");
    return new StoreChannel(this);
  }

  /** {@return the object's size in bytes, as the source described it} */
  public long size() {
    return size;
  }

  /** Returns the end of the run of present bytes starting at {@code position} (for views). */
  long presentUntil(long position) {
    return download.presence().presentUntil(position);
  }

  /** {@return a snapshot of the download's progress}; never blocks. */
  public FetchProgress progress() {
    return download.progress();
  }

  /**
   * {@return a read-only view of the number of bytes present (of completed parts)}: it reaches
   * {@link #size()} on completion, and its waits throw {@link SignalFailedException} with the
   * failure or a {@link ClosedStoreException} once the store fails or closes.
   */
  public ProgressView bytesPresent() {
    return download.bytesPresent();
  }

  /**
   * Waits until every byte of the object is present.
   *
   * @throws ClosedStoreException if the store is closed before or while waiting
   * @throws IOException if the download failed (the cause is the failure)
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitComplete() throws IOException, InterruptedException {
    try (Tracer.Span span = tracer.enter("awaitComplete").failUnlessOk()) {
      download.awaitComplete(null);
      span.ok();
    }
  }

  /**
   * As {@link #awaitComplete()}, waiting at most {@code timeout}.
   *
   * @param timeout how long to wait at most
   * @return true if the download is complete, false if the timeout elapsed first
   * @throws IOException as {@link #awaitComplete()}
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    try (Tracer.Span span = tracer.enter("awaitComplete", "timeout", timeout).failUnlessOk()) {
      return span.ok(download.awaitComplete(timeout.isNegative() ? Duration.ZERO : timeout));
    }
  }

  /**
   * Keeps the completed download as the file {@code target}, atomically, and closes the store.
   *
   * <p>The temp file is flushed to disk and renamed to {@code target} (replacing an existing file,
   * as {@code rename(2)} does); from another file system it is first copied next to {@code target}
   * and the copy renamed, so {@code target} never holds a partial file. The file keeps the temp
   * file's owner-only permissions, and the directories are synced so that the rename survives a
   * crash (a store opened with {@link Builder#flushWhileFetching} has flushed most bytes
   * already). The move runs on the calling thread once reads in progress have left the file (it
   * waits for them): it depends on no other thread, and no interrupt (of this thread or a reader)
   * stops or fails it; an interrupt meanwhile leaves the interrupt status set on return.
   * Afterwards the store is closed. If the move fails, the store is closed all the same but the
   * bytes are not lost: the exception says where the complete file is (normally the temp file,
   * which then stays, also after {@link #close()}: recovering or deleting it is the caller's
   * call).
   *
   * @param target where the object goes; its directory must exist
   * @throws IllegalStateException if the download is not complete (see {@link #awaitComplete()})
   * @throws ClosedStoreException if the store is already closed
   * @throws IOException if the download failed, or the file cannot be flushed or moved
   * @throws InterruptedException never (the move is not interruptible); declared for callers
   *     written against the earlier, interruptible form
   */
  public void moveTo(Path target) throws IOException, InterruptedException {
    Objects.requireNonNull(target, "target");
    try (Tracer.Span span = tracer.enter("moveTo", "target", target).failUnlessOk()) {
      download.failure().checkUsable("moveTo");
      download.presence().checkComplete("moveTo");
      download.failure().checkVerified("moveTo");
      if (!file.closeForMove(target)) {
        throw new ClosedStoreException("moveTo: store closed");
      }
      download.close(new ClosedStoreException("store closed: moved to " + target));
      file.moveTo();
      span.ok();
    }
  }

  /**
   * Closes the store: stops fetching, wakes every waiting operation with {@link
   * ClosedStoreException}, and deletes the temp file once reads in progress have left it. Returns
   * without waiting for I/O; a part whose fetch was still completing goes with the file. Calling
   * it again has no effect.
   */
  @Override
  public void close() {
    try (Tracer.Span span = tracer.enter("close").failUnlessOk()) {
      if (file.close()) {
        download.close(new ClosedStoreException("store closed"));
      }
      span.ok();
    }
  }

  /** Returns the latch that opens once the temp file is gone (for tests and harnesses). */
  BroadcastLatch terminated() {
    return file.terminated();
  }

  @Override
  public String toString() {
    return "FetchStore#" + tracer.instance() + "[" + download.source() + ", " + size + " bytes, "
        + download + (file.isClosed() ? ", closed" : "") + "]";
  }

  /**
   * Configures and opens a {@link FetchStore}; every setting has a default, and each {@link
   * #open()} opens a new store. Not thread-safe. Setters throw {@code NullPointerException} for a
   * null argument and {@code IllegalArgumentException}, naming the setting, for a bad value.
   */
  public static final class Builder {
    private final RangeSource source;
    private Path tempDirectory;
    private FetchSettings settings = FetchSettings.DEFAULTS;
    private FetchBudget budget;
    private ObjectChecksum verify;
    private Path entryFile; // with the three below: a cache entry's store
    private RangeSource.ObjectInfo described;
    private Map<Integer, Integer> present = Map.of();
    private DownloadHooks hooks;
    private long flushEvery;

    private Builder(RangeSource source) {
      this.source = source;
    }

    /**
     * Sets the directory of the temp file; default {@code java.io.tmpdir}.
     *
     * @param directory an existing directory
     * @return this builder
     */
    public Builder tempDirectory(Path directory) {
      tempDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Sets the bytes per part (one range request each), {@code > 0}; default 8 MiB.
     *
     * @param bytes the part size
     * @return this builder
     */
    public Builder partSize(long bytes) {
      settings = settings.withPartSize(bytes);
      return this;
    }

    /**
     * Sets the number of parts fetched at once, {@code > 0}; default 4.
     *
     * @param parts the parallelism
     * @return this builder
     */
    public Builder parallelism(int parts) {
      settings = settings.withParallelism(parts);
      return this;
    }

    /**
     * Sets how transient failures of {@code describe} and of part fetches are retried; default
     * {@link RetryPolicy#DEFAULT}.
     *
     * @param policy the retry policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      settings = settings.withRetryPolicy(policy);
      return this;
    }

    /**
     * Sets how long a fetch may wait for the next bytes of a source stream (the response headers
     * included) before it aborts the stream and retries the part from the bytes already received,
     * as a transient failure; default 60 seconds; {@link Duration#ZERO} waits forever. Without it a
     * server that stalls mid-body would hold a part, and every reader of it, until {@code close()}.
     * {@code open()} also passes it to {@link RangeSource#describe(Duration)}: a source that can
     * bound its metadata call (as {@link HttpRangeSource} does, with the smaller of this and its
     * own read timeout) fails a {@code describe} that waits longer, and it is retried. A source's
     * own read timeout applies too: the smaller one trips first.
     *
     * @param timeout the read timeout, not negative
     * @return this builder
     */
    public Builder readTimeout(Duration timeout) {
      settings = settings.withReadTimeout(timeout);
      return this;
    }

    /**
     * Sets a minimum transfer rate of every part fetch, whatever the source: an attempt whose
     * stream brings fewer than {@code bytesPerSecond} on average over a {@code window} is aborted
     * and the part retried from the bytes already received, as a transient failure whose message
     * names the rate (curl's {@code --speed-limit}/{@code --speed-time}, aria2's {@code
     * --lowest-speed-limit}); default 0, no minimum. It complements the {@link #readTimeout read
     * timeout}, which a stream that trickles a byte now and then never trips; both apply to every
     * attempt, as does an {@link HttpRangeSource#withMinimumRate HttpRangeSource's own minimum
     * rate}: whichever limit is stricter trips first. It does not apply to {@code describe}.
     *
     * @param bytesPerSecond the minimum rate, {@code >= 0}; 0 disables it
     * @param window how long an attempt may stay below the rate, {@code > 0} unless the rate is 0
     *     (then it is ignored and may be null)
     * @return this builder
     * @throws IllegalArgumentException naming {@code minimumRate} if {@code bytesPerSecond} is
     *     negative, or positive with a null, zero or negative {@code window}
     */
    public Builder minimumRate(long bytesPerSecond, Duration window) {
      settings = settings.withMinimumRate(bytesPerSecond, window);
      return this;
    }

    /**
     * Sets the executor running the fetches (up to {@code parallelism} long-running tasks) and the
     * listener's deliveries; it is not shut down by the store. Default: the store's own daemon
     * threads, named {@code latchwork-fetch-<store>-<n>}, shut down on close.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      settings = settings.withExecutor(executor);
      return this;
    }

    /**
     * Sets the progress listener, called as described in {@link FetchStore}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(Consumer<? super FetchProgress> listener) {
      settings = settings.withListener(listener);
      return this;
    }

    /**
     * Shares {@code budget} with other stores: each part fetched holds one of its permits, so at
     * most {@code budget.parts()} parts are fetched at once across the stores sharing it, parts
     * readers wait for first (see {@link FetchBudget}); {@code parallelism} still caps this
     * store's share. Default: no budget.
     *
     * @param budget the shared budget
     * @return this builder
     */
    public Builder budget(FetchBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Checks the whole object against {@code checksum} when its last part lands: a CRC32C
     * combined from the parts' CRC32Cs (computed as their bytes arrive), an MD5 or SHA-256 digest
     * computed in order as the present prefix grows (reading back only bytes that arrived ahead of
     * it). A mismatch fails the store with a {@link ChecksumMismatchException} for every waiting
     * and later operation; {@code awaitComplete} returns and {@code moveTo} moves only a matching
     * object. Default: no check.
     *
     * <p>A checksum the source states for the object ({@link RangeSource.ObjectInfo#checksum()},
     * such as a server's {@code x-amz-checksum-crc32c} or {@code Repr-Digest} read by {@link
     * HttpRangeSource}) is checked the same way with or without this setting; when both are given
     * the object must match both (each algorithm is computed once), so a caller's and a server's
     * value that disagree always fail with the mismatch of the one the bytes do not have.
     *
     * @param checksum the object's expected checksum
     * @return this builder
     */
    public Builder verify(ObjectChecksum checksum) {
      this.verify = Objects.requireNonNull(checksum, "checksum");
      return this;
    }

    /**
     * Whether the temp file is flushed to storage as the download runs (every 32 MiB written),
     * for a download that will be {@linkplain FetchStore#moveTo moved}: the disk then writes while
     * the network reads, and {@code moveTo}'s force has little left to do. Default false, since a
     * store that is only read and closed never needs its bytes on disk.
     *
     * @param flush whether to flush while fetching
     * @return this builder
     */
    public Builder flushWhileFetching(boolean flush) {
      this.flushEvery = flush ? WriteBehind.DEFAULT_THRESHOLD : 0;
      return this;
    }

    /** Test seam: flush while fetching, after every {@code bytes} written. */
    Builder flushEvery(long bytes) {
      this.flushEvery = bytes;
      return this;
    }

    /** A cache entry's store: its kept file, its object as described, present parts, hooks. */
    Builder cacheEntry(Path file, RangeSource.ObjectInfo object, Map<Integer, Integer> parts,
        DownloadHooks entryHooks) {
      entryFile = Objects.requireNonNull(file, "file");
      described = Objects.requireNonNull(object, "object");
      present = Map.copyOf(parts);
      hooks = Objects.requireNonNull(entryHooks, "hooks");
      return this;
    }

    /** Test seam: how retries wait. */
    Builder backoff(RetryPolicy.Backoff backoff) {
      settings = settings.withBackoff(backoff);
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
      try (Tracer.Span span = tracer.enter("open", "source", source).failUnlessOk()) {
        StoreOpener.Opened opened = StoreOpener.open(tracer, source, settings, tempDirectory,
            entryFile, described, new Download.Options(budget, verify, present, hooks, flushEvery));
        FetchStore store = null;
        try {
          store = new FetchStore(tracer, opened.file(), opened.download());
          store.download.start();
          return span.ok(store);
        } catch (RuntimeException | Error e) {
          if (store == null) {
            opened.file().close();
          } else {
            store.close(); // nothing is left behind: the store deletes the file
          }
          throw e;
        }
      }
    }
  }
}
