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
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
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
 * The download engine of a {@link FetchStore}: owns the parts (which are present, which a reader
 * waits for, which to fetch next), the worker tasks and the executor they run on, the progress
 * counters and listener, and the download's failure. The store asks it whether bytes are present,
 * which watermark to wait on for a part, and to stop.
 *
 * <p>Memory consistency effects: the writes of a part's bytes to the temp file happen-before the
 * part's watermark covers them, and before its range is {@linkplain #isPresent present}; the
 * completion of the last part happens-before {@link #bytesPresent()} reaches the size. Actions
 * before {@link #stop} or a failure happen-before every part watermark and the progress notifier
 * fail with its cause.
 *
 * <p>Memory grows with what is fetched and waited for, not with the part count: part flags are
 * {@link SparseBitSet sparse} and a part has a watermark only while it is fetched or waited for.
 */
final class Download {
  /*
   * Implementation notes.
   *
   * Parts: part p is [p * partSize, min(size, (p + 1) * partSize)). The scheduler hands each part
   * to exactly one worker; the workers are min(parallelism, partCount) tasks on the executor,
   * each claiming parts until none is left.
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
   * write, which completePart adds after updating the part counters, so a snapshot that sees all
   * bytes present also sees the final counts; it completes at the size and fails with the stop
   * cause. A publication racing a stop may find it failed: tryAdd says so instead of throwing, and
   * the publication adds nothing more (nobody can wait for it any more).
   *
   * Cache entries (hooks set): a part's space is reserved before its fetch. A prefetch that finds
   * no free space is deferred: the part stays claimed, unfetched, in `deferred`. A reader that needs
   * it puts its watermark into watermarks and then takes the part out of `deferred` (undefer, which
   * starts a fetch of its own); a worker that defers a part adds it to `deferred` and then looks at
   * watermarks (and wantAll). Each side writes its own set before reading the other's, so at
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
  private final TempFile file;
  private final long size;
  private final long partSize;
  private final int partCount;
  private final int parallelism;
  private final PartScheduler scheduler;
  private final PartFetcher fetcher;
  private final AtomicReference<IntervalSet> presentRanges =
      new AtomicReference<>(IntervalSet.EMPTY);
  private final ConcurrentHashMap<Integer, ProgressNotifier> watermarks = new ConcurrentHashMap<>();
  /** The last write of each written but not yet completed part, published by completePart. */
  private final ConcurrentHashMap<Integer, Long> heldBack = new ConcurrentHashMap<>();
  private final ProgressNotifier bytesPresent = new ProgressNotifier();
  private final AtomicInteger partsDone = new AtomicInteger();
  private final AtomicInteger partsInFlight = new AtomicInteger();
  private final AtomicLong retries = new AtomicLong();
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final ProgressDispatcher dispatcher;
  /** The download's own failure (not a close); set once. */
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  /** Why everything stopped: the failure or the close; set once, before stopped opens. */
  private final AtomicReference<Throwable> stopCause = new AtomicReference<>();
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
   */
  record Options(FetchBudget budget, ObjectChecksum verify, Map<Integer, Integer> present,
      DownloadHooks hooks) {}

  Download(Tracer tracer, RangeSource source, RangeSource.ObjectInfo object, TempFile file,
      FetchSettings settings, Options options) {
    this.tracer = tracer;
    this.source = source;
    this.file = file;
    this.size = object.size();
    this.partSize = settings.partSize();
    this.partCount = partCount(size, partSize);
    this.parallelism = settings.parallelism();
    this.scheduler = new PartScheduler(partCount);
    this.fetcher = new PartFetcher(tracer, source, object, partSize, file, settings.retryPolicy(),
        TimeUnit.NANOSECONDS.convert(settings.readTimeout()), settings.backoff(), stopped,
        this::fail, this::retrying, this::written, options.hooks() != null);
    if (settings.executor() != null) {
      this.executor = settings.executor();
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = newOwnedExecutor(tracer.instance(), parallelism + 1);
      this.executor = ownedExecutor;
    }
    this.dispatcher = settings.listener() == null
        ? null : new ProgressDispatcher(this::progress, settings.listener(), executor);
    this.lane = options.budget() == null
        ? null : options.budget().newLane(source.toString(), scheduler::hasDemand);
    this.entry = options.hooks() == null ? null
        : new EntryParts(tracer, file, options.hooks(), this::fail, this::signalProgress);
    this.presentAtStart = options.present();
    // The caller's checksum and the one the source stated are both checked (ChecksumVerifier).
    this.verifier = options.verify() == null && object.checksum() == null ? null
        : new ChecksumVerifier(source.toString(), options.verify(), object.checksum(), size,
            partSize, () -> presentUntil(0),
            (dst, at) -> file.read(dst, at, dst.remaining(), null), this::fail);
    if (verifier != null) {
      fetcher.observe(verifier::offer);
    }
  }

  /**
   * Describes {@code source}, retrying transient failures as the settings' policy says, and
   * checks that the part size suits the object.
   *
   * @throws IOException the last failure of {@code describe}, as {@link RetryPolicy#call} says
   * @throws IllegalArgumentException if the part size is too small for the object
   */
  static RangeSource.ObjectInfo describe(Tracer tracer, RangeSource source,
      FetchSettings settings) throws IOException {
    RangeSource.ObjectInfo object = settings.retryPolicy().call(source::describe,
        settings.backoff(), new BroadcastLatch(), (attempt, failure, delay) -> LOG.debug(
            "[FetchStore #{}] open RETRY describe attempt={} in={} thread={}: {}",
            tracer.instance(), attempt, delay, Thread.currentThread().getName(), failure));
    if (object == null) {
      throw new IllegalStateException(source + " described no object (null)");
    }
    partCount(object.size(), settings.partSize());
    return object;
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
      bytesPresent.complete();
      return;
    }
    for (int p : presentAtStart.keySet()) {
      if (scheduler.markClaimed(p)) {
        long start = (long) p * partSize;
        long end = Math.min(size, start + partSize);
        partsDone.incrementAndGet();
        presentRanges.updateAndGet(s -> s.add(start, end));
        if (bytesPresent.tryAdd(end - start) == size) {
          bytesPresent.tryComplete();
        }
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

  /** Moves part {@code p}, unless it is present or claimed, to the front of the fetch order. */
  void demand(int p) {
    if (!isPartPresent(p) && scheduler.demand(p)) {
      LOG.debug("[FetchStore #{}] part {} moved to the front for a reader", tracer.instance(), p);
    }
  }

  /**
   * Returns the watermark to wait on for part {@code p}: the number of the part's bytes written,
   * contiguously from its start, as they land. It completes when the part is present and fails
   * with the store's failure or close. Returns null if the part is present already.
   */
  ProgressNotifier partWatermark(int p) {
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
    undefer(p); // after the watermark is in the map: see the notes on deferred parts
    return watermark;
  }

  /** The number of present bytes, read-only; complete at the size, failed by a failure or close. */
  ProgressView bytesPresent() {
    return bytesPresent.view();
  }

  /** Returns the source, for messages. */
  RangeSource source() {
    return source;
  }

  /**
   * Checks that the store is neither closed nor failed.
   *
   * @throws ClosedStoreException if the store is closed
   * @throws IOException if the download failed; the cause is the failure
   */
  void checkUsable(String operation) throws IOException {
    checkOpen(operation);
    Throwable cause = failure.get();
    if (cause != null) {
      throw failed(operation, cause);
    }
  }

  /** Throws ClosedStoreException if the store is closed. */
  void checkOpen(String operation) throws ClosedStoreException {
    if (file.isClosed()) {
      throw new ClosedStoreException(operation + ": store closed");
    }
  }

  /** Throws IllegalStateException unless every byte is present. */
  void checkComplete(String operation) {
    long present = bytesPresent.get();
    if (present != size) {
      throw new IllegalStateException(operation + ": download incomplete, " + present + " of "
          + size + " bytes present");
    }
  }

  /**
   * Waits until every byte is present; {@code timeout} null waits forever. Returns false if the
   * timeout elapsed first.
   */
  boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
    checkUsable("awaitComplete");
    wantAll();
    try {
      if (timeout == null) {
        bytesPresent.awaitAtLeast(size);
        return awaitVerified(-1);
      }
      long deadline = System.nanoTime() + TimeUnit.NANOSECONDS.convert(timeout);
      bytesPresent.awaitAtLeast(size, timeout);
      return awaitVerified(Math.max(0, deadline - System.nanoTime()));
    } catch (TimeoutException e) {
      return false;
    } catch (SignalFailedException e) {
      throw failedWaiting("awaitComplete", e.getCause());
    }
  }

  /** The exception for a wait that ended with {@code cause}: the store's close or failure. */
  IOException failedWaiting(String operation, Throwable cause) {
    if (cause instanceof ClosedStoreException) {
      return new ClosedStoreException(operation + ": " + cause.getMessage());
    }
    return failed(operation, cause);
  }

  /** Waits for the checksum's verdict (true at once without one); false on timeout. */
  private boolean awaitVerified(long timeoutNanos) throws InterruptedException {
    if (verifier == null) {
      return true;
    }
    if (timeoutNanos < 0) {
      verifier.result().await();
      return true;
    }
    return verifier.result().await(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Throws unless there is no checksum to check or it matched.
   *
   * @throws IllegalStateException if the checksum is not verified yet
   */
  void checkVerified(String operation) {
    if (verifier != null
        && !(verifier.result().isOpen() && verifier.result().failure() == null)) {
      throw new IllegalStateException(operation + ": the object's checksum is not verified yet"
          + " (see awaitComplete)");
    }
  }

  private IOException failed(String operation, Throwable cause) {
    if (cause instanceof ChecksumMismatchException mismatch) {
      return new ChecksumMismatchException(operation, mismatch);
    }
    return new IOException(operation + ": download of " + source + " failed: " + cause, cause);
  }

  /** Returns a snapshot of the progress. */
  FetchProgress progress() {
    return new FetchProgress(bytesPresent.get(), size, partsDone.get(), partsInFlight.get(),
        retries.get(), entry == null ? 0 : entry.waitingForSpace());
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
    fetchPart(p, wantAll || watermarks.containsKey(p));
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
        if ((wantAll || watermarks.containsKey(p)) && deferred.remove(p)) {
          fetchPart(p, true); // urgent: never deferred again
        }
        return;
      }
    }
    partsInFlight.incrementAndGet();
    signalProgress();
    boolean fetched = false;
    int[] crc = new int[1];
    try {
      fetched = fetcher.fetch(p, crc);
    } finally {
      if (!fetched) {
        partsInFlight.decrementAndGet();
        signalProgress();
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
    long start = (long) p * partSize;
    long end = Math.min(size, start + partSize);
    boolean present = false;
    try {
      partsInFlight.decrementAndGet();
      partsDone.incrementAndGet();
      // In the entry's state before any reader can see it.
      if (entry != null) {
        entry.present(p, crc);
      }
      presentRanges.updateAndGet(s -> s.add(start, end));
      ProgressNotifier watermark = watermarks.remove(p);
      if (watermark != null) {
        watermark.tryComplete();
      }
      // The part's last write left its bytes for this add (see written), so bytesPresent
      // reaches the size only after the counters above are final.
      Long lastWrite = heldBack.remove(p);
      publish(lastWrite == null ? 0 : lastWrite);
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

  /**
   * PartFetcher's callback after every write: raises the part's watermark (waking the readers
   * that wait inside the part) and counts the bytes as present, except those of the part's last
   * write, which completePart publishes once the part's counters are final.
   */
  private void written(int p, long partBytes, long n) {
    long start = (long) p * partSize;
    long length = Math.min(size, start + partSize) - start;
    // Count first, then wake: a reader served by the watermark sees its bytes in the progress.
    if (partBytes < length) {
      publish(n);
      signalProgress();
    } else {
      heldBack.put(p, n);
    }
    watermarks.computeIfAbsent(p, k -> new ProgressNotifier()).tryAdvanceTo(partBytes);
  }

  private void publish(long n) {
    if (n > 0 && bytesPresent.tryAdd(n) == size) {
      bytesPresent.tryComplete();
    }
  }

  /** Fails the download for good: wakes every waiter with the cause, stops every fetch. */
  private void fail(Throwable cause) {
    if (file.isClosed() || !failure.compareAndSet(null, cause)) {
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
    stopCause.compareAndSet(null, cause);
    Throwable first = stopCause.get();
    stopped.open();
    for (ProgressNotifier watermark : watermarks.values()) {
      watermark.tryFail(first);
    }
    bytesPresent.tryFail(first);
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
    retries.incrementAndGet();
    signalProgress();
  }

  private boolean isPartPresent(int p) {
    long start = (long) p * partSize;
    return isPresent(start, Math.min(size, start + partSize));
  }

  private void signalProgress() {
    if (dispatcher != null) {
      dispatcher.signal();
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
    return "present " + presentRanges.get() + (failure.get() != null ? ", failed" : "");
  }
}
