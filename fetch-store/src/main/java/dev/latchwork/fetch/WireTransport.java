package dev.latchwork.fetch;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * The built-in HTTP/1.1 client of {@link HttpRangeSource#of(java.net.URI)}: blocking sockets, a
 * keep-alive pool per origin, redirects followed by the source's policy, abort by closing the
 * socket. It speaks only what a range download needs: {@code GET}/{@code HEAD} without a request
 * body, {@code Content-Length}, chunked or close-delimited response bodies. It ignores proxy
 * settings (a user behind a proxy passes a configured {@code HttpClient}).
 *
 * <p>Thread-safe: any number of exchanges may run at once; each connection is used by one exchange
 * at a time.
 */
final class WireTransport implements HttpTransport {
  /*
   * Implementation notes.
   *
   * Pool: idle connections per origin key in a deque (most recently used first, so the warmest
   * socket is reused and surplus ones age out); at most MAX_IDLE per origin, none idle longer than
   * IDLE_NANOS. A connection returns to the pool only when its response body was read to its exact
   * end, the response allowed keep-alive and no byte beyond it is buffered; any other close aborts
   * it, so a response never leaks into the next exchange. The pool's monitor guards only the deque
   * operations, never I/O.
   *
   * Stale keep-alive: a server may close an idle connection at any time; a request on a reused
   * connection that fails before any response byte arrives is sent once more on a new connection
   * (GET and HEAD are idempotent).
   *
   * Abort: the exchange publishes its current connection (or the socket being connected) in a
   * volatile field and re-checks the aborted flag after publishing; abort() sets the flag and
   * closes what is published. Either the aborter sees the connection or the exchange sees the flag.
   */

  static final int MAX_REDIRECTS = 10;
  private static final int MAX_IDLE = 16;
  private static final long IDLE_NANOS = 30_000_000_000L;
  private static final int MAX_HEADERS = 200;

  private final SSLContext tls; // null: the JDK's default, resolved on the first https connection
  private final int connectTimeoutMillis;
  private final Map<String, ArrayDeque<WireConnection>> idle = new ConcurrentHashMap<>();

  /**
   * @param tls the TLS context for https, or null for the JDK's default, which is resolved only
   *     when an https connection is first opened (initialising it reads the trust store: about a
   *     tenth of a second that a plain-http user should not pay)
   */
  WireTransport(SSLContext tls, int connectTimeoutMillis) {
    this.tls = tls;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /** The shared default: the JDK's default TLS context, 30 s connect timeout. */
  static WireTransport defaultTransport() {
    return Default.INSTANCE;
  }

  @Override
  public Exchange start(String method, URI uri, Headers headers) {
    return new WireExchange(method, uri, headers);
  }

  /** Never: every hop asks for its own headers. */
  @Override
  public boolean resendsHeadersOnRedirect() {
    return false;
  }

  @Override
  public boolean followsRedirects() {
    return true;
  }

  private WireConnection takeIdle(String key) {
    ArrayDeque<WireConnection> deque = idle.get(key);
    if (deque == null) {
      return null;
    }
    long now = System.nanoTime();
    while (true) {
      WireConnection c;
      synchronized (deque) {
        c = deque.pollFirst();
      }
      if (c == null) {
        return null;
      }
      if (now - c.idleSinceNanos() < IDLE_NANOS) {
        return c;
      }
      c.abort();
    }
  }

  private void giveBack(WireConnection c) {
    c.markIdle();
    ArrayDeque<WireConnection> deque = idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>());
    WireConnection evicted = null;
    synchronized (deque) {
      deque.addFirst(c);
      if (deque.size() > MAX_IDLE) {
        evicted = deque.pollLast();
      }
    }
    if (evicted != null) {
      evicted.abort();
    }
  }

  /** Idle connections of an origin (tests). */
  int idleCount(URI uri) {
    ArrayDeque<WireConnection> deque = idle.get(WireConnection.key(uri));
    if (deque == null) {
      return 0;
    }
    synchronized (deque) {
      return deque.size();
    }
  }

  private final class WireExchange implements Exchange {
    private final String method;
    private final URI first;
    private final Headers headers;
    private volatile boolean aborted;
    private volatile WireConnection current;
    private volatile Socket connecting;

    WireExchange(String method, URI uri, Headers headers) {
      this.method = method;
      this.first = uri;
      this.headers = headers;
    }

    @Override
    public Response response() throws IOException {
      URI uri = first;
      for (int hop = 0; ; hop++) {
        WireResponse response = exchangeOnce(uri);
        if (!HttpTransport.isRedirect(response.status())) {
          return response;
        }
        Optional<String> location = response.header("Location");
        if (location.isEmpty()) {
          return response;
        }
        URI next = resolve(uri, location.get(), response.status());
        if (!HttpTransport.redirectAllowed(uri, next)) {
          // The caller reports the refused redirect with the status it got.
          return response;
        }
        response.close();
        if (hop >= MAX_REDIRECTS) {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              method + " " + Redaction.redact(first) + ": too many redirects (more than "
                  + MAX_REDIRECTS + "), last to " + Redaction.redact(next));
        }
        uri = next;
      }
    }

    private URI resolve(URI base, String location, int status) throws RangeSourceException {
      try {
        return base.resolve(new URI(location.trim()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        // The Location itself may carry a presigned query: never quote it.
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            method + " " + Redaction.redact(base) + " answered " + status
                + " with a malformed Location header (" + Redaction.scrubText(location) + ")");
      }
    }

    private WireResponse exchangeOnce(URI uri) throws IOException {
      // Asked once per hop (a resend on a fresh connection is the same request).
      Map<String, String> fields = headers.forRequest(uri);
      String key = WireConnection.key(uri);
      WireConnection reused = takeIdle(key);
      if (reused != null) {
        try {
          return send(reused, uri, fields, true);
        } catch (StaleConnectionException stale) {
          // The server closed the idle connection: once more on a new one.
        }
      }
      checkAborted();
      SSLContext context = "https".equalsIgnoreCase(uri.getScheme()) ? tlsContext() : null;
      WireConnection fresh = WireConnection.open(uri, context, connectTimeoutMillis, socket -> {
        connecting = socket;
      });
      return send(fresh, uri, fields, false);
    }

    private WireResponse send(WireConnection c, URI uri, Map<String, String> fields,
        boolean reused) throws IOException {
      current = c;
      connecting = null;
      if (aborted) {
        c.abort();
        checkAborted();
      }
      if (reused) {
        c.markReused();
      }
      StringBuilder head = new StringBuilder(256);
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      head.append(method).append(' ').append(path);
      if (uri.getRawQuery() != null) {
        head.append('?').append(uri.getRawQuery());
      }
      head.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
      if (uri.getPort() >= 0) {
        head.append(':').append(uri.getPort());
      }
      head.append("\r\n");
      for (Map.Entry<String, String> h : fields.entrySet()) {
        head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      head.append("\r\n");
      boolean[] readAny = {false};
      try {
        c.write(head.toString());
        return readHead(c, uri, readAny);
      } catch (IOException e) {
        c.abort();
        checkAborted();
        if (reused && !readAny[0] && !(e instanceof RangeSourceException)) {
          throw new StaleConnectionException();
        }
        throw e;
      }
    }

    private WireResponse readHead(WireConnection c, URI uri, boolean[] readAny)
        throws IOException {
      String statusLine;
      do {
        statusLine = c.readLine(WireConnection.MAX_LINE, readAny);
      } while (statusLine.isEmpty());
      int status;
      boolean http11;
      while (true) {
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12
            || statusLine.charAt(8) != ' ') {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              method + " " + Redaction.redact(uri) + ": not an HTTP/1.x status line: '"
                  + Redaction.scrubText(statusLine.substring(0, Math.min(40, statusLine.length())))
                  + "'");
        }
        try {
          status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              method + " " + Redaction.redact(uri) + ": malformed status code in the status line");
        }
        http11 = statusLine.charAt(7) == '1';
        if (status >= 100 && status < 200) {
          // An interim response: skip its headers and read the final one.
          while (!c.readLine(WireConnection.MAX_LINE, readAny).isEmpty()) {
            // skip
          }
          statusLine = c.readLine(WireConnection.MAX_LINE, readAny);
          continue;
        }
        break;
      }
      Map<String, String> fields = new HashMap<>();
      for (int count = 0; ; count++) {
        String line = c.readLine(WireConnection.MAX_LINE, readAny);
        if (line.isEmpty()) {
          break;
        }
        if (count >= MAX_HEADERS) {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              method + " " + Redaction.redact(uri) + ": more than " + MAX_HEADERS
                  + " response headers");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
          continue; // obsolete line folding or garbage: ignored, as lenient clients do
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (name.equals("content-length") && fields.containsKey(name)
            && !fields.get(name).equals(value)) {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              method + " " + Redaction.redact(uri) + ": conflicting Content-Length headers");
        }
        fields.putIfAbsent(name, value);
      }
      return new WireResponse(c, uri, status, fields, http11, method.equals("HEAD"),
          WireTransport.this::giveBack);
    }

    private void checkAborted() throws IOException {
      if (aborted) {
        throw new IOException(method + " " + Redaction.redact(first) + " aborted");
      }
    }

    @Override
    public void abort() {
      aborted = true;
      WireConnection c = current;
      if (c != null) {
        c.abort();
      }
      Socket s = connecting;
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // unusable either way
        }
      }
    }
  }

  /** A reused connection that failed before the response began. */
  private static final class StaleConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnectionException() {
      super("stale keep-alive connection", null);
    }
  }

  private SSLContext tlsContext() throws IOException {
    if (tls != null) {
      return tls;
    }
    try {
      return DefaultTls.CONTEXT;
    } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
      throw new IOException("the JDK's default TLS context could not be initialised", e);
    }
  }

  private static final class Default {
    static final WireTransport INSTANCE = new WireTransport(null, 30_000);

    private Default() {}
  }

  /** Holds the JDK's default TLS context, initialised on first use. */
  private static final class DefaultTls {
    static final SSLContext CONTEXT = create();

    private DefaultTls() {}

    private static SSLContext create() {
      try {
        return SSLContext.getDefault();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("no default TLS context", e);
      }
    }
  }
}
