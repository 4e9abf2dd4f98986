package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
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
 *   <li>Checksums: every request sends {@code x-amz-checksum-mode: ENABLED}, and {@link
 *       #describe()} reads the checksum the server states for the whole object into {@link
 *       RangeSource.ObjectInfo#checksum()}, which the store checks when the last part lands (a
 *       mismatch is a {@link ChecksumMismatchException}): {@code x-amz-checksum-crc32c} (base64
 *       of the big-endian CRC32C) only with {@code x-amz-checksum-type: FULL_OBJECT}, because the
 *       {@code COMPOSITE} checksum of a multipart upload is a checksum of its parts' checksums,
 *       not the object's CRC32C, and without a type it may be either; else RFC 9530's {@code
 *       Repr-Digest}, of which {@code crc32c}, {@code sha-256}, {@code sha-512} and {@code md5}
 *       are used, cheapest first, and other algorithms ignored. They are read from the {@code
 *       HEAD}, or from the {@code bytes=0-0} probe above when the {@code HEAD} states none and a
 *       probe is made anyway (a {@code Repr-Digest} describes the whole representation on a
 *       {@code 206} too); no request is made for a checksum alone. A range response whose {@code
 *       Repr-Digest} states another value of the described algorithm is {@link
 *       RangeSourceException.Kind#VERSION_CHANGED}. A malformed value of any of these headers is a
 *       permanent error naming the header (where RFC 8941 would ignore a malformed {@code
 *       Repr-Digest}, a download that cannot check what the server claims fails instead).
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
 *   <li>User headers ({@link #withHeader}, {@link #withRequestCustomizer}) are added to every
 *       request to the source's origin (same scheme, host and port): the {@code HEAD}, every
 *       {@code GET}, every retry and, on the built-in transport, every redirect to that origin,
 *       for which a customizer is asked again with the redirect's URI. A redirect to another
 *       origin carries none of them, since any may be a credential (curl drops {@code
 *       Authorization} the same way). An {@code HttpClient} that follows redirects itself would
 *       re-send them anywhere, so a source over one refuses user headers; over a client with
 *       {@link HttpClient.Redirect#NEVER} they go to the source's URI only. Their values never
 *       appear in a log line, an exception message or {@code toString()}.
 *   <li>Read timeout ({@link #withReadTimeout}, default 60 s): a {@code describe}, a response head
 *       or a body that brings no byte for that long is aborted and fails transiently; an optional
 *       minimum rate ({@link #withMinimumRate}) aborts a stream slower than it over a window, so
 *       the store retries it. A store's own {@linkplain FetchStore.Builder#readTimeout read
 *       timeout} bounds {@code describe} too ({@link #describe(Duration)}) and, with its
 *       {@linkplain FetchStore.Builder#minimumRate minimum rate}, every range stream: whichever
 *       limit is stricter trips first. All are checked by one shared timer thread, one deadline
 *       per stream.
 *   <li>No log line, exception message or {@code toString()} contains the URI's user info, query
 *       or fragment, nor the query or user info of any URI a server sent (a {@code Location}).
 * </ul>
 *
 * <p>The stream returned by {@link #open} connects on its first read; closing it, from any thread,
 * aborts the exchange and wakes that read. Instances are immutable and thread-safe; a {@link
 * RequestCustomizer} is called from the store's fetch threads, several at once.
 */
public final class HttpRangeSource implements RangeSource {
  /*
   * Implementation notes: a version tag is either an ETag as the server sent it (it starts with a
   * quote or W/) or a Last-Modified HTTP-date, which never does; open() tells them apart that way.
   * The protocol checks live in ResponseChecks, once for both transports (HttpTransport only
   * moves bytes); header values are parsed by HttpHeaderValues and StatedChecksums; the user's
   * headers, and which requests get them, are ExtraHeaders'; the HEAD-then-probe exchange of
   * describe() is HttpDescription's.
   */

  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  private final URI uri;
  private final HttpTransport transport;
  private final String display;
  private final StreamWatchdog.Limits limits;
  private final ExtraHeaders extra;
  private final ResponseChecks checks;
  private final Tracer tracer = Tracer.forInstance(HttpRangeSource.class);

  private HttpRangeSource(URI uri, HttpTransport transport, StreamWatchdog.Limits limits,
      ExtraHeaders extra) {
    this.uri = uri;
    this.transport = transport;
    this.display = Redaction.redact(uri);
    this.limits = limits;
    this.extra = extra;
    this.checks = new ResponseChecks(uri, display, transport.followsRedirects());
  }

  /**
   * Computes headers to add to each request of an {@link HttpRangeSource} (see {@link
   * HttpRangeSource#withRequestCustomizer}): a token that is refreshed, a request signature such
   * as AWS SigV4, which covers the method, the URI and headers like {@code Range}. Called for
   * every request to the source's origin, from several threads at once: implementations must be
   * thread-safe.
   */
  @FunctionalInterface
  public interface RequestCustomizer {
    /**
     * Returns the headers to add to one request.
     *
     * @param method {@code "HEAD"} or {@code "GET"}
     * @param uri where the request goes: the source's URI, or a redirect's on the same origin
     * @param headers the headers the request carries so far, in order, read-only: the source's
     *     own ({@code Accept-Encoding}, {@code x-amz-checksum-mode}, and for a {@code GET} {@code
     *     Range} and {@code If-Match} or {@code If-Unmodified-Since}) and the {@link
     *     HttpRangeSource#withHeader} ones; {@code Host} is not among them: it is the URI's host,
     *     with the port when the URI states one
     * @return the headers to add (one of the same name as a {@code withHeader} header replaces
     *     it), neither restricted nor invalid as {@link HttpRangeSource#withHeader} says; not null
     * @throws IOException if the headers cannot be computed: the request fails with it, and the
     *     store retries it unless it is a {@link RangeSourceException} that is not retryable (a
     *     {@code RuntimeException}, a null or a restricted or invalid header fails the request as
     *     a permanent {@code RangeSourceException})
     */
    Map<String, String> headers(String method, URI uri, Map<String, String> headers)
        throws IOException;
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
        new StreamWatchdog.Limits(DEFAULT_READ_TIMEOUT.toNanos(), 0, 0), ExtraHeaders.NONE);
  }

  private static void checkUri(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (!ResponseChecks.isHttp(uri) || uri.getHost() == null) {
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
        limits.withIdleTimeout(TimeUnit.NANOSECONDS.convert(timeout)), extra);
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
        limits.idleTimeoutNanos(), bytesPerSecond, TimeUnit.NANOSECONDS.convert(window)), extra);
  }

  /**
   * Returns this source with a header added to every request to its origin (see the class
   * comment for redirects), replacing an earlier one of the same name: a bearer token, an API
   * key. Its value never appears in a log line, an exception message or {@code toString()}.
   *
   * @param name the header's name, an HTTP token; not one the source or its transport sets
   *     ({@code Host}, {@code Range}, {@code If-Match}, {@code If-None-Match}, {@code
   *     If-Modified-Since}, {@code If-Unmodified-Since}, {@code If-Range}, {@code
   *     Content-Length}, {@code Transfer-Encoding}, {@code TE}, {@code Trailer}, {@code
   *     Connection}, {@code Keep-Alive}, {@code Proxy-Connection}, {@code Upgrade}, {@code
   *     Expect}, {@code Accept-Encoding}, {@code x-amz-checksum-mode}), in any case
   * @param value the value: visible ISO-8859-1 characters, spaces and tabs, without CR or LF
   * @return a source like this one that sends the header too
   * @throws IllegalArgumentException naming the header (not its value) if the name is restricted
   *     or not a token, or the value holds CR, LF or another control character
   * @throws IllegalStateException if this source uses an {@code HttpClient} that follows
   *     redirects itself (it would send the header to any host)
   * @throws NullPointerException if an argument is null
   */
  public HttpRangeSource withHeader(String name, String value) {
    ExtraHeaders more = extra.with(name, value);
    checkCanCarryHeaders();
    return new HttpRangeSource(uri, transport, limits, more);
  }

  /**
   * Returns this source with {@code customizer} asked for headers to add to each request to its
   * origin (see the class comment for redirects), after the {@link #withHeader} ones; it replaces
   * an earlier customizer. The values it returns never appear in a log line, an exception message
   * or {@code toString()}.
   *
   * @param customizer computes the headers of each request
   * @return a source like this one that asks {@code customizer} for every request
   * @throws IllegalStateException if this source uses an {@code HttpClient} that follows
   *     redirects itself (it would send the headers to any host)
   * @throws NullPointerException if {@code customizer} is null
   */
  public HttpRangeSource withRequestCustomizer(RequestCustomizer customizer) {
    ExtraHeaders more = extra.with(customizer);
    checkCanCarryHeaders();
    return new HttpRangeSource(uri, transport, limits, more);
  }

  private void checkCanCarryHeaders() {
    if (transport.resendsHeadersOnRedirect()) {
      throw new IllegalStateException("the HttpClient of " + display + " follows redirects "
          + "itself and would send user headers to any host they lead to: build it with "
          + "HttpClient.Redirect.NEVER to add headers");
    }
  }

  @Override
  public ObjectInfo describe() throws IOException {
    return describe(Duration.ZERO);
  }

  /**
   * Describes the object as {@link #describe()} does, each exchange (the {@code HEAD}, and the
   * {@code bytes=0-0} probe if one is needed) waiting for its response head at most the smaller
   * of this source's {@linkplain #withReadTimeout read timeout} and {@code readTimeout}, zero on
   * either side setting no limit from that side; an exchange that waits longer is aborted and
   * fails transiently. A store calls this with its own read timeout, so that a {@code HEAD} that
   * is never answered fails after the store's timeout even when this source's is longer.
   *
   * @param readTimeout the caller's limit on each exchange's wait; {@link Duration#ZERO} for none
   * @return the description that later {@link #open} calls are pinned to
   * @throws IOException if the object cannot be described, or an exchange brought no answer in
   *     time (a transient {@link RangeSourceException})
   * @throws IllegalArgumentException if {@code readTimeout} is negative
   * @throws NullPointerException if {@code readTimeout} is null
   */
  @Override
  public ObjectInfo describe(Duration readTimeout) throws IOException {
    if (readTimeout.isNegative()) {
      throw new IllegalArgumentException("readTimeout must not be negative: " + readTimeout);
    }
    long own = limits.idleTimeoutNanos();
    long given = TimeUnit.NANOSECONDS.convert(readTimeout);
    long idle = own == 0 ? given : given == 0 ? own : Math.min(own, given);
    try (Tracer.Span span = tracer.enter("describe", "uri", display).failUnlessOk()) {
      // Describe moves no body: the read timeout applies, the minimum rate does not.
      return span.ok(new HttpDescription((method, request) -> {
        Map<String, String> h = headers();
        h.putAll(request);
        return start(method, h);
      }, checks, display, new StreamWatchdog.Limits(idle, 0, 0)).describe());
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
    } else if (ResponseChecks.isDateTag(tag)) {
      h.put("If-Unmodified-Since", tag);
    }
    return h;
  }

  private static Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Accept-Encoding", "identity");
    h.put(StatedChecksums.CHECKSUM_MODE, StatedChecksums.CHECKSUM_MODE_ENABLED);
    return h;
  }

  /** Starts an exchange of the source's own headers and, to its origin, the user's. */
  HttpTransport.Exchange start(String method, Map<String, String> own) throws IOException {
    return transport.start(method, uri, extra.forExchange(method, uri, own, display));
  }

  ResponseChecks checks() {
    return checks;
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

  @Override
  public String toString() {
    return "HttpRangeSource[" + display + "]";
  }
}
