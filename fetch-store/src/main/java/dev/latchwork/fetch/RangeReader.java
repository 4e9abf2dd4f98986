package dev.latchwork.fetch;

import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import dev.latchwork.core.internal.FlightRecorderState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The read path of a {@link FetchStore}: a positional read checks the present ranges, waits on the
 * written watermarks of the parts it lacks until they cover its bytes (demanding the parts first,
 * in reverse, so that its first part ends up at the front of the fetch order), then reads the temp
 * file, inside its gate, with no lock held. Thread-safe: any number of threads read at once, and a
 * read blocks neither other reads nor fetching.
 *
 * <p>Memory consistency effects: the fetch thread's writes of bytes to the temp file
 * happen-before every read that returns any of them, through the part's watermark (raised after
 * each write) or the present ranges (published after the part's last write); see {@link
 * PartPresence} for why a waiting read is never left unwoken. A read that finds its bytes present
 * takes no lock, does not wait and allocates nothing beyond its trace.
 */
final class RangeReader {
  private final Tracer tracer;
  private final TempFile file;
  private final Download download;
  private final PartPresence presence;
  private final DownloadFailure failure;
  private final long size;
  /** The test seam run by a reader inside the temp file's gate, read once per read. */
  private final Supplier<Runnable> insideReadHook;

  RangeReader(Tracer tracer, TempFile file, Download download, Supplier<Runnable> insideReadHook) {
    this.tracer = tracer;
    this.file = file;
    this.download = download;
    this.presence = download.presence();
    this.failure = download.failure();
    this.size = download.size();
    this.insideReadHook = insideReadHook;
  }

  /** Both read forms of {@link FetchStore}; {@code timeoutNanos < 0} waits forever. */
  int read(ByteBuffer dst, long position, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    Objects.requireNonNull(dst, "dst");
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative: " + position);
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("dst is a read-only buffer");
    }
    try (Tracer.Span span =
        tracer.enter("readAt", "pos", position, "len", dst.remaining()).failUnlessOk()) {
      failure.checkUsable("read");
      if (position >= size) {
        return span.ok(-1);
      }
      int len = (int) Math.min(dst.remaining(), size - position);
      long end = position + len;
      if (len > 0 && !presence.isPresent(position, end)) {
        ReaderWaitEvent event =
            FlightRecorderState.isInitialized() ? ReaderWaitEvent.begun() : null;
        try {
          awaitRange(position, end, timeoutNanos);
        } finally {
          if (event != null) {
            ReaderWaitEvent.finish(event, tracer.instance(), position, len);
          }
        }
      }
      return span.ok(len == 0 ? 0 : file.read(dst, position, len, insideReadHook.get()));
    }
  }

  /** Waits until every byte of {@code [start, end)} is written (not the whole parts). */
  private void awaitRange(long start, long end, long timeoutNanos)
      throws IOException, InterruptedException, TimeoutException {
    int first = presence.partOf(start);
    int last = presence.partOf(end - 1);
    // Demand in reverse so that the first needed part ends up at the front of the queue.
    for (int p = last; p >= first; p--) {
      download.demand(p);
    }
    long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
    for (int p = first; p <= last; p++) {
      ProgressNotifier part = download.partWatermark(p);
      if (part == null) {
        continue;
      }
      // Bytes land in order from the part's start: wait only for those up to `end`. The
      // watermark completes (below any target) only once the part is present.
      long partStart = presence.partStart(p);
      long need = Math.min(end, presence.partEnd(p)) - partStart;
      try {
        if (timeoutNanos < 0) {
          part.awaitAtLeast(need);
        } else {
          part.awaitAtLeast(need, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
      } catch (SignalFailedException e) {
        throw failure.failedWaiting("read at " + start, e.getCause());
      } catch (TimeoutException e) {
        throw new TimeoutException("bytes [" + start + ", " + end + ") of " + download.source()
            + " not present within " + Duration.ofNanos(timeoutNanos));
      }
    }
  }
}
