package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a {@link Download} that serves a {@link FetchCache} entry and talks to its {@link
 * DownloadHooks}: space is reserved before each part is fetched (a part waiting for space counts
 * in {@link #waitingForSpace()} and is an in-flight {@code awaitSpace} operation of the store's
 * {@link Tracer}), and a completed part is recorded in the entry and journaled once its bytes are
 * forced, before the store's temp file can be released. Thread-safe.
 */
final class EntryParts {
  /*
   * Implementation notes.
   *
   * Completion: for a cache entry, PartFetcher holds the temp file from a part's last write on
   * and the fetch hands the hold over; finish() forces the file and journals the part under it,
   * then releases it. A close of the store releases the file only after that, so the two that
   * wait for the file, the cache's close (before it closes the journal) and the entry's next
   * store (before it reads the entry's present parts), both find the part: no part whose bytes
   * were all written is fetched again. The force and the journal write are work that must
   * complete whoever interrupts this thread (a force refuses to start on an interrupted thread),
   * so they run with the interrupt status cleared, and it is restored after.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);

  private final Tracer tracer;
  private final TempFile file;
  private final DownloadHooks hooks;
  private final Consumer<Throwable> onFailure;
  private final Runnable onChange;
  private final AtomicInteger waitingForSpace = new AtomicInteger();

  /**
   * @param onFailure fails the download for good
   * @param onChange told when the parts waiting for space change (signals progress)
   */
  EntryParts(Tracer tracer, TempFile file, DownloadHooks hooks, Consumer<Throwable> onFailure,
      Runnable onChange) {
    this.tracer = tracer;
    this.file = file;
    this.hooks = hooks;
    this.onFailure = onFailure;
    this.onChange = onChange;
  }

  /**
   * Reserves space for part {@code p} (see {@link DownloadHooks#reserve}); a wait for space is
   * counted and traced while it lasts. An interrupt fails the download and returns STOPPED, with
   * the interrupt status set.
   */
  DownloadHooks.Reservation reserve(int p, boolean urgent, BroadcastLatch stopped) {
    Tracer.Span[] wait = new Tracer.Span[1];
    boolean interrupted = false;
    DownloadHooks.Reservation r = DownloadHooks.Reservation.STOPPED;
    try {
      r = hooks.reserve(p, urgent, stopped, () -> {
        wait[0] = tracer.enter("awaitSpace", "part", p);
        waitingForSpace.incrementAndGet();
        onChange.run();
      });
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (wait[0] != null) {
        waitingForSpace.decrementAndGet();
        wait[0].close();
        onChange.run();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      onFailure.accept(
          new InterruptedIOException("fetch thread interrupted waiting for cache space"));
    }
    return r;
  }

  /** The number of parts waiting for space right now. */
  int waitingForSpace() {
    return waitingForSpace.get();
  }

  /** Part {@code p} is written and about to become present (see {@link DownloadHooks}). */
  void present(int p, int crc) {
    hooks.partPresent(p, crc);
  }

  /**
   * Ends the completion of part {@code p}, on the thread the fetch handed the file's hold to:
   * if {@code journal} (the part is present), forces the file and journals the part; then
   * releases the hold, whatever happened. A failure to force or journal is logged: the part is
   * then fetched again after a restart.
   */
  void finish(int p, int crc, boolean journal) {
    boolean interrupted = Thread.interrupted();
    try {
      if (journal) {
        file.forceHeld();
        hooks.partDurable(p, crc);
      }
    } catch (IOException e) {
      LOG.debug("[FetchStore #{}] forcing {} failed; part {} is not journaled",
          tracer.instance(), file, p, e);
    } finally {
      file.release();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The fetch of reserved part {@code p} ended without it. */
  void abandoned(int p) {
    hooks.partAbandoned(p);
  }

  /** The download stopped; {@code failure} is null for a close. */
  void stopped(Throwable failure) {
    hooks.stopped(failure);
  }
}
