package dev.latchwork.benchmarks.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server (the JDK's {@code com.sun.net.httpserver}) serving one in-memory object
 * with single byte ranges and an ETag, each response paced to {@code bytesPerSecond}: a stand-in
 * for a remote object store whose connections are each bandwidth-limited, which is what makes
 * parallel part fetches worth having.
 *
 * <p>{@link #LoopbackRangeServer(List, long, long, Duration) The other constructor} serves many
 * objects, object {@code i} at {@link #uri(int)}, and models the rest of a remote store: a link
 * whose bandwidth all responses share (a client's network interface), and a delay before every
 * response's headers (a store's time to first byte), HEAD included.
 *
 * <p>Supports HEAD, GET without {@code Range} (200, whole object), GET with {@code Range:
 * bytes=a-b}, {@code bytes=a-} or {@code bytes=-n} (206 with {@code Content-Range}), {@code
 * If-Match} (412 on a mismatch) and 416 for unsatisfiable ranges. Pacing: the body is written in
 * 64 KiB slices and the handler parks until the slice's scheduled time, so a response never runs
 * ahead of its cap; this waiting models the link, it does not provoke any race.
 */
final class LoopbackRangeServer implements AutoCloseable {
  /*
   * Implementation notes: one handler thread per exchange from a cached daemon pool, so parallel
   * range requests are served in parallel, each with its own pace. A client that aborts a body
   * makes the write fail with an IOException, which ends that exchange only. The shared link is
   * one "free at" time advanced by each slice's transmission time (a CAS loop, no lock): a slice
   * waits for its connection's pace first, then for its place on the link, so neither cap is
   * exceeded and connections share the link in the order their slices become ready.
   */

  static final String ETAG = "\"latchwork-bench-1\"";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
  private static final int SLICE = 64 * 1024;

  private final List<byte[]> objects;
  private final long bytesPerSecond;
  private final long linkBytesPerSecond;
  private final long latencyNanos;
  /** When the shared link is free again (System.nanoTime()); unused without a link cap. */
  private final AtomicLong linkFreeAt = new AtomicLong(System.nanoTime());
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger rangeRequests = new AtomicInteger();
  private final AtomicInteger abortedBodies = new AtomicInteger();
  private final AtomicLong bodyBytes = new AtomicLong();

  /** One object at {@link #uri()}, every response paced to {@code bytesPerSecond}. */
  LoopbackRangeServer(byte[] object, long bytesPerSecond) throws IOException {
    this(List.of(object), bytesPerSecond, 0, Duration.ZERO);
  }

  /**
   * Many objects, object {@code i} at {@link #uri(int)}.
   *
   * @param objects the objects' bytes
   * @param bytesPerSecond the pace of each response
   * @param linkBytesPerSecond the pace of all responses together; 0 for no shared cap
   * @param latency the delay before each response's headers
   */
  LoopbackRangeServer(
      List<byte[]> objects, long bytesPerSecond, long linkBytesPerSecond, Duration latency)
      throws IOException {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
    }
    if (linkBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "linkBytesPerSecond must not be negative: " + linkBytesPerSecond);
    }
    if (objects.isEmpty() || latency.isNegative()) {
      throw new IllegalArgumentException(
          "need at least one object and a latency >= 0: " + objects.size() + ", " + latency);
    }
    this.objects = List.copyOf(objects);
    this.bytesPerSecond = bytesPerSecond;
    this.linkBytesPerSecond = linkBytesPerSecond;
    this.latencyNanos = latency.toNanos();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "loopback-http");
              t.setDaemon(true);
              return t;
            });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/object", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI uri() {
    return URI.create(
        "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/object");
  }

  /** The address of object {@code i} of the many-object constructor. */
  URI uri(int i) {
    return URI.create(uri() + "/" + i);
  }

  /** Body bytes written to clients so far, by every response. */
  long bodyBytes() {
    return bodyBytes.get();
  }

  /** Range requests answered so far (206 responses started). */
  int rangeRequests() {
    return rangeRequests.get();
  }

  /** Responses whose body the client abandoned before its end. */
  int abortedBodies() {
    return abortedBodies.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      byte[] object = objectOf(exchange.getRequestURI().getPath());
      if (object == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (latencyNanos > 0 && !parkUntil(System.nanoTime() + latencyNanos)) {
        return;
      }
      exchange.getResponseHeaders().set("ETag", ETAG);
      exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null && !ifMatch.equals(ETAG) && !ifMatch.equals("*")) {
        exchange.sendResponseHeaders(412, -1);
        return;
      }
      long size = object.length;
      long start = 0;
      long end = size; // exclusive
      int status = 200;
      String range = exchange.getRequestHeaders().getFirst("Range");
      if (range != null) {
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
          exchange.sendResponseHeaders(416, -1);
          return;
        }
        if (m.group(1).isEmpty()) {
          start = Math.max(0, size - Long.parseLong(m.group(2)));
        } else {
          start = Long.parseLong(m.group(1));
          end = m.group(2).isEmpty() ? size : Math.min(size, Long.parseLong(m.group(2)) + 1);
        }
        if (start >= size || start >= end) {
          exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
          exchange.sendResponseHeaders(416, -1);
          return;
        }
        status = 206;
        exchange
            .getResponseHeaders()
            .set("Content-Range", "bytes " + start + "-" + (end - 1) + "/" + size);
      }
      long length = end - start;
      if (method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      if (status == 206) {
        rangeRequests.incrementAndGet();
      }
      exchange.sendResponseHeaders(status, length);
      OutputStream body = exchange.getResponseBody();
      long begun = System.nanoTime();
      long sent = 0;
      while (sent < length) {
        int n = (int) Math.min(SLICE, length - sent);
        // The slice may leave once the bytes before it have had their time on the link.
        long due = begun + sent * 1_000_000_000L / bytesPerSecond;
        if (!parkUntil(due) || (linkBytesPerSecond > 0 && !parkUntil(linkSlot(n)))) {
          return; // close(): the server is stopping
        }
        body.write(object, (int) (start + sent), n);
        sent += n;
        bodyBytes.addAndGet(n);
      }
    } catch (IOException e) {
      // The client aborted the body (a store closing, a sequential reader that got its byte):
      // that ends this exchange only.
      abortedBodies.incrementAndGet();
    }
  }

  /** The object a request path names, or null. */
  private byte[] objectOf(String path) {
    if (path.equals("/object")) {
      return objects.size() == 1 ? objects.get(0) : null;
    }
    if (!path.startsWith("/object/")) {
      return null;
    }
    try {
      int i = Integer.parseInt(path.substring("/object/".length()));
      return i >= 0 && i < objects.size() ? objects.get(i) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Reserves the shared link for a slice of {@code n} bytes, after every slice reserved before it
   * (first come, first served, like packets queued on one interface), and returns when the slice
   * may leave.
   */
  private long linkSlot(int n) {
    long now = System.nanoTime();
    long cost = n * 1_000_000_000L / linkBytesPerSecond;
    return Math.max(now, linkFreeAt.getAndAccumulate(cost, (free, c) -> Math.max(free, now) + c));
  }

  /** Parks until {@code due}; false if the thread was interrupted (the server is stopping). */
  private static boolean parkUntil(long due) {
    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
      LockSupport.parkNanos(wait);
    }
    return !Thread.currentThread().isInterrupted();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("loopback HTTP handlers did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
