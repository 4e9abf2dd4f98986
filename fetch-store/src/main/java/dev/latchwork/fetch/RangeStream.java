package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The body of one range request of an {@link HttpRangeSource}: connects and checks the response on
 * the first read, then yields exactly the range's bytes (or fewer, if the server cuts it short).
 * Reads are confined to one thread; {@link #close()} may be called from any thread and wakes a
 * read blocked in it.
 */
final class RangeStream extends InputStream {
  /*
   * Implementation notes: the exchange is started in the constructor (no I/O on the built-in
   * transport; the request is sent by java.net.http's own threads otherwise) and published before
   * close() can run, so close() always aborts it. The watchdog covers the wait for the response
   * head and every body read; it aborts the exchange, and expired() turns the resulting failure
   * into a transient RangeSourceException saying why.
   *
   * Keep-alive: when the last byte of the range has been read, the reading thread hands the
   * connection back to the pool. That and every abort (close(), the watchdog) race for `settled`:
   * whoever wins decides, so an abort never closes a connection that already serves another
   * exchange.
   */

  private final HttpRangeSource source;
  private final RangeSource.ObjectInfo object;
  private final long start;
  private final long end;
  private final String what;
  private final HttpTransport.Exchange exchange;
  private final AtomicBoolean settled = new AtomicBoolean();
  private volatile boolean closed;
  private StreamWatchdog watchdog; // reading thread; close() reads it after `closed`
  private HttpTransport.Response response; // reading thread only
  private long remaining;

  RangeStream(HttpRangeSource source, RangeSource.ObjectInfo object, long start, long end)
      throws IOException {
    this.source = source;
    this.object = object;
    this.start = start;
    this.end = end;
    this.remaining = end - start;
    this.what = "GET (bytes=" + start + "-" + (end - 1) + ") " + source.display();
    this.exchange = source.start("GET", source.rangeHeaders(object, start, end));
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    return read(ByteBuffer.wrap(b, off, len));
  }

  /**
   * Reads range bytes into {@code dst} (heap or direct) without an intermediate copy on the
   * built-in http transport.
   *
   * @return bytes read, or -1 at the end of the range (or of a body cut short)
   */
  int read(ByteBuffer dst) throws IOException {
    HttpTransport.Response r = response();
    if (remaining == 0) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    int limit = dst.limit();
    if (dst.remaining() > remaining) {
      dst.limit(dst.position() + (int) remaining);
    }
    int n;
    try {
      n = r.read(dst);
    } catch (IOException e) {
      throw failure(e);
    } finally {
      dst.limit(limit);
    }
    if (n > 0) {
      remaining -= n;
      watchdog.progress(n);
      if (remaining == 0 && settled.compareAndSet(false, true)) {
        watchdog.close();
        r.close();
      }
    }
    return n;
  }

  private HttpTransport.Response response() throws IOException {
    if (closed) {
      throw new IOException(what + " aborted: stream closed");
    }
    if (response != null) {
      return response;
    }
    if (watchdog == null) {
      watchdog = StreamWatchdog.start(source.limits(), this::abort);
      if (closed) {
        watchdog.close();
        throw new IOException(what + " aborted: stream closed");
      }
    }
    HttpTransport.Response r;
    try {
      r = exchange.response();
    } catch (IOException e) {
      throw failure(e);
    }
    try {
      source.checks().checkOrigin(r);
      source.checks().checkRangeResponse(r, object, start, end);
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    response = r;
    watchdog.progress(0);
    return r;
  }

  private IOException failure(IOException e) {
    if (closed) {
      return new IOException(what + " aborted: stream closed");
    }
    if (watchdog != null && watchdog.expired()) {
      return new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
          what + ": " + watchdog.reason() + " after " + (end - start - remaining) + " of "
              + (end - start) + " bytes: stream aborted", e);
    }
    if (e instanceof RangeSourceException) {
      return e;
    }
    Throwable clean = Redaction.scrub(e, source.uri());
    return new IOException(what + " failed after " + (end - start - remaining) + " of "
        + (end - start) + " bytes: " + clean, clean);
  }

  private void abort() {
    if (settled.compareAndSet(false, true)) {
      exchange.abort();
    }
  }

  @Override
  public void close() {
    closed = true;
    abort();
    StreamWatchdog w = watchdog;
    if (w != null) {
      w.close();
    }
  }
}
