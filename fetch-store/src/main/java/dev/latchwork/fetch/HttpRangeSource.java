package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A {@link RangeSource} over HTTP(S).
 *
 * <p><b>Transport.</b> {@link #of(URI)} uses a built-in HTTP/1.1 client on blocking sockets with a
 * keep-alive pool per origin: for plain http the socket reads land directly in the caller's
 * buffer, and aborting a stream closes its socket. It was chosen by measurement (1 GiB from nginx
 * over loopback, 4 parallel 8 MiB ranges, whole process): {@code java.net.http} spent 4-5x the CPU
 * of blocking reads and 300-700 MiB of RSS, and {@code HttpURLConnection}, fast otherwise, cannot
 * abort a read in progress (its {@code disconnect()} waits for the blocked read on JDK 17). It
 * honours no proxy settings; {@link #of(URI, HttpClient)} uses a configured {@code
 * java.net.http.HttpClient} instead (proxy, custom TLS, HTTP/2). Every guarantee below holds for
 * both.
 *
 * <ul>
 *   <li>Every request sends {@code Accept-Encoding: identity}; a range or probe response with any
 *       other {@code Content-Encoding} is refused (permanent): its bytes are not the object's.
 *   <li>{@link #describe()} sends {@code HEAD} and reads {@code Content-Length} and the version:
 *       a strong {@code ETag}, else a weak one, else {@code Last-Modified}. When the server refuses
 *       {@code HEAD} ({@code 405}, {@code 501}), omits the length or sends no validator, it asks
 *       for {@code Range: bytes=0-0} and reads the total (and the validator) from the {@code 206}.
 *       No body is ever read by {@code describe} (a {@code HEAD} redirected by {@code 303} stays a
 *       {@code HEAD} on the built-in transport, and its body is never read on either).
 *   <li>{@link #open} sends {@code GET} with {@code Range} and pins the version: {@code If-Match}
 *       for a strong ETag, {@code If-Unmodified-Since} for a {@code Last-Modified} version. It
 *       accepts only a {@code 206} whose {@code Content-Range} is exactly the range asked for, of
 *       an object of the described size, with the described validator if the response carries
 *       one. A {@code 200} to a range request is a permanent error; a {@code 412} or {@code 416},
 *       a different total, ETag or Last-Modified is {@link
 *       RangeSourceException.Kind#VERSION_CHANGED}; {@code 408}, {@code 425}, {@code 429} and
 *       {@code 5xx} are transient (with the server's {@code Retry-After} as {@link
 *       RangeSourceException#retryAfter()}); other statuses are permanent. A malformed {@code
 *       Content-Length} or {@code Content-Range} is a permanent error naming the header.
 *   <li>Redirects: the built-in transport follows at most {@value WireTransport#MAX_REDIRECTS}
 *       ("too many redirects" beyond), to http(s) only and never from https to http; with an
 *       {@code HttpClient} they are followed as the client is configured, and whatever the client,
 *       a response that arrives from a non-http(s) URI, or from http when the request was https,
 *       is refused.
 *   <li>Read timeout ({@link #withReadTimeout}, default 60 s): a {@code describe}, a response head
 *       or a body that brings no byte for that long is aborted and fails transiently; an optional
 *       minimum rate ({@link #withMinimumRate}) aborts a stream slower than it over a window, so
 *       the store retries it. Both are checked by one shared timer thread, one deadline per
 *       stream.
 *   <li>No log line, exception message or {@code toString()} contains the URI's user info, query
 *       or fragment, nor the query or user info of any URI a server sent (a {@code Location}).
 * </ul>
 *
 * <p>The stream returned by {@link #open} connects on its first read; closing it, from any thread,
 * aborts the exchange and wakes that read. Instances are immutable and thread-safe.
 */
public final class HttpRangeSource implements RangeSource {
  /*
   * Implementation notes: a version tag is either an ETag as the server sent it (it starts with a
   * quote or W/) or a Last-Modified HTTP-date, which never does; open() tells them apart that way.
   * All protocol checks live here, once for both transports (HttpTransport only moves bytes).
   */

  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  private final URI uri;
  private final HttpTransport transport;
  private final String display;
  private final StreamWatchdog.Limits limits;
  private final Tracer tracer = Tracer.forInstance(HttpRangeSource.class);

  private HttpRangeSource(URI uri, HttpTransport transport, StreamWatchdog.Limits limits) {
    this.uri = uri;
    this.transport = transport;
    this.display = Redaction.redact(uri);
    this.limits = limits;
  }

  /**
   * Returns a source for {@code uri} using the built-in HTTP/1.1 transport (the JDK's default TLS
   * context; connects time out after 30 seconds).
   *
   * @param uri an absolute http or https URI
   * @return the source
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI with a
   *     host
   */
  public static HttpRangeSource of(URI uri) {
    return of(uri, WireTransport.defaultTransport());
  }

  /**
   * Returns a source for {@code uri} using {@code client}, for a proxy, a custom TLS setup or
   * HTTP/2; redirects are followed as the client is configured.
   *
   * @param uri an absolute http or https URI
   * @param client the client every request goes through
   * @return the source
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI with a
   *     host
   */
  public static HttpRangeSource of(URI uri, HttpClient client) {
    Objects.requireNonNull(client, "client");
    checkUri(uri);
    return of(uri, new ClientTransport(client, uri));
  }

  /** The built-in transport with a given TLS context (tests with a self-signed certificate). */
  static HttpRangeSource of(URI uri, SSLContext tls) {
    return of(uri, new WireTransport(tls, 30_000));
  }

  static HttpRangeSource of(URI uri, HttpTransport transport) {
    checkUri(uri);
    return new HttpRangeSource(uri, transport,
        new StreamWatchdog.Limits(DEFAULT_READ_TIMEOUT.toNanos(), 0, 0));
  }

  private static void checkUri(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (!isHttp(uri) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "not an absolute http or https URI with a host: " + Redaction.redact(uri));
    }
  }

  /**
   * Returns this source with another read timeout: how long a {@code describe}, a response head or
   * a body may bring no byte before it is aborted as a transient failure.
   *
   * @param timeout the timeout; zero waits forever
   * @return a source like this one with the new timeout
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code timeout} is null
   */
  public HttpRangeSource withReadTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("readTimeout must not be negative: " + timeout);
    }
    return new HttpRangeSource(uri, transport,
        limits.withIdleTimeout(TimeUnit.NANOSECONDS.convert(timeout)));
  }

  /**
   * Returns this source with a minimum transfer rate per stream: a range stream that brings fewer
   * than {@code bytesPerSecond} on average over any {@code window} is aborted as a transient
   * failure, so the store retries it (curl's {@code --speed-limit}, aria2's {@code
   * --lowest-speed-limit}).
   *
   * @param bytesPerSecond the minimum rate; 0 disables the check
   * @param window how long a stream may stay below the rate, {@code > 0}
   * @return a source like this one with the new limit
   * @throws IllegalArgumentException if {@code bytesPerSecond} is negative or {@code window} not
   *     positive
   * @throws NullPointerException if {@code window} is null
   */
  public HttpRangeSource withMinimumRate(long bytesPerSecond, Duration window) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    return new HttpRangeSource(uri, transport, new StreamWatchdog.Limits(
        limits.idleTimeoutNanos(), bytesPerSecond, TimeUnit.NANOSECONDS.convert(window)));
  }

  @Override
  public ObjectInfo describe() throws IOException {
    try (Tracer.Span span = tracer.enter("describe", "uri", display).failUnlessOk()) {
      return span.ok(describe0());
    }
  }

  private ObjectInfo describe0() throws IOException {
    // Describe moves no body: the read timeout applies, the minimum rate does not.
    StreamWatchdog.Limits headLimits = new StreamWatchdog.Limits(limits.idleTimeoutNanos(), 0, 0);
    OptionalSize headSize = OptionalSize.NONE;
    String headTag = null;
    try (Call head = new Call("HEAD", headers(), headLimits)) {
      HttpTransport.Response r = head.response();
      int status = r.status();
      if (status == 200) {
        if (r.header("Accept-Ranges").filter(v -> v.equalsIgnoreCase("none")).isPresent()) {
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              "HEAD " + display + " answered Accept-Ranges: none: the server does not serve byte "
                  + "ranges");
        }
        Optional<String> length = r.header("Content-Length");
        if (length.isPresent()) {
          headSize = new OptionalSize(
              HttpHeaderValues.contentLength(length.get(), "HEAD response from " + display));
        }
        headTag = validator(r);
        if (headSize.present() && headTag != null) {
          return new ObjectInfo(headSize.value(), headTag);
        }
      } else if (status != 405 && status != 501) {
        throw statusError("HEAD", r);
      }
    }
    // HEAD refused, without a length or without a validator: ask for the first byte.
    Map<String, String> probeHeaders = headers();
    probeHeaders.put("Range", "bytes=0-0");
    try (Call probe = new Call("GET", probeHeaders, headLimits)) {
      HttpTransport.Response r = probe.response();
      String what = "GET (bytes=0-0) " + display;
      int status = r.status();
      String contentRange = r.header("Content-Range").orElse("");
      if (status == 206) {
        checkIdentity(r, what);
        HttpHeaderValues.ContentRange range =
            HttpHeaderValues.contentRange(contentRange, "206 response to " + what);
        if (range.total() < 0) {
          throw protocolError("GET (bytes=0-0) answered 206 with Content-Range '" + contentRange
              + "' that does not state the object's size");
        }
        if (headSize.present() && headSize.value() != range.total()) {
          throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
              what + ": object size " + range.total() + " differs from the HEAD's "
                  + headSize.value());
        }
        String tag = validator(r);
        return new ObjectInfo(range.total(), tag != null ? tag : headTag);
      }
      if (headSize.present()) {
        // The probe was only for a validator; the HEAD's size stands.
        return new ObjectInfo(headSize.value(), headTag);
      }
      if (status == 416) {
        // Only an empty object cannot satisfy bytes=0-0.
        if (HttpHeaderValues.unsatisfiedTotal(contentRange, "416 response to " + what) == 0) {
          return new ObjectInfo(0, validator(r));
        }
        throw protocolError("GET (bytes=0-0) answered 416 with Content-Range '" + contentRange
            + "'");
      }
      if (status == 200) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            "GET " + display + " ignored the Range header (200 instead of 206): "
                + "the server does not serve byte ranges");
      }
      throw statusError("GET (bytes=0-0)", r);
    }
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) throws IOException {
    ObjectInfo.checkRange(object, start, end);
    return new RangeStream(this, object, start, end);
  }

  /**
   * Delivers the range by reading the response body straight into the sink's direct buffer (on
   * plain http, socket to buffer to temp file with no copy in the Java heap).
   */
  @Override
  public RangeTransfer transfer(ObjectInfo object, long start, long end) throws IOException {
    ObjectInfo.checkRange(object, start, end);
    RangeStream stream = new RangeStream(this, object, start, end);
    return new RangeTransfer() {
      @Override
      public long deliverTo(RangeSink sink) throws IOException {
        ByteBuffer buffer = sink.buffer();
        long position = start;
        while (position < end) {
          buffer.clear();
          int n = stream.read(buffer);
          if (n < 0) {
            break;
          }
          buffer.flip();
          sink.write(buffer, position);
          position += n;
        }
        return position - start;
      }

      @Override
      public void close() {
        stream.close();
      }
    };
  }

  /** The request headers of a range GET for {@code object}. */
  Map<String, String> rangeHeaders(ObjectInfo object, long start, long end) {
    Map<String, String> h = headers();
    h.put("Range", "bytes=" + start + "-" + (end - 1));
    String tag = object.versionTag();
    if (tag != null && tag.startsWith("\"")) {
      // If-Match uses the strong comparison: a weak tag would never match, so it is only
      // compared with the response's ETag.
      h.put("If-Match", tag);
    } else if (isDateTag(tag)) {
      h.put("If-Unmodified-Since", tag);
    }
    return h;
  }

  private static Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Accept-Encoding", "identity");
    return h;
  }

  /** Checks a range response; returns normally only for the exact 206 asked for. */
  void checkRangeResponse(HttpTransport.Response response, ObjectInfo object, long start,
      long end) throws IOException {
    int status = response.status();
    String what = "GET (bytes=" + start + "-" + (end - 1) + ")";
    if (status == 412 || status == 416) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + " answered " + status + ": the object is no longer the version "
              + "described (" + object + ")");
    }
    if (status == 200) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          what + " " + display + " answered 200 instead of 206: the server ignored the Range");
    }
    if (status != 206) {
      throw statusError(what, response);
    }
    checkIdentity(response, what + " " + display);
    String contentRange = response.header("Content-Range").orElse("");
    if (contentRange.isEmpty()) {
      throw protocolError(what + " answered 206 without Content-Range");
    }
    HttpHeaderValues.ContentRange range =
        HttpHeaderValues.contentRange(contentRange, "206 response to " + what + " " + display);
    if (range.total() >= 0 && range.total() != object.size()) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": object size is now " + range.total() + ", described as "
              + object.size());
    }
    if (range.first() != start || range.last() != end - 1) {
      throw protocolError(what + " answered with a different range: Content-Range '"
          + contentRange + "'");
    }
    String tag = object.versionTag();
    Optional<String> etag = etag(response);
    if (tag != null && !isDateTag(tag) && etag.isPresent() && !weakEquals(etag.get(), tag)) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": ETag is now " + etag.get() + ", described as " + tag);
    }
    Optional<String> modified = response.header("Last-Modified");
    if (isDateTag(tag) && modified.isPresent()
        && !HttpHeaderValues.httpDate(modified.get()).equals(HttpHeaderValues.httpDate(tag))) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": Last-Modified is now " + modified.get() + ", described as "
              + tag);
    }
    Optional<String> length = response.header("Content-Length");
    if (length.isPresent()
        && HttpHeaderValues.contentLength(length.get(), "206 response to " + what + " " + display)
            != end - start) {
      throw protocolError(what + " answered with Content-Length " + length.get()
          + " for a range of " + (end - start) + " bytes");
    }
  }

  private void checkIdentity(HttpTransport.Response response, String what)
      throws RangeSourceException {
    Optional<String> encoding = response.header("Content-Encoding");
    if (encoding.isPresent() && !encoding.get().equalsIgnoreCase("identity")) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          what + " answered with Content-Encoding: " + Redaction.scrubText(encoding.get())
              + " although identity was asked for: its bytes are not the object's");
    }
  }

  /** Refuses a response that a redirect brought from a non-http(s) or downgraded origin. */
  void checkOrigin(HttpTransport.Response response) throws RangeSourceException {
    URI from = response.uri();
    if (!isHttp(from)
        || ("https".equalsIgnoreCase(uri.getScheme())
            && !"https".equalsIgnoreCase(from.getScheme()))) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          "request for " + display + " was redirected to " + Redaction.redact(from)
              + ": only http(s) redirects, never from https to http, are accepted");
    }
  }

  private RangeSourceException statusError(String what, HttpTransport.Response response) {
    int status = response.status();
    boolean transientStatus = status == 408 || status == 425 || status == 429
        || (status >= 500 && status <= 599);
    String redirect = "";
    if (HttpTransport.isRedirect(status)) {
      Optional<URI> next = response.header("Location").flatMap(l -> {
        try {
          return Optional.of(response.uri().resolve(URI.create(l)));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      });
      redirect = next.isPresent() && HttpTransport.redirectAllowed(response.uri(), next.get())
          ? " (too many redirects)"
          : " (redirect not followed: only http(s), never https to http)";
    }
    Optional<Duration> retryAfter = status == 429 || status == 503
        ? HttpHeaderValues.retryAfter(response.header("Retry-After"), Instant.now())
        : Optional.empty();
    return new RangeSourceException(
        transientStatus ? RangeSourceException.Kind.TRANSIENT : RangeSourceException.Kind.PERMANENT,
        what + " " + display + " answered " + status + redirect
            + retryAfter.map(d -> " (Retry-After " + d + ")").orElse(""),
        null, retryAfter.orElse(null));
  }

  RangeSourceException protocolError(String message) {
    return new RangeSourceException(RangeSourceException.Kind.PERMANENT,
        message + " from " + display);
  }

  HttpTransport transport() {
    return transport;
  }

  URI uri() {
    return uri;
  }

  String display() {
    return display;
  }

  StreamWatchdog.Limits limits() {
    return limits;
  }

  private static boolean isHttp(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
  }

  /** The version of a response: a strong ETag, else a weak one, else Last-Modified; or null. */
  private static String validator(HttpTransport.Response response) {
    Optional<String> etag = etag(response);
    if (etag.isPresent()) {
      return etag.get();
    }
    return response.header("Last-Modified")
        .filter(v -> HttpHeaderValues.httpDate(v).isPresent()).orElse(null);
  }

  private static boolean isDateTag(String tag) {
    return tag != null && !tag.startsWith("\"") && !tag.toUpperCase(Locale.ROOT).startsWith("W/")
        && HttpHeaderValues.httpDate(tag).isPresent();
  }

  private static Optional<String> etag(HttpTransport.Response response) {
    return response.header("ETag").filter(s -> !s.isEmpty());
  }

  /** RFC 9110 weak comparison: equal opaque tags, whatever their weakness. */
  private static boolean weakEquals(String a, String b) {
    return stripWeak(a).equals(stripWeak(b));
  }

  private static String stripWeak(String tag) {
    return tag.toUpperCase(Locale.ROOT).startsWith("W/") ? tag.substring(2) : tag;
  }

  @Override
  public String toString() {
    return "HttpRangeSource[" + display + "]";
  }

  /** A size a response may or may not have stated. */
  private record OptionalSize(boolean present, long value) {
    static final OptionalSize NONE = new OptionalSize(false, 0);

    OptionalSize(long value) {
      this(true, value);
    }
  }

  /** One bounded exchange of describe(): response head under the read timeout; body never read. */
  private final class Call implements AutoCloseable {
    private final HttpTransport.Exchange exchange;
    private final StreamWatchdog watchdog;
    private final String method;
    private final java.util.concurrent.atomic.AtomicBoolean settled =
        new java.util.concurrent.atomic.AtomicBoolean();
    private HttpTransport.Response response;

    Call(String method, Map<String, String> headers, StreamWatchdog.Limits callLimits) {
      this.method = method;
      this.exchange = transport.start(method, uri, headers);
      // The watchdog and close() race for `settled`, so a late abort never closes a connection
      // that close() already handed back to the pool.
      this.watchdog = StreamWatchdog.start(callLimits, () -> {
        if (settled.compareAndSet(false, true)) {
          exchange.abort();
        }
      });
    }

    HttpTransport.Response response() throws IOException {
      try {
        response = exchange.response();
      } catch (IOException e) {
        if (watchdog.expired()) {
          throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT,
              method + " " + display + ": " + watchdog.reason() + " waiting for the response",
              e);
        }
        throw e;
      } finally {
        watchdog.close();
      }
      checkOrigin(response);
      return response;
    }

    @Override
    public void close() {
      watchdog.close();
      if (!settled.compareAndSet(false, true)) {
        return;
      }
      if (response != null) {
        // Never read: closing releases (or aborts) the connection without draining.
        response.close();
      } else {
        exchange.abort();
      }
    }
  }
}
