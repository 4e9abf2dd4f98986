package dev.latchwork.fetch;

import dev.latchwork.fetch.RangeSource.ObjectInfo;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The exchanges that describe an HTTP object: a {@code HEAD}, then a {@code bytes=0-0} probe when
 * the {@code HEAD} was refused ({@code 405}, {@code 501}), or stated no length or no validator.
 * Each exchange waits for its response head under the given limits (a watchdog aborts it past
 * them) and never reads a body, so a {@code HEAD} redirected into an endless {@code GET} cannot
 * stream. The rules for what is accepted are {@link HttpRangeSource}'s (its class comment).
 * Immutable; every {@link #describe()} makes its own exchanges.
 */
final class HttpDescription {
  /** Starts an exchange of the source's request headers plus {@code own}. */
  @FunctionalInterface
  interface Exchanges {
    HttpTransport.Exchange start(String method, Map<String, String> own) throws IOException;
  }

  private final Exchanges exchanges;
  private final ResponseChecks checks;
  private final String display;
  private final StreamWatchdog.Limits limits;

  /**
   * @param exchanges starts the {@code HEAD} and the probe
   * @param checks the source's protocol checks
   * @param display the source's redacted URI, for messages
   * @param limits bound each exchange's wait for its response head
   */
  HttpDescription(Exchanges exchanges, ResponseChecks checks, String display,
      StreamWatchdog.Limits limits) {
    this.exchanges = exchanges;
    this.checks = checks;
    this.display = display;
    this.limits = limits;
  }

  /**
   * Describes the object.
   *
   * @throws IOException if it cannot be, or an exchange brought no response head in time (a
   *     transient {@link RangeSourceException})
   */
  ObjectInfo describe() throws IOException {
    OptionalSize headSize = OptionalSize.NONE;
    String headTag = null;
    ObjectChecksum headChecksum = null;
    try (Call head = new Call("HEAD", Map.of())) {
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
        headTag = ResponseChecks.validator(r);
        headChecksum = StatedChecksums.of(r, "HEAD response from " + display);
        if (headSize.present() && headTag != null) {
          return new ObjectInfo(headSize.value(), headTag, headChecksum);
        }
      } else if (status != 405 && status != 501) {
        throw checks.statusError("HEAD", r);
      }
    }
    // HEAD refused, without a length or without a validator: ask for the first byte.
    try (Call probe = new Call("GET", Map.of("Range", "bytes=0-0"))) {
      HttpTransport.Response r = probe.response();
      String what = "GET (bytes=0-0) " + display;
      int status = r.status();
      String contentRange = r.header("Content-Range").orElse("");
      if (status == 206) {
        checks.checkIdentity(r, what);
        HttpHeaderValues.ContentRange range =
            HttpHeaderValues.contentRange(contentRange, "206 response to " + what);
        if (range.total() < 0) {
          throw checks.protocolError("GET (bytes=0-0) answered 206 with Content-Range '"
              + contentRange + "' that does not state the object's size");
        }
        if (headSize.present() && headSize.value() != range.total()) {
          throw new RangeSourceException(RangeSourceException.Kind.VERSION_CHANGED,
              what + ": object size " + range.total() + " differs from the HEAD's "
                  + headSize.value());
        }
        String tag = ResponseChecks.validator(r);
        return new ObjectInfo(range.total(), tag != null ? tag : headTag, headChecksum != null
            ? headChecksum : StatedChecksums.of(r, "206 response to " + what));
      }
      if (headSize.present()) {
        // The probe was only for a validator; the HEAD's size stands.
        return new ObjectInfo(headSize.value(), headTag, headChecksum);
      }
      if (status == 416) {
        // Only an empty object cannot satisfy bytes=0-0.
        if (HttpHeaderValues.unsatisfiedTotal(contentRange, "416 response to " + what) == 0) {
          return new ObjectInfo(0, ResponseChecks.validator(r), headChecksum);
        }
        throw checks.protocolError("GET (bytes=0-0) answered 416 with Content-Range '"
            + contentRange + "'");
      }
      if (status == 200) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            "GET " + display + " ignored the Range header (200 instead of 206): "
                + "the server does not serve byte ranges");
      }
      throw checks.statusError("GET (bytes=0-0)", r);
    }
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
    private final AtomicBoolean settled = new AtomicBoolean();
    private HttpTransport.Response response;

    Call(String method, Map<String, String> headers) throws IOException {
      this.method = method;
      this.exchange = exchanges.start(method, headers);
      // The watchdog and close() race for `settled`, so a late abort never closes a connection
      // that close() already handed back to the pool.
      this.watchdog = StreamWatchdog.start(limits, () -> {
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
      checks.checkOrigin(response);
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
