package dev.latchwork.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server (a {@link HostileServer}) of a few named objects, with strong ETags and
 * ranges, that records every range it serves per run and can stop serving at an exact event: the
 * n-th range request of the run, or the n-th body byte of the run. At that point it completes the
 * run's {@link Run#stopped()} future and holds every response that wants more bytes until the run
 * is {@linkplain Run#release released}, so the test decides what happens next (for example, kill
 * the client) without sleeping.
 */
final class CountingObjectServer implements AutoCloseable {
  /** Bytes written per socket write: the granularity of a byte limit. */
  private static final int CHUNK = 4 << 10;

  /** One range response: the object, the range asked for, and the body bytes written. */
  record Served(String key, long start, long end, long bytes) {
    boolean complete() {
      return bytes == end - start;
    }
  }

  /**
   * What the server does until the next run begins. With {@code stopAtRequest > 0} the range
   * request of that number (1-based) is answered with {@code stopBytes} body bytes and then held;
   * with {@code stopAfterBytes} the run serves that many body bytes in all; otherwise no limit.
   */
  static final class Run {
    private final int stopAtRequest;
    private final long stopBytes;
    private final long stopAfterBytes;
    private final AtomicInteger rangeRequests = new AtomicInteger();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CountDownLatch released = new CountDownLatch(1);
    final ConcurrentLinkedQueue<Served> served = new ConcurrentLinkedQueue<>();
    private long bytes; // guarded by this

    private Run(int stopAtRequest, long stopBytes, long stopAfterBytes) {
      this.stopAtRequest = stopAtRequest;
      this.stopBytes = stopBytes;
      this.stopAfterBytes = stopAfterBytes;
    }

    /** Completes when the run reached its stop event (never for a run without one). */
    CompletableFuture<Void> stopped() {
      return stopped;
    }

    /** Lets the held responses go on: they end their connection without more bytes. */
    void release() {
      released.countDown();
    }

    /** Body bytes of {@code wanted} this run may still write (and counts them as written). */
    private synchronized long take(int request, long written, long wanted) {
      long allowed = wanted;
      if (stopAtRequest > 0 && request == stopAtRequest) {
        allowed = Math.max(0, Math.min(wanted, stopBytes - written));
      } else if (stopAtRequest > 0 && request > stopAtRequest) {
        allowed = 0;
      }
      allowed = Math.min(allowed, stopAfterBytes - bytes);
      bytes += allowed;
      return allowed;
    }
  }

  private final Map<String, byte[]> objects;
  private final HostileServer server;
  private volatile Run run = new Run(0, 0, Long.MAX_VALUE);

  CountingObjectServer(Map<String, byte[]> objects) throws IOException {
    this.objects = Map.copyOf(objects);
    this.server = new HostileServer(this::handle);
  }

  URI uri(String key) {
    return server.uri(key);
  }

  /** Starts a run that holds the {@code request}-th range request after {@code bytes} bytes. */
  Run stopAtRequest(int request, long bytes) {
    return begin(new Run(request, bytes, Long.MAX_VALUE));
  }

  /** Starts a run that serves {@code bytes} body bytes in all, then holds every response. */
  Run stopAfterBytes(long bytes) {
    return begin(new Run(0, 0, bytes));
  }

  /** Starts a run without a limit. */
  Run unlimited() {
    return begin(new Run(0, 0, Long.MAX_VALUE));
  }

  private Run begin(Run next) {
    Run previous = run;
    run = next;
    previous.release();
    return next;
  }

  private static String etag(String key) {
    return "ETag: \"v1-" + key + "\"";
  }

  private boolean handle(HostileServer.Request r, OutputStream out) throws Exception {
    String key = r.target().substring(1);
    byte[] data = objects.get(key);
    if (data == null) {
      HostileServer.head(out, "404 Not Found", "Content-Length: 0");
      return true;
    }
    long[] range = r.range();
    if (r.method().equals("HEAD") || range == null) {
      HostileServer.head(out, "200 OK", "Content-Length: " + data.length, etag(key),
          "Accept-Ranges: bytes");
      if (r.method().equals("GET")) {
        out.write(data);
      }
      return true;
    }
    Run current = run;
    int request = current.rangeRequests.incrementAndGet();
    long start = range[0];
    long end = Math.min(range[1], data.length);
    HostileServer.head(out, "206 Partial Content",
        "Content-Range: bytes " + start + "-" + (end - 1) + "/" + data.length,
        "Content-Length: " + (end - start), etag(key));
    long written = 0;
    while (written < end - start) {
      int wanted = (int) Math.min(CHUNK, end - start - written);
      long allowed = current.take(request, written, wanted);
      if (allowed > 0) {
        out.write(data, (int) (start + written), (int) allowed);
        written += allowed;
      }
      if (allowed < wanted) {
        out.flush();
        current.served.add(new Served(key, start, end, written));
        current.stopped.complete(null);
        current.released.await(120, TimeUnit.SECONDS);
        return false;
      }
    }
    current.served.add(new Served(key, start, end, written));
    return true;
  }

  /** The ranges served so far in {@code run}. */
  static List<Served> served(Run run) {
    return List.copyOf(run.served);
  }

  @Override
  public void close() throws IOException {
    run.release();
    server.close();
  }
}
