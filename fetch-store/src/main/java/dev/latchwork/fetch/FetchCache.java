package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk cache of many remote objects, each downloaded once however many times it is opened:
 * every {@link #open open} of a key shares one download and one file (a {@link FetchStore} per
 * entry), at most {@code parallelism} parts are fetched at once across all objects (one shared
 * {@link FetchBudget}, in which a part a reader waits for jumps the queue), the bytes cached stay
 * within {@code maxBytes}, and complete and partial entries survive a restart or a crash.
 *
 * <pre>{@code
 * try (FetchCache cache = FetchCache.builder(Path.of("/var/cache/objects"))
 *     .maxBytes(10L << 30).parallelism(8).open();
 *     FetchCache.Handle h = cache.open("bucket/key", HttpRangeSource.of(uri))) {
 *   int n = h.read(ByteBuffer.allocate(64 << 10), 1 << 20);
 * }
 * }</pre>
 *
 * <h2>Sharing</h2>
 * Handles of one key share its entry's download and file; a read on any handle waits only for its
 * own bytes, which are fetched first. Closing a handle releases it only; when the last handle of
 * an entry closes, the entry's download stops and the entry stays cached, complete or partial,
 * for later opens.
 *
 * <h2>Bounded disk</h2>
 * Space for a part is reserved before the part is fetched, so {@link FetchCacheStats#bytesCached}
 * never exceeds {@code maxBytes}. When a reservation does not fit, the least recently used
 * entries that no handle holds are evicted; an entry in use is never evicted. When nothing can
 * be evicted the fetch waits for space (readers wait with it, within their timeouts; the wait
 * shows in each handle's {@link Handle#progress() progress} as {@link
 * FetchProgress#partsWaitingForSpace}, in {@code toString()}, and as an in-flight {@code
 * awaitSpace} operation of the entry's store in the {@link Tracer}).
 * Parts fetched ahead of readers only take free space, in the order they reserve it: the last
 * free space may go to a part nobody has read yet, and a reader of another part, even of the same
 * object, then waits as above.
 * Bytes are counted as the parts present in the files (plus the parts being fetched, and parts
 * abandoned half written): the files are sparse and Java cannot ask for their allocated blocks,
 * so the count is the bytes written rather than what the file system allocated for them (which
 * rounds each part up to its block size). With {@code minFreeBytes} a fetch also waits (or
 * evicts) while the file system has less free space than that.
 *
 * <h2>Restart</h2>
 * Per entry the key, size, version tag, part size, present parts and each part's CRC32C are kept
 * in a journal (an append-only log of self-checksummed records, forced in group commits; a part
 * is journaled only after its bytes were forced to disk). Opening a cache over a directory that
 * holds one recovers it (a torn tail of the journal is cut off). Opening a key describes its
 * source: if size and version tag match the entry's, the present parts are kept and only the
 * missing ones are fetched ({@link FetchCacheStats#resumedBytes} counts what was kept); if the
 * object changed, the entry is discarded and the object downloaded afresh. The kept parts are
 * trusted as the journal describes them unless {@link Builder#verifyOnRecovery} asks for them
 * to be re-read and checked against their CRC32C first (a part that fails is fetched again). A
 * directory is used by one cache at a time, in this or any other process: a second one is
 * refused.
 *
 * <h2>Checksums</h2>
 * {@link #open(String, RangeSource, ObjectChecksum)} checks the object as {@link
 * FetchStore.Builder#verify} describes, and so is a checksum the source states ({@link
 * RangeSource.ObjectInfo#checksum()}) whichever {@code open} is used; a mismatch fails every read
 * of the entry with a {@link ChecksumMismatchException} and the cache discards the entry.
 *
 * <h2>Closing</h2>
 * {@link #close()} closes every entry's download, waking every waiting reader with {@link
 * ClosedStoreException}, and releases the directory; what is present stays for the next cache.
 * A part whose last byte was written when its download stopped (the cache's close or the entry's
 * last handle's) is kept: it is recorded and journaled, and the cache's close returns only
 * after that (local work: the close never waits for a network read), so neither the entry's
 * next handle nor the next cache fetches it again.
 *
 * <p>Thread-safe. Memory consistency effects are those of {@link FetchStore} per entry; in
 * addition, actions before a handle's {@code close()} happen-before the eviction of its entry.
 * Every public operation is traced with {@link Tracer} (component {@code FetchCache}).
 */
public final class FetchCache implements Closeable {
  /*
   * Implementation notes.
   *
   * Entries, handles, LRU order and the disk budget are CacheIndex's; the journal is
   * CacheJournal's; recovering the directory is CacheDirectory's. An entry's store lives from its
   * first handle's open to its last handle's close (a "generation", EntryGenerations' concern:
   * two stores never write one file), and each store talks back to the cache through its entry's
   * CacheEntryHooks. This class checks arguments, describes the source, and closes it all.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchCache.class);
  static final String OBJECTS = CacheDirectory.OBJECTS;

  private final Tracer tracer;
  private final Path directory;
  private final CacheJournal journal;
  private final CacheIndex index;
  private final FetchBudget budget;
  private final CacheSettings config;
  private final ExecutorService ownedExecutor;
  private final EntryGenerations generations;
  /** Never opens: describe's retries are cut short by interrupts only. */
  private final BroadcastLatch neverStops = new BroadcastLatch();

  private FetchCache(Tracer tracer, Builder b, CacheJournal journal, CacheIndex index) {
    this.tracer = tracer;
    this.directory = b.directory;
    this.journal = journal;
    this.index = index;
    this.config = b.settings();
    this.budget = new FetchBudget(b.parallelism);
    Executor executor;
    if (b.executor != null) {
      executor = b.executor;
      this.ownedExecutor = null;
    } else {
      AtomicInteger n = new AtomicInteger();
      int cache = tracer.instance();
      this.ownedExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "latchwork-cache-" + cache + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      executor = ownedExecutor;
    }
    this.generations = new EntryGenerations(tracer, journal, index, budget, executor, config);
  }

  /**
   * Returns a builder for a cache in {@code directory}.
   *
   * @param directory the cache's directory: created if missing, recovered if it holds a cache
   * @return the builder
   * @throws NullPointerException if {@code directory} is null
   */
  public static Builder builder(Path directory) {
    return new Builder(Objects.requireNonNull(directory, "directory"));
  }

  /**
   * Opens a handle on the object {@code key}, downloaded from {@code source}, without a checksum
   * to check; as {@link #open(String, RangeSource, ObjectChecksum)} otherwise.
   *
   * @param key the object's name in the cache
   * @param source where the object is downloaded from
   * @return a new handle
   * @throws ClosedStoreException if the cache is closed
   * @throws IOException if the source cannot be described or the entry's download not started
   */
  public Handle open(String key, RangeSource source) throws IOException {
    return open0(key, source, null);
  }

  /**
   * Opens a handle on the object {@code key}, downloaded from {@code source}: describes the
   * source within the read timeout ({@link RangeSource#describe(Duration)}, retrying as the retry
   * policy says), finds the entry of {@code key} or creates it, discarding a cached copy of
   * another size or version, and joins the entry's download or starts it (fetching only the
   * parts not present). The checksum applies to the download this open starts; an open that
   * joins a running download shares that download's check.
   *
   * @param key the object's name in the cache; at most 8 KiB of UTF-8
   * @param source where the object is downloaded from
   * @param checksum the object's expected checksum
   * @return a new handle
   * @throws IllegalArgumentException if {@code key} is empty or too long, or the source's version
   *     tag is longer than 4 KiB of UTF-8
   * @throws ClosedStoreException if the cache is closed
   * @throws IOException if the source cannot be described or the entry's download not started
   */
  public Handle open(String key, RangeSource source, ObjectChecksum checksum) throws IOException {
    return open0(key, source, Objects.requireNonNull(checksum, "checksum"));
  }

  private Handle open0(String key, RangeSource source, ObjectChecksum checksum)
      throws IOException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(source, "source");
    int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (keyBytes == 0 || keyBytes > CacheJournal.MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key must be 1 to " + CacheJournal.MAX_KEY_BYTES
          + " bytes of UTF-8, not " + keyBytes);
    }
    try (Tracer.Span span = tracer.enter("open", "key", key)) {
      try {
        return openTraced(key, source, checksum);
      } catch (IOException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  private Handle openTraced(String key, RangeSource source, ObjectChecksum checksum)
      throws IOException {
    if (index.isClosed()) {
      throw new ClosedStoreException("open " + key + ": cache closed");
    }
    RangeSource.ObjectInfo object = StoreOpener.describe(source, config.retryPolicy(),
        config.readTimeout(), RetryPolicy.Backoff.REAL, neverStops,
        (attempt, failure, delay) -> LOG.debug(
            "[FetchCache #{}] open RETRY describe {} attempt={} in={}: {}", tracer.instance(),
            key, attempt, delay, failure.toString()));
    if (object.versionTag() != null && object.versionTag().getBytes(StandardCharsets.UTF_8).length
        > CacheJournal.MAX_TAG_BYTES) {
      throw new IllegalArgumentException(source + " has a version tag longer than "
          + CacheJournal.MAX_TAG_BYTES + " bytes");
    }
    Download.partCount(object.size(), config.partSize());
    EntryGenerations.Joined j = generations.join(key, source, object, checksum);
    return new Handle(new EntryHandle(tracer, generations, index, j.entry(), j.store()));
  }

  /**
   * Returns a consistent snapshot of the cache's counters.
   *
   * @return the counters
   */
  public FetchCacheStats stats() {
    return index.stats();
  }

  /** The keys cached, least recently used first (for tests). */
  List<String> keys() {
    return index.keys();
  }

  /** The keys a handle holds right now (for tests). */
  List<String> keysInUse() {
    return index.keysInUse();
  }

  CacheIndex index() {
    return index;
  }

  /**
   * Closes the cache: stops every download, wakes every waiting reader with {@link
   * ClosedStoreException}, waits for the entries' files to be closed and releases the directory.
   * What is present stays for the next cache on the directory. Calling it again has no effect.
   */
  @Override
  public void close() {
    try (Tracer.Span span = tracer.enter("close")) {
      if (index.isClosed()) {
        return;
      }
      boolean interrupted = generations.stopAll();
      if (ownedExecutor != null) {
        ownedExecutor.shutdownNow();
      }
      try {
        journal.close();
      } catch (IOException ex) {
        span.fail(ex);
        LOG.warn("[FetchCache #{}] closing the journal of {} failed", tracer.instance(),
            directory, ex);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "FetchCache#" + tracer.instance() + "[" + directory + ", " + index + ", " + budget
        + "]";
  }

  /**
   * One user's handle on a cached object: reads wait for their bytes as {@link FetchStore}'s do.
   * Thread-safe. After {@link #close()} every operation throws {@link ClosedStoreException}; so
   * do the views after the entry's download stopped (its last handle closed, or the cache).
   */
  public static final class Handle implements Closeable {
    private final EntryHandle state;

    private Handle(EntryHandle state) {
      this.state = state;
    }

    /**
     * Reads bytes at {@code position} into {@code dst}, waiting as long as it takes; see {@link
     * FetchStore#read(ByteBuffer, long)}.
     *
     * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
     * @param position the object offset of the first byte, {@code >= 0}
     * @return the number of bytes read; {@code -1} at or past the end
     * @throws ClosedStoreException if the handle or the cache is closed
     * @throws IOException if the download failed (a {@link ChecksumMismatchException} if the
     *     object failed its checksum)
     * @throws InterruptedException if interrupted while waiting
     */
    public int read(java.nio.ByteBuffer dst, long position)
        throws IOException, InterruptedException {
      return state.forRead(dst, position).read(dst, position);
    }

    /**
     * Reads bytes at {@code position} into {@code dst}, waiting at most {@code timeout}; see
     * {@link FetchStore#read(ByteBuffer, long, Duration)}.
     *
     * @param dst receives {@code min(dst.remaining(), size() - position)} bytes
     * @param position the object offset of the first byte, {@code >= 0}
     * @param timeout the longest wait for the bytes
     * @return the number of bytes read; {@code -1} at or past the end
     * @throws java.util.concurrent.TimeoutException if the bytes are not present in time
     * @throws ClosedStoreException if the handle or the cache is closed
     * @throws IOException if the download failed
     * @throws InterruptedException if interrupted while waiting
     */
    public int read(java.nio.ByteBuffer dst, long position, Duration timeout)
        throws IOException, InterruptedException, java.util.concurrent.TimeoutException {
      return state.forRead(dst, position).read(dst, position, timeout);
    }

    /**
     * Returns an input stream reading the object from {@code position}; see {@link
     * FetchStore#newInputStream(long)}.
     *
     * @param position the first byte
     * @return the stream
     * @throws ClosedStoreException if the handle or the cache is closed
     */
    public java.io.InputStream newInputStream(long position) throws ClosedStoreException {
      return state.open("newInputStream").newInputStream(position);
    }

    /**
     * Returns a read-only channel over the object; see {@link FetchStore#newChannel()}.
     *
     * @return the channel
     * @throws ClosedStoreException if the handle or the cache is closed
     */
    public java.nio.channels.SeekableByteChannel newChannel() throws ClosedStoreException {
      return state.open("newChannel").newChannel();
    }

    /**
     * Returns the object's size.
     *
     * @return the size in bytes, as the source described it
     */
    public long size() {
      return state.store().size();
    }

    /**
     * Returns a snapshot of the entry's download; present parts recovered from disk count as
     * done, and parts waiting for the cache's disk space count in {@link
     * FetchProgress#partsWaitingForSpace}.
     *
     * @return the progress
     */
    public FetchProgress progress() {
      return state.store().progress();
    }

    /**
     * Waits at most {@code timeout} until the whole object is present (and, with a checksum,
     * verified).
     *
     * @param timeout the longest wait
     * @return true if complete, false if the timeout elapsed first
     * @throws ClosedStoreException if the handle or the cache is closed
     * @throws IOException if the download failed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
      return state.open("awaitComplete").awaitComplete(timeout);
    }

    /**
     * Releases this handle; the entry stays cached. The last handle of an entry stops its
     * download. Idempotent.
     */
    @Override
    public void close() {
      state.close();
    }

    /** True if this handle's entry left the index (evicted, discarded or replaced); for tests. */
    boolean isEntryRemoved() {
      return state.isEntryRemoved();
    }

    @Override
    public String toString() {
      return state.toString();
    }
  }

  /**
   * Configures and opens a {@link FetchCache}. Not thread-safe.
   */
  public static final class Builder {
    private final Path directory;
    private long maxBytes = Long.MAX_VALUE;
    private long minFreeBytes;
    private int parallelism = 8;
    private long partSize = FetchStore.DEFAULT_PART_SIZE;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private Duration readTimeout = FetchStore.DEFAULT_READ_TIMEOUT;
    private long minimumRate;
    private Duration rateWindow = Duration.ZERO;
    private Executor executor;
    private boolean verifyOnRecovery;

    private Builder(Path directory) {
      this.directory = directory;
    }

    private CacheSettings settings() {
      return new CacheSettings(parallelism, partSize, retryPolicy, readTimeout, minimumRate,
          rateWindow, verifyOnRecovery);
    }

    /**
     * The disk budget of the cached objects, counted as the class describes; default unlimited.
     * It must hold at least one part.
     *
     * @param bytes the budget
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public Builder maxBytes(long bytes) {
      this.maxBytes = CacheSettings.positive("maxBytes", bytes);
      return this;
    }

    /**
     * Free space to keep on the cache's file system: a fetch evicts or waits while less would be
     * left; default 0 (no check).
     *
     * @param bytes the free space to keep
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes < 0}
     */
    public Builder minFreeBytes(long bytes) {
      this.minFreeBytes = CacheSettings.notNegative("minFreeBytes", bytes);
      return this;
    }

    /**
     * Parts fetched at once across all objects; default 8.
     *
     * @param parts the number of parts
     * @return this builder
     * @throws IllegalArgumentException if {@code parts <= 0}
     */
    public Builder parallelism(int parts) {
      this.parallelism = (int) CacheSettings.positive("parallelism", parts);
      return this;
    }

    /**
     * Bytes per part; default 8 MiB. Entries cached with another part size are discarded when
     * opened.
     *
     * @param bytes the part size
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public Builder partSize(long bytes) {
      this.partSize = CacheSettings.positive("partSize", bytes);
      return this;
    }

    /**
     * How transient failures are retried; default {@link RetryPolicy#DEFAULT}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The read timeout of source streams and of {@code describe}; see {@link
     * FetchStore.Builder#readTimeout}.
     *
     * @param timeout the timeout
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
     * The minimum transfer rate of every part fetch; see {@link FetchStore.Builder#minimumRate}.
     *
     * @param bytesPerSecond the minimum rate; 0 (the default) disables it
     * @param window how long a fetch may stay below the rate; ignored when the rate is 0
     * @return this builder
     * @throws IllegalArgumentException naming {@code minimumRate} if {@code bytesPerSecond} is
     *     negative, or positive with a null, zero or negative {@code window}
     */
    public Builder minimumRate(long bytesPerSecond, Duration window) {
      this.rateWindow = FetchSettings.rateWindow(bytesPerSecond, window);
      this.minimumRate = bytesPerSecond;
      return this;
    }

    /**
     * Executor of the fetches; it must run at least {@code parallelism} tasks at once per object
     * being downloaded (fetch tasks wait for the shared budget and for space). Default: the
     * cache's own daemon threads, shut down on close.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Whether the parts of an entry recovered from an earlier run are re-read and checked against
     * their journaled CRC32C when the entry is first opened; default off. A part that does not
     * match (its bytes were damaged on disk, or the file was changed behind the cache's back) is
     * fetched again and does not count as resumed. Without it the journal is trusted: a part it
     * names is served as the file holds it, and only a caller-given MD5 or SHA-256 (which are
     * computed from the file) could notice damage. The check reads every recovered part of the
     * entry once, on the opening thread, before the open returns.
     *
     * @param verify whether to re-verify recovered parts
     * @return this builder
     */
    public Builder verifyOnRecovery(boolean verify) {
      this.verifyOnRecovery = verify;
      return this;
    }

    /**
     * Creates the directory if missing, locks it, recovers what an earlier cache left there and
     * opens the cache.
     *
     * @return the cache
     * @throws IllegalArgumentException if {@code maxBytes} is smaller than the part size
     * @throws IOException if the directory cannot be created or read, or another cache (in this
     *     or another process) uses it; the message says which
     */
    public FetchCache open() throws IOException {
      if (maxBytes < partSize) {
        throw new IllegalArgumentException("maxBytes " + maxBytes + " cannot hold one part of "
            + partSize + " bytes");
      }
      Tracer tracer = Tracer.forInstance(FetchCache.class);
      try (Tracer.Span span = tracer.enter("openCache", "directory", directory)) {
        try {
          return open0(tracer);
        } catch (IOException | RuntimeException e) {
          span.fail(e);
          throw e;
        }
      }
    }

    private FetchCache open0(Tracer tracer) throws IOException {
      return CacheDirectory.open(directory, maxBytes, minFreeBytes,
          (journal, index) -> new FetchCache(tracer, this, journal, index));
    }
  }
}
