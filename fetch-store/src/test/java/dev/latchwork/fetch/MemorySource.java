package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link RangeSource} with fault injection: each {@link #open} asks the {@link Fault}
 * how to behave (serve normally, fail, end short, reset, block at a gate, trickle), and records an
 * event
 * ("open START-END") so tests can assert on the order of fetches.
 */
final class MemorySource implements RangeSource {
  /** Decides how the {@code n}th open (counting from 0) of {@code [start, end)} behaves. */
  @FunctionalInterface
  interface Fault {
    Behavior on(long start, long end, int n) throws IOException;
  }

  /**
   * How one stream behaves: after {@code bytesBeforeFault} bytes, wait for {@code gate} (if any),
   * then end early ({@code shortEnd}), throw {@code error}, or go on normally; with a {@code
   * trickle} pace, every read waits that long (cut short by close) and brings one byte.
   */
  record Behavior(long bytesBeforeFault, CompletableFuture<Void> gate, boolean shortEnd,
      IOException error, Duration trickle) {
    Behavior(long bytesBeforeFault, CompletableFuture<Void> gate, boolean shortEnd,
        IOException error) {
      this(bytesBeforeFault, gate, shortEnd, error, null);
    }

    static Behavior normal() {
      return new Behavior(Long.MAX_VALUE, null, false, null);
    }

    static Behavior gated(CompletableFuture<Void> gate) {
      return new Behavior(0, gate, false, null);
    }

    /** Blocks after {@code bytes} bytes until the stream is closed. */
    static Behavior stallAfter(long bytes) {
      return new Behavior(bytes, new CompletableFuture<>(), false, null);
    }

    static Behavior shortBodyAfter(long bytes) {
      return new Behavior(bytes, null, true, null);
    }

    static Behavior resetAfter(long bytes) {
      return new Behavior(bytes, null, false, new IOException("injected: connection reset"));
    }

    static Behavior gatedThenFail(CompletableFuture<Void> gate, IOException error) {
      return new Behavior(0, gate, false, error);
    }

    /** One byte about every {@code pace} until closed: always active, always slow. */
    static Behavior trickle(Duration pace) {
      return new Behavior(Long.MAX_VALUE, null, false, null, pace);
    }
  }

  final byte[] data;
  final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
  final AtomicInteger opens = new AtomicInteger();
  final AtomicInteger openStreams = new AtomicInteger();
  volatile long describedSize;
  volatile String version = "v1";
  volatile Fault fault = (start, end, n) -> Behavior.normal();

  MemorySource(byte[] data) {
    this.data = data;
    this.describedSize = data.length;
  }

  /** describe() fails transiently this many times first. */
  final AtomicInteger describeFailures = new AtomicInteger();

  @Override
  public ObjectInfo describe() throws IOException {
    if (describeFailures.getAndDecrement() > 0) {
      throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT, "injected: 503");
    }
    return new ObjectInfo(describedSize, version);
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) throws IOException {
    ObjectInfo.checkRange(object, start, end);
    int n = opens.getAndIncrement();
    events.add("open " + start + "-" + end);
    if (!Objects.equals(object.versionTag(), version)) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          "version is now " + version + ", asked for " + object.versionTag());
    }
    Behavior b = fault.on(start, end, n);
    openStreams.incrementAndGet();
    return new Stream(start, Math.min(end, data.length), b);
  }

  @Override
  public String toString() {
    return "MemorySource[" + data.length + " bytes]";
  }

  private final class Stream extends InputStream {
    private final long faultAt;
    private final Behavior behavior;
    private final long end;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private long position;
    private boolean faultDone;

    Stream(long start, long end, Behavior behavior) {
      this.position = start;
      this.end = end;
      this.behavior = behavior;
      long at = start + behavior.bytesBeforeFault();
      this.faultAt = at < start ? Long.MAX_VALUE : at; // overflow of MAX_VALUE
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed.isDone()) {
        throw new IOException("stream closed");
      }
      if (behavior.trickle() != null) {
        if (closedWithin(behavior.trickle())) {
          throw new IOException("stream closed while trickling");
        }
        len = Math.min(len, 1);
      }
      if (!faultDone && position >= faultAt) {
        faultDone = true;
        if (behavior.gate() != null) {
          try {
            CompletableFuture.anyOf(behavior.gate(), closed).get();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted at the gate");
          } catch (ExecutionException e) {
            throw new IOException("gate failed", e.getCause());
          }
          if (closed.isDone()) {
            throw new IOException("stream closed while blocked");
          }
        }
        if (behavior.shortEnd()) {
          return -1;
        }
        if (behavior.error() != null) {
          throw new IOException(behavior.error().getMessage(), behavior.error());
        }
      }
      if (position >= end) {
        return -1;
      }
      long limit = faultDone ? end : Math.min(end, faultAt);
      int n = (int) Math.min(len, limit - position);
      System.arraycopy(data, (int) position, b, off, n);
      position += n;
      return n;
    }

    /** Waits up to {@code pace} for the stream to be closed: the pace of a slow link. */
    private boolean closedWithin(Duration pace) throws InterruptedIOException {
      try {
        closed.get(pace.toNanos(), TimeUnit.NANOSECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while trickling");
      } catch (ExecutionException e) {
        return true;
      }
    }

    @Override
    public void close() {
      if (closed.complete(null)) {
        openStreams.decrementAndGet();
      }
    }
  }
}
