package dev.latchwork.fetch;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One deadline per stream, checked by the shared {@link ReadTimer} thread: aborts a stream that
 * brought no byte for its idle timeout, or (optionally) fewer than a minimum number of bytes per
 * second over a window, like curl's {@code --speed-limit}/{@code --speed-time} and aria2's {@code
 * --lowest-speed-limit}.
 *
 * <p>The reading thread calls {@link #progress(long)} after every read; that is two plain field
 * updates and one volatile write, no scheduling. The timer runs one task per stream that, when it
 * fires, either aborts the stream (by running the abort action once) or re-arms itself at the next
 * moment the stream could be late. {@link #expired()} tells a read that failed because of the abort
 * from a genuine failure. Thread-safe; {@link #close()} cancels the task.
 *
 * <p>Memory effects: the abort action's writes happen-before {@link #expired()} returns true.
 */
final class StreamWatchdog implements AutoCloseable {
  /*
   * Implementation notes: lastProgressNanos is written by the reader (volatile, so the timer sees
   * a recent value; a stale read only delays an abort by one re-arm). bytes is written by the
   * reader and read by the timer: a torn or stale view cannot occur for a volatile long. The rate
   * window is kept by the timer thread alone (windowStart, windowBytes), so the reader never
   * touches it. The task is re-armed under the monitor only to order it with close(); no I/O and
   * no waiting happens under it.
   */

  /** Limits of one stream; {@code 0} disables a limit. */
  record Limits(long idleTimeoutNanos, long minBytesPerSecond, long rateWindowNanos) {
    static final Limits NONE = new Limits(0, 0, 0);

    Limits {
      if (idleTimeoutNanos < 0 || minBytesPerSecond < 0 || rateWindowNanos < 0) {
        throw new IllegalArgumentException("negative stream limit");
      }
      if (minBytesPerSecond > 0 && rateWindowNanos == 0) {
        throw new IllegalArgumentException("a minimum rate needs a window");
      }
    }

    boolean isNone() {
      return idleTimeoutNanos == 0 && minBytesPerSecond == 0;
    }

    Limits withIdleTimeout(long nanos) {
      return new Limits(nanos, minBytesPerSecond, rateWindowNanos);
    }
  }

  private final Limits limits;
  private final Runnable abort;
  private volatile long lastProgressNanos;
  private volatile long bytes;
  private volatile String reason;
  private long windowStartNanos; // timer thread only
  private long windowStartBytes; // timer thread only
  private ScheduledFuture<?> task; // guarded by this
  private boolean closed; // guarded by this

  private StreamWatchdog(Limits limits, Runnable abort) {
    this.limits = limits;
    this.abort = abort;
    long now = System.nanoTime();
    this.lastProgressNanos = now;
    this.windowStartNanos = now;
  }

  /** Starts watching a stream; {@code abort} runs at most once, on the timer thread. */
  static StreamWatchdog start(Limits limits, Runnable abort) {
    StreamWatchdog watchdog = new StreamWatchdog(limits, abort);
    if (!limits.isNone()) {
      watchdog.arm(watchdog.nextCheck(System.nanoTime()) - System.nanoTime());
    }
    return watchdog;
  }

  /** Records that {@code n >= 0} more bytes arrived; counts as activity even when zero. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // one writer: the reading thread
  void progress(long n) {
    bytes += n;
    lastProgressNanos = System.nanoTime();
  }

  /** Returns true once the stream was aborted for being idle or slow. */
  boolean expired() {
    return reason != null;
  }

  /** Why the stream was aborted, or {@code null}. */
  String reason() {
    return reason;
  }

  /** Stops watching; the abort action does not run after this returns unless it already began. */
  @Override
  public synchronized void close() {
    closed = true;
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  private synchronized void arm(long delayNanos) {
    if (!closed) {
      task = ReadTimer.INSTANCE.schedule(this::check, Math.max(delayNanos, 1_000_000L),
          TimeUnit.NANOSECONDS);
    }
  }

  private long nextCheck(long now) {
    long next = Long.MAX_VALUE;
    if (limits.idleTimeoutNanos() > 0) {
      next = lastProgressNanos + limits.idleTimeoutNanos();
    }
    if (limits.minBytesPerSecond() > 0) {
      next = Math.min(next, windowStartNanos + limits.rateWindowNanos());
    }
    return next == Long.MAX_VALUE ? now : next;
  }

  private void check() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    long now = System.nanoTime();
    String late = null;
    if (limits.idleTimeoutNanos() > 0 && now - lastProgressNanos >= limits.idleTimeoutNanos()) {
      late = "no data for " + Duration.ofNanos(limits.idleTimeoutNanos());
    } else if (limits.minBytesPerSecond() > 0
        && now - windowStartNanos >= limits.rateWindowNanos()) {
      long got = bytes - windowStartBytes;
      double seconds = (now - windowStartNanos) / 1e9;
      if (got < limits.minBytesPerSecond() * seconds) {
        late = "transfer slower than " + limits.minBytesPerSecond() + " bytes/s ("
            + got + " bytes in " + Duration.ofNanos(now - windowStartNanos) + ")";
      } else {
        windowStartNanos = now;
        windowStartBytes = bytes;
      }
    }
    if (late != null) {
      reason = late;
      abort.run();
      return;
    }
    arm(nextCheck(now) - now);
  }
}
