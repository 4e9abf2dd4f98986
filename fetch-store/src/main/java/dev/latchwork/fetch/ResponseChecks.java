package dev.latchwork.fetch;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The protocol checks of {@link HttpRangeSource}'s responses, once for both transports: status
 * classification, the exact {@code 206} a range asked for, the pinned version and stated
 * checksum, identity encoding, the origin a redirect led to. Every failure is a {@link
 * RangeSourceException} that names the source only as its redacted URI. Immutable.
 */
final class ResponseChecks {
  private final URI uri;
  private final String display;
  private final boolean followsRedirects;

  /**
   * Checks the responses of the source at {@code uri}, shown as {@code display}, fetched through a
   * transport that follows redirects or not.
   */
  ResponseChecks(URI uri, String display, boolean followsRedirects) {
    this.uri = uri;
    this.display = display;
    this.followsRedirects = followsRedirects;
  }

  /** Checks a range response; returns normally only for the exact 206 asked for. */
  void checkRangeResponse(HttpTransport.Response response, RangeSource.ObjectInfo object,
      long start, long end) throws IOException {
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
    ObjectChecksum described = object.checksum();
    ObjectChecksum now = described == null ? null : StatedChecksums.reprDigest(response,
        described.kind(), "206 response to " + what + " " + display);
    if (now != null && !now.equals(described)) {
      throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
          what + " " + display + ": Repr-Digest now states " + now + ", described as "
              + described);
    }
  }

  void checkIdentity(HttpTransport.Response response, String what)
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

  RangeSourceException statusError(String what, HttpTransport.Response response) {
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
      if (!followsRedirects) {
        redirect = " (redirect not followed: the HttpClient is built with Redirect.NEVER)";
      } else if (next.isPresent() && HttpTransport.redirectAllowed(response.uri(), next.get())) {
        redirect = " (too many redirects)";
      } else {
        redirect = " (redirect not followed: only http(s), never https to http)";
      }
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


  static boolean isHttp(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
  }

  /** The version of a response: a strong ETag, else a weak one, else Last-Modified; or null. */
  static String validator(HttpTransport.Response response) {
    Optional<String> etag = etag(response);
    if (etag.isPresent()) {
      return etag.get();
    }
    return response.header("Last-Modified")
        .filter(v -> HttpHeaderValues.httpDate(v).isPresent()).orElse(null);
  }

  static boolean isDateTag(String tag) {
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

}
