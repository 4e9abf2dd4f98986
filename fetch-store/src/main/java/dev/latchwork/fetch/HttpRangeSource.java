package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link RangeSource} over HTTP(S), built on {@code java.net.http.HttpClient}.
 *
 * <ul>
 *   <li>{@link #describe()} sends {@code HEAD} and reads {@code Content-Length} and {@code ETag};
 *       when the server refuses {@code HEAD} ({@code 405}, {@code 501}) or omits the length, it
 *       sends {@code GET} with {@code Range: bytes=0-0} and reads the total from {@code
 *       Content-Range}.
 *   <li>{@link #open} sends {@code GET} with {@code Range} and, when the description has a strong
 *       ETag, {@code If-Match}; it accepts only a {@code 206} whose {@code Content-Range} is
 *       exactly the range asked for, of an object of the described size, with the described ETag
 *       if the response carries one. A {@code 200} to a range request is a permanent error; a
 *       {@code 412} or {@code 416}, a different total or a different ETag is {@link
 *       RangeSourceException.Kind#VERSION_CHANGED}; {@code 408}, {@code 425}, {@code 429} and
 *       {@code 5xx} are transient; other statuses are permanent.
 *   <li>Redirects are followed as the client is configured ({@link #of(URI)} uses {@link
 *       HttpClient.Redirect#NORMAL}: never from https to http); whatever the client, a response
 *       that arrives from a non-http(s) URI, or from http when the request was https, is refused.
 *   <li>No log line, exception message or {@code toString()} contains the URI's user info, query
 *       or fragment (presigned URLs carry credentials there); exceptions thrown by the HTTP client
 *       are rewritten if their messages would.
 * </ul>
 *
 * <p>The stream returned by {@link #open} sends its request at once but waits for the response on
 * its first read; closing it, from any thread, cancels the exchange and wakes that read.
 */
public final class HttpRangeSource implements RangeSource {
  /*
   * Implementation notes: open() uses sendAsync so that the stream exists before the server has
   * answered; the store registers the stream at once and its close() can abort a request that is
   * still connecting or waiting for headers (cancelling the future cancels the exchange on
   * JDK 16+, and in any case wakes the thread waiting in get()). A body in flight is aborted by
   * closing the client's body stream, which cancels the subscription instead of draining.
   */

  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)", Pattern.CASE_INSENSITIVE);
  private static final Pattern UNSATISFIED_RANGE =
      Pattern.compile("bytes\\s+\\*/(\\d+)", Pattern.CASE_INSENSITIVE);
  private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);

  private final URI uri;
  private final HttpClient client;
  private final String display;
  private final Tracer tracer = Tracer.forInstance(HttpRangeSource.class);

  private HttpRangeSource(URI uri, HttpClient client) {
    this.uri = uri;
    this.client = client;
    this.display = Redaction.redact(uri);
  }

  /**
   * Returns a source for {@code uri} using a shared client that follows redirects except from
   * https to http and times out connects after 30 seconds.
   *
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI with a
   *     host
   */
  public static HttpRangeSource of(URI uri) {
    return of(uri, DefaultClient.INSTANCE);
  }

  /**
   * Returns a source for {@code uri} using {@code client}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI with a
   *     host
   */
  public static HttpRangeSource of(URI uri, HttpClient client) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(client, "client");
    if (!isHttp(uri) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "not an absolute http or https URI with a host: " + Redaction.redact(uri));
    }
    return new HttpRangeSource(uri, client);
  }

  @Override
  public ObjectInfo describe() throws IOException {
    try (Tracer.Span span = tracer.enter("describe", "uri", display).failUnlessOk()) {
      return span.ok(describe0());
    }
  }

  private ObjectInfo describe0() throws IOException {
    HttpResponse<Void> head =
        await(client.sendAsync(request().method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding()), "HEAD");
    checkOrigin(head);
    int status = head.statusCode();
    if (status == 200) {
      if (head.headers().firstValue("Accept-Ranges").map(String::trim)
          .filter(v -> v.equalsIgnoreCase("none")).isPresent()) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            "HEAD " + display + " answered Accept-Ranges: none: the server does not serve byte "
                + "ranges");
      }
      OptionalLong length = head.headers().firstValueAsLong("Content-Length");
      if (length.isPresent()) {
        return new ObjectInfo(length.getAsLong(), etag(head.headers()).orElse(null));
      }
    } else if (status != 405 && status != 501) {
      throw statusError("HEAD", status);
    }
    // HEAD refused or without a length: ask for the first byte and read the total.
    HttpResponse<InputStream> probe =
        await(client.sendAsync(request().header("Range", "bytes=0-0").GET().build(),
            HttpResponse.BodyHandlers.ofInputStream()), "GET");
    // The probe's body (one byte, or a whole object if Range was ignored) is never read: closing
    // the stream aborts it.
    InputStream body = probe.body();
    try {
      checkOrigin(probe);
      int probeStatus = probe.statusCode();
      String contentRange = probe.headers().firstValue("Content-Range").orElse("");
      if (probeStatus == 206) {
        Matcher m = CONTENT_RANGE.matcher(contentRange.trim());
        if (!m.matches() || m.group(3).equals("*")) {
          throw protocolError("GET (bytes=0-0) answered 206 with Content-Range '" + contentRange
              + "' that does not state the object's size");
        }
        return new ObjectInfo(parse(m.group(3), contentRange),
            etag(probe.headers()).orElse(null));
      }
      if (probeStatus == 416) {
        // Only an empty object cannot satisfy bytes=0-0.
        Matcher m = UNSATISFIED_RANGE.matcher(contentRange.trim());
        if (m.matches() && parse(m.group(1), contentRange) == 0) {
          return new ObjectInfo(0, etag(probe.headers()).orElse(null));
        }
        throw protocolError("GET (bytes=0-0) answered 416 with Content-Range '" + contentRange
            + "'");
      }
      if (probeStatus == 200) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            "GET " + display + " ignored the Range header (200 instead of 206): "
                + "the server does not serve byte ranges");
      }
      throw statusError("GET (bytes=0-0)", probeStatus);
    } finally {
      body.close();
    }
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) throws IOException {
    ObjectInfo.checkRange(object, start, end);
    String range = "bytes=" + start + "-" + (end - 1);
    HttpRequest.Builder request = request().header("Range", range).GET();
    String tag = object.versionTag();
    if (tag != null && !tag.startsWith("W/")) {
      // If-Match uses the strong comparison: a weak tag would never match, so it is only
      // compared with the response's ETag below.
      request.header("If-Match", tag);
    }
    return new ResponseStream(
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream()),
        object, start, end, range);
  }

  private HttpRequest.Builder request() {
    return HttpRequest.newBuilder(uri).timeout(HEADERS_TIMEOUT);
  }

  /** Checks a range response; returns normally only for the exact 206 asked for. */
  private void checkRangeResponse(HttpResponse<?> response, ObjectInfo object, long start,
      long end, String range) throws IOException {
    checkOrigin(response);
    int status = response.statusCode();
    String what = "GET (" + range + ")";
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
      throw statusError(what, status);
    }
    String contentRange = response.headers().firstValue("Content-Range").orElse("");
    Matcher m = CONTENT_RANGE.matcher(contentRange.trim());
    if (!m.matches()) {
      throw protocolError(what + " answered 206 with Content-Range '" + contentRange + "'");
    }
    if (!m.group(3).equals("*") && parse(m.group(3), contentRange) != object.size()) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": object size is now " + m.group(3) + ", described as "
              + object.size());
    }
    if (parse(m.group(1), contentRange) != start || parse(m.group(2), contentRange) != end - 1) {
      throw protocolError(what + " answered with a different range: Content-Range '"
          + contentRange + "'");
    }
    Optional<String> etag = etag(response.headers());
    if (object.versionTag() != null && etag.isPresent()
        && !weakEquals(etag.get(), object.versionTag())) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": ETag is now " + etag.get() + ", described as "
              + object.versionTag());
    }
    OptionalLong length = response.headers().firstValueAsLong("Content-Length");
    if (length.isPresent() && length.getAsLong() != end - start) {
      throw protocolError(what + " answered with Content-Length " + length.getAsLong()
          + " for a range of " + (end - start) + " bytes");
    }
  }

  /** Refuses a response that a redirect brought from a non-http(s) or downgraded origin. */
  private void checkOrigin(HttpResponse<?> response) throws RangeSourceException {
    URI from = response.uri();
    if (!isHttp(from)
        || ("https".equalsIgnoreCase(uri.getScheme())
            && !"https".equalsIgnoreCase(from.getScheme()))) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          "request for " + display + " was redirected to " + Redaction.redact(from)
              + ": only http(s) redirects, never from https to http, are accepted");
    }
  }

  private RangeSourceException statusError(String what, int status) {
    boolean transientStatus = status == 408 || status == 425 || status == 429
        || (status >= 500 && status <= 599);
    String redirect = status >= 300 && status < 400
        ? " (redirect not followed: only http(s), never https to http)" : "";
    return new RangeSourceException(
        transientStatus ? RangeSourceException.Kind.TRANSIENT : RangeSourceException.Kind.PERMANENT,
        what + " " + display + " answered " + status + redirect);
  }

  private RangeSourceException protocolError(String message) {
    return new RangeSourceException(RangeSourceException.Kind.PERMANENT,
        message + " from " + display);
  }

  /** Waits for an exchange, translating its failures into redacted IOExceptions. */
  private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> exchange, String what)
      throws IOException {
    try {
      return exchange.get();
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      InterruptedIOException ie =
          new InterruptedIOException(what + " " + display + " interrupted");
      ie.initCause(e);
      throw ie;
    } catch (CancellationException e) {
      throw new IOException(what + " " + display + " was aborted", e);
    } catch (ExecutionException e) {
      Throwable cause = Redaction.scrub(e.getCause(), uri);
      throw new IOException(what + " " + display + " failed: "
          + (cause == null ? "unknown" : cause.toString()), cause);
    }
  }

  private static boolean isHttp(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
  }

  private static Optional<String> etag(HttpHeaders headers) {
    return headers.firstValue("ETag").map(String::trim).filter(s -> !s.isEmpty());
  }

  /** RFC 9110 weak comparison: equal opaque tags, whatever their weakness. */
  private static boolean weakEquals(String a, String b) {
    return stripWeak(a).equals(stripWeak(b));
  }

  private static String stripWeak(String tag) {
    return tag.toUpperCase(Locale.ROOT).startsWith("W/") ? tag.substring(2) : tag;
  }

  private long parse(String digits, String header) throws RangeSourceException {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw protocolError("unparseable number in '" + header + "'");
    }
  }

  @Override
  public String toString() {
    return "HttpRangeSource[" + display + "]";
  }

  /** The body of one range request; the request is in flight from construction. */
  private final class ResponseStream extends InputStream {
    private final CompletableFuture<HttpResponse<InputStream>> exchange;
    private final ObjectInfo object;
    private final long start;
    private final long end;
    private final String range;
    private volatile boolean closed;
    private InputStream body; // confined to the reading thread
    private long remaining;

    ResponseStream(CompletableFuture<HttpResponse<InputStream>> exchange, ObjectInfo object,
        long start, long end, String range) {
      this.exchange = exchange;
      this.object = object;
      this.start = start;
      this.end = end;
      this.range = range;
      this.remaining = end - start;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      InputStream in = body();
      if (remaining == 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n;
      try {
        n = in.read(b, off, (int) Math.min(len, remaining));
      } catch (IOException e) {
        if (closed) {
          throw new IOException("GET (" + range + ") " + display + " aborted: stream closed");
        }
        Throwable clean = Redaction.scrub(e, uri);
        throw new IOException("GET (" + range + ") " + display + " failed after "
            + (end - start - remaining) + " of " + (end - start) + " bytes: " + clean, clean);
      }
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    private InputStream body() throws IOException {
      if (closed) {
        throw new IOException("GET (" + range + ") " + display + " aborted: stream closed");
      }
      if (body != null) {
        return body;
      }
      HttpResponse<InputStream> response = await(exchange, "GET (" + range + ")");
      InputStream in = response.body();
      try {
        checkRangeResponse(response, object, start, end, range);
      } catch (IOException | RuntimeException e) {
        in.close();
        throw e;
      }
      body = in;
      if (closed) {
        // close() ran between get() and the assignment and could not see the body.
        in.close();
        throw new IOException("GET (" + range + ") " + display + " aborted: stream closed");
      }
      return in;
    }

    @Override
    public void close() throws IOException {
      closed = true;
      exchange.cancel(true);
      if (exchange.isDone() && !exchange.isCompletedExceptionally()) {
        // Closing the client's body stream cancels the transfer rather than draining it.
        exchange.join().body().close();
      }
    }
  }

  /** The shared default client, created on first use. */
  private static final class DefaultClient {
    static final HttpClient INSTANCE =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private DefaultClient() {}
  }
}
