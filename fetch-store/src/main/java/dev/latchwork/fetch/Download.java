package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.ProgressView;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The download engine of a {@link FetchStore}: owns the parts (which are present, which a reader
 * waits for, which to fetch next), the worker tasks and the executor they run on, the progress
 * counters and listener, and the download's failure. The store asks it which watermark to wait on
 * for a part, and to stop; which bytes are present and the readers' wake-ups are its {@link
 * PartPresence}, its failure and the checks against it its {@link DownloadFailure}, its counters
 * and listener its {@link DownloadProgress}.
 *
 * <p>Memory consistency effects: the writes of a part's bytes to the temp file happen-before the
 * part's watermark covers them, and before its range is {@linkplain PartPresence#isPresent
 * present}; the completion of the last part happens-before {@link #bytesPresent()} reaches the
 * size. Actions before {@link #stop} or a failure happen-before every part watermark and the
 * progress notifier fail with its cause.
 *
 * <p>Memory grows with what is fetched and waited for, not with the part count: part flags are
 * {@link SparseBitSet sparse} and a part has a watermark only while it is fetched or waited for
 * (see {@link PartPresence}).
 */
final class Download {
  /*
   * Implementation notes.
   *
   * Parts: part p is [p * partSize, min(size, (p + 1) * partSize)). The scheduler hands each part
   * to exactly one worker; the workers are min(parallelism, partCount) tasks on the executor,
   * each claiming parts until none is left.
   *
   * Presence, part watermarks and the count of present bytes: see PartPresence, which explains
   * why no wake-up can be lost. The download completes a part in this order: the part counters,
   * the cache entry's state, then PartPresence.complete (range, watermark, held-back last write),
   * so a snapshot that sees all bytes present also sees the final counts.
   *
   * Cache entries (hooks set): a part's space is reserved before its fetch. A prefetch that finds
   * no free space is deferred: the part stays claimed, unfetched, in `deferred`. A reader that needs
   * it puts its watermark into PartPresence's map and then takes the part out of `deferred`
   * (undefer, which starts a fetch of its own); a worker that defers a part adds it to `deferred`
   * and then looks at that map (isWaitedFor, and wantAll). Each side writes its own set before reading the other's, so at
   * least one sees the other, and the remove decides which one fetches it: exactly once. A part
   * waiting for space counts in the progress (EntryParts). The fetcher holds the temp file from a
   * part's last write until completePart has recorded and journaled the part (EntryParts), so a
   * close racing the completion keeps the part instead of losing it.
   *
   * Cancellation: stop() opens stopped first and then has the fetcher close every registered
   * source transfer (PartFetcher explains why no fetch is missed). An owned executor is also shut
   * down with interrupts, and the tasks it never started are run on the stopping thread: workers
   * return at once (stopped is open) and a queued listener delivery still delivers the final
   * progress.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);

  private final Tracer tracer;
  private final RangeSource source;
  private final long size;
  private final long partSize;
  private final int partCount;
  private final int parallelism;
  private final PartScheduler scheduler;
  private final PartFetcher fetcher;
  private final PartPresence presence;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  /** The part counters and the listener's deliveries. */
  private final DownloadProgress progress;
  /** The download's own failure (not a close) and the checks against it. */
  private final DownloadFailure failure;
  /** Opens when fetching must stop (closed or failed); cuts backoffs short. */
  private final BroadcastLatch stopped = new BroadcastLatch();
  /** This object's share of a fetch budget shared with other stores, or null. */
  private final FetchBudget.Lane lane;
  /** Checks the object's checksum as parts land, or null. */
  private final ChecksumVerifier verifier;
  /** A cache entry's reservations and journal, or null. */
  private final EntryParts entry;
  /** Parts present when the download began (a cache entry's), with their CRC32C. */
  private final Map<Integer, Integer> presentAtStart;
  /** Prefetched parts of a cache entry that found no free space (see the notes). */
  private final Set<Integer> deferred = ConcurrentHashMap.newKeySet();
  /** Set by awaitComplete: every part is wanted, none is deferred any more. */
  private volatile boolean wantAll;

  /**
   * What a store sharing a fetch budget, verifying a checksum or serving a cache entry adds.
   *
   * @param budget the shared budget, or null
   * @param verify the expected checksum, or null
   * @param present parts present in the file already, with their CRC32C
   * @param hooks the cache entry's hooks, or null
   * @param flushEvery flush the temp file after this many bytes arrive, or 0 never (see {@link
   *     WriteBehind})
   */
  record Options(FetchBudget budget, ObjectChecksum verify, Map<Integer, Integer> present,
      DownloadHooks hooks, long flushEvery) {}

  Download(Tracer tracer, RangeSource source, RangeSource.ObjectInfo object, TempFile file,
      FetchSettings settings, Options options) {
    this.tracer = tracer;
    this.source = source;
    this.size = object.size();
    this.partSize = settings.partSize();
    this.partCount = partCount(size, partSize);
    this.parallelism = settings.parallelism();
    this.scheduler = new PartScheduler(partCount);
    this.presence = new PartPresence(size, partSize, this::signalProgress);
    boolean cacheEntry = options.hooks() != null;
    // A cache entry forces each part for its journal anyway.
    long flushEvery = cacheEntry ? 0 : options.flushEvery();
    if (settings.executor() != null) {
      this.executor = settings.executor();
      this.ownedExecutor = null;
    } else {
      // The workers, listener deliveries and, if flushing ahead, the flushes.
      this.ownedExecutor = newOwnedExecutor(tracer.instance(),
          parallelism + 1 + (flushEvery > 0 ? 1 : 0));
      this.executor = ownedExecutor;
    }
    this.fetcher = new PartFetcher(tracer, source, object, partSize, file, settings.retryPolicy(),
        settings.streamLimits(), settings.backoff(), stopped, this::fail, this::retrying,
        WriteBehind.after(presence::written, tracer, file, flushEvery, executor), cacheEntry);
    this.lane = options.budget() == null
        ? null : options.budget().newLane(source.toString(), scheduler::hasDemand);
    this.entry = !cacheEntry ? null
        : new EntryParts(tracer, file, options.hooks(), this::fail, this::signalProgress);
    this.progress = new DownloadProgress(presence, entry == null ? () -> 0 : entry::waitingForSpace,
        settings.listener(), executor);
    this.presentAtStart = options.present();
    // The caller's checksum and the one the source stated are both checked (ChecksumVerifier).
    this.verifier = options.verify() == null && object.checksum() == null ? null
        : new ChecksumVerifier(source.toString(), options.verify(), object.checksum(), size,
            partSize, () -> presence.presentUntil(0),
            (dst, at) -> file.read(dst, at, dst.remaining(), null), this::fail);
    this.failure = new DownloadFailure(file, source, verifier);
    if (entry != null || (verifier != null && verifier.checksPartCrcs())) {
      fetcher.computePartCrcs(); // the journal, or the object's CRC32C, combines them
    }
    if (verifier != null && verifier.digestsBytes()) {
      fetcher.observe(verifier::offer);
    }
  }

  /**
   * Returns the number of parts of an object of {@code size} bytes.
   *
   * @throws IllegalArgumentException if that is more than {@code Integer.MAX_VALUE}
   */
  static int partCount(long size, long partSize) {
    long count = size / partSize + (size % partSize == 0 ? 0 : 1);
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("part size " + partSize + " is too small for an object of "
          + size + " bytes (more than " + Integer.MAX_VALUE + " parts)");
    }
    return (int) count;
  }

  /**
   * Starts the workers.
   *
   * @throws java.util.concurrent.RejectedExecutionException if the executor refuses them
   */
  void start() {
    if (partCount == 0) {
      presence.completeEmpty();
      return;
    }
    for (int p : presentAtStart.keySet()) {
      if (scheduler.markClaimed(p)) {
        progress.presentAtStart();
        presence.presentAtStart(p);
      }
    }
    if (verifier != null) {
      presentAtStart.forEach(verifier::partDone);
    }
    int workers = Math.min(parallelism, partCount - presentAtStart.size());
    for (int i = 0; i < workers; i++) {
      executor.execute(this::workerLoop);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // For readers

  /** Returns the object's size. */
  long size() {
    return size;
  }

  /**
   * Returns which bytes are present, for readers: they wait through {@link #partWatermark}, never
   * on {@link PartPresence#watermark} directly (a deferred part would stay unfetched).
   */
  PartPresence presence() {
    return presence;
  }

  /** Returns the download's failure and the checks of the store's operations. */
  DownloadFailure failure() {
    return failure;
  }

  /** Moves part {@code p}, unless it is present or claimed, to the front of the fetch order. */
  void demand(int p) {
    if (!presence.isPartPresent(p) && scheduler.demand(p)) {
      LOG.debug("[FetchStore #{}] part {} moved to the front for a reader", tracer.instance(), p);
    }
  }

  /**
   * Returns the watermark to wait on for part {@code p}: the number of the part's bytes written,
   * contiguously from its start, as they land. It completes when the part is present and fails
   * with the store's failure or close. Returns null if the part is present already.
   */
  ProgressNotifier partWatermark(int p) {
    ProgressNotifier watermark = presence.watermark(p);
    if (watermark != null) {
      undefer(p); // after the watermark is in the map: see the notes on deferred parts
    }
    return watermark;
  }

  /** The number of present bytes, read-only; complete at the size, failed by a failure or close. */
  ProgressView bytesPresent() {
    return presence.bytesPresent();
  }

  /** Returns the source, for messages. */
  RangeSource source() {
    return source;
  }

  /**
   * Waits until every byte is present; {@code timeout} null waits forever. Returns false if the
   * timeout elapsed first.
   */
  boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
    failure.checkUsable("awaitComplete");
    wantAll();
    try {
      if (timeout == null) {
        presence.bytesPresent().awaitAtLeast(size);
        return failure.awaitVerified(-1);
      }
      long deadline = System.nanoTime() + TimeUnit.NANOSECONDS.convert(timeout);
      presence.bytesPresent().awaitAtLeast(size, timeout);
      return failure.awaitVerified(Math.max(0, deadline - System.nanoTime()));
    } catch (TimeoutException e) {
      return false;
    } catch (SignalFailedException e) {
      throw failure.failedWaiting("awaitComplete", e.getCause());
    }
  }

  /** Returns a snapshot of the progress. */
  FetchProgress progress() {
    return progress.snapshot();
  }

  /** Returns the executor the download created, or null if one was supplied (for tests). */
  ExecutorService ownedExecutor() {
    return ownedExecutor;
  }

  /**
   * Stops for the store's close: stops fetching, fails every waiter with {@code reason} (unless
   * the download failed before), and shuts an owned executor down.
   */
  void close(ClosedStoreException reason) {
    stop(reason);
    if (ownedExecutor != null) {
      List<Runnable> neverStarted = ownedExecutor.shutdownNow();
      for (Runnable task : neverStarted) {
        task.run();
      }
    }
    signalProgress();
  }

  // ---------------------------------------------------------------------------------------------
  // Fetching

  private void workerLoop() {
    guarded(() -> {
      while (!stopped.isOpen() && withPermit(this::claimAndFetch)) {
        // one part per permit, so that the budget can hand the next permit to another object
      }
    });
  }

  /** Claims the next part and fetches it; false when every part has been claimed. */
  private boolean claimAndFetch() {
    int p = scheduler.claim();
    if (p < 0) {
      return false;
    }
    fetchPart(p, wantAll || presence.isWaitedFor(p));
    return true;
  }

  /** Runs {@code work} holding a budget permit (if the budget is shared); false if stopping. */
  private boolean withPermit(java.util.function.BooleanSupplier work) {
    if (lane != null && !acquireOrFail()) {
      return false;
    }
    try {
      return work.getAsBoolean();
    } finally {
      if (lane != null) {
        lane.release();
      }
    }
  }

  /** Runs a fetch task: a broken source or a bug fails the store instead of hanging readers. */
  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      fail(e);
    } catch (Error e) {
      fail(e);
      throw e;
    }
  }

  /** Reserves (for a cache entry), fetches and publishes part {@code p}. */
  private void fetchPart(int p, boolean urgent) {
    if (entry != null) {
      DownloadHooks.Reservation r = entry.reserve(p, urgent, stopped);
      if (r == DownloadHooks.Reservation.STOPPED) {
        return;
      }
      if (r == DownloadHooks.Reservation.DEFERRED) {
        deferred.add(p);
        // A reader that began waiting before the add did not see it deferred (see the notes).
        if ((wantAll || presence.isWaitedFor(p)) && deferred.remove(p)) {
          fetchPart(p, true); // urgent: never deferred again
        }
        return;
      }
    }
    progress.fetchStarted();
    boolean fetched = false;
    int[] crc = new int[1];
    try {
      fetched = fetcher.fetch(p, crc);
    } finally {
      if (!fetched) {
        progress.fetchAbandoned();
        if (entry != null) {
          entry.abandoned(p);
        }
      }
    }
    if (fetched) {
      completePart(p, crc[0]);
    }
  }

  /** Fetches a deferred part a reader now waits for, holding a budget permit like a worker. */
  private void fetchDeferred(int p) {
    guarded(() -> {
      if (!stopped.isOpen()) {
        withPermit(() -> {
          fetchPart(p, true);
          return true;
        });
      }
    });
  }

  /** Starts the fetch of part {@code p} if it was deferred; after a reader began to wait. */
  private void undefer(int p) {
    if (deferred.remove(p)) {
      try {
        executor.execute(() -> fetchDeferred(p));
      } catch (RejectedExecutionException e) {
        if (!stopped.isOpen()) {
          fail(new IOException("the executor refused the fetch of a part a reader waits for", e));
        }
      }
    }
  }

  /** Every part is wanted from now on (awaitComplete): no part stays deferred. */
  private void wantAll() {
    if (entry == null || wantAll) {
      return;
    }
    wantAll = true;
    for (int p : deferred) {
      undefer(p);
    }
  }

  /** Takes a budget permit; false (having failed the download if interrupted) if stopping. */
  private boolean acquireOrFail() {
    try {
      return lane.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new InterruptedIOException("fetch thread interrupted waiting for the fetch budget"));
      return false;
    }
  }

  /** Publishes fetched part {@code p}; for a cache entry, the fetch handed over the file's hold. */
  private void completePart(int p, int crc) {
    boolean present = false;
    try {
      progress.fetchDone();
      // In the entry's state before any reader can see it.
      if (entry != null) {
        entry.present(p, crc);
      }
      // The part's last write left its bytes for this (PartPresence.written), so bytesPresent
      // reaches the size only after the counters above are final.
      presence.complete(p);
      if (verifier != null) {
        verifier.partDone(p, crc);
      }
      present = true;
    } finally {
      if (entry != null) {
        entry.finish(p, crc, present); // journals it, and only then may the file be released
      }
    }
    signalProgress();
  }

  /** Fails the download for good: wakes every waiter with the cause, stops every fetch. */
  private void fail(Throwable cause) {
    if (!failure.record(cause)) {
      return;
    }
    LOG.warn("[FetchStore #{}] download of {} failed", tracer.instance(), source, cause);
    stop(cause);
    signalProgress();
  }

  /**
   * Stops fetching and wakes every waiter with the first stop cause, for both close and failure:
   * stopped opens first, so a fetch that registers its stream afterwards sees it (see
   * PartFetcher).
   */
  private void stop(Throwable cause) {
    Throwable first = presence.stopCause(cause);
    stopped.open();
    presence.failWaiters(first);
    fetcher.abortInFlight();
    if (lane != null) {
      lane.close();
    }
    if (entry != null) {
      entry.stopped(failure.get());
    }
  }

  /** Counts a retry of a part (PartFetcher's callback). */
  private void retrying() {
    progress.retrying();
  }

  private void signalProgress() {
    progress.signal();
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
    return "present " + presence + (failure.get() != null ? ", failed" : "");
  }
}
