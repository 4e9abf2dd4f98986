package dev.latchwork.fetch;

import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The headers a user adds to the requests of an {@link HttpRangeSource}: fixed ones ({@link
 * HttpRangeSource#withHeader}) and those of a {@link HttpRangeSource.RequestCustomizer}, computed
 * for each request. They go only to the source's origin (scheme, host and port): a request a
 * redirect sends elsewhere carries the source's own headers and nothing of the user's, because a
 * user's header may be a credential (curl keeps {@code Authorization} to the first host the same
 * way). Immutable and thread-safe; values are kept here and in the requests only, never in a
 * message.
 */
final class ExtraHeaders {
  /** The headers the source or the transport sets itself, lower-cased: a user may not. */
  private static final Set<String> RESTRICTED = Set.of(
      "host", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
      "if-range", "content-length", "transfer-encoding", "te", "trailer", "connection",
      "keep-alive", "proxy-connection", "upgrade", "expect", "accept-encoding",
      StatedChecksums.CHECKSUM_MODE);

  static final ExtraHeaders NONE = new ExtraHeaders(Map.of(), null);

  private final Map<String, String> fixed; // in the order given; names unique ignoring case
  private final HttpRangeSource.RequestCustomizer customizer; // or null

  private ExtraHeaders(Map<String, String> fixed, HttpRangeSource.RequestCustomizer customizer) {
    this.fixed = fixed;
    this.customizer = customizer;
  }

  boolean isEmpty() {
    return fixed.isEmpty() && customizer == null;
  }

  /**
   * Returns these headers with {@code name: value} too, replacing a header of that name.
   *
   * @throws IllegalArgumentException naming the header (never its value) if it is restricted or
   *     invalid
   */
  ExtraHeaders with(String name, String value) {
    check(name, value);
    Map<String, String> copy = new LinkedHashMap<>(fixed);
    put(copy, name, value);
    return new ExtraHeaders(Collections.unmodifiableMap(copy), customizer);
  }

  /** Returns these headers with {@code c} as the customizer, replacing any earlier one. */
  ExtraHeaders with(HttpRangeSource.RequestCustomizer c) {
    return new ExtraHeaders(fixed, Objects.requireNonNull(c, "customizer"));
  }

  /**
   * The headers of each request of one exchange: {@code own} (the source's) and, to {@code
   * origin}'s origin only, the fixed headers and the customizer's for that request.
   *
   * @param display the source, for messages
   */
  HttpTransport.Headers forExchange(String method, URI origin, Map<String, String> own,
      String display) {
    if (isEmpty()) {
      return uri -> own;
    }
    return uri -> sameOrigin(origin, uri) ? resolve(method, uri, own, display) : own;
  }

  private Map<String, String> resolve(String method, URI uri, Map<String, String> own,
      String display) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>(own);
    fixed.forEach((n, v) -> put(headers, n, v));
    if (customizer == null) {
      return headers;
    }
    String what = "the request customizer of " + display + " for " + method;
    Map<String, String> added;
    try {
      added = customizer.headers(method, uri, Collections.unmodifiableMap(headers));
    } catch (RuntimeException e) {
      // The customizer's own message is its business; ours names only its type.
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          what + " failed: " + e.getClass().getName(), e);
    }
    if (added == null) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          what + " returned null instead of a map of headers");
    }
    for (Map.Entry<String, String> h : added.entrySet()) {
      try {
        check(h.getKey(), h.getValue());
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            what + " returned a header that cannot be sent: " + e.getMessage(), e);
      }
      put(headers, h.getKey(), h.getValue());
    }
    return headers;
  }

  /** Puts a header, replacing one of the same name in any case. */
  private static void put(Map<String, String> headers, String name, String value) {
    headers.keySet().removeIf(n -> n.equalsIgnoreCase(name));
    headers.put(name, value);
  }

  /** Whether a request to {@code to} goes to the same origin as one to {@code from}. */
  static boolean sameOrigin(URI from, URI to) {
    return from.getScheme().equalsIgnoreCase(to.getScheme())
        && from.getHost() != null && from.getHost().equalsIgnoreCase(to.getHost())
        && WireConnection.port(from) == WireConnection.port(to);
  }

  /**
   * Checks that a user may send {@code name: value}: a token name (RFC 9110) that the source or
   * the transport does not set itself, and a value of visible ISO-8859-1 characters, spaces and
   * tabs (no CR, LF or other control character).
   *
   * @throws IllegalArgumentException naming the header, never quoting its value
   * @throws NullPointerException if {@code name} or {@code value} is null
   */
  static void check(String name, String value) {
    Objects.requireNonNull(name, "header name");
    Objects.requireNonNull(value, () -> "value of header '" + printable(name) + "'");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty header name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isTokenChar(c)) {
        throw new IllegalArgumentException("invalid header name '" + printable(name) + "': "
            + (c == '\r' || c == '\n' ? "contains CR or LF" : "not an HTTP token"));
      }
    }
    if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("header '" + name + "' is set by HttpRangeSource or its"
          + " transport and may not be set by the user");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n') {
        throw new IllegalArgumentException("value of header '" + name + "' contains CR or LF");
      }
      if (!(c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e) || (c >= 0x80 && c <= 0xff))) {
        throw new IllegalArgumentException("value of header '" + name + "' contains a control "
            + "character or a character beyond ISO-8859-1");
      }
    }
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** A header name fit for a message: control characters escaped, at most 40 characters. */
  private static String printable(String name) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < name.length() && sb.length() < 40; i++) {
      char c = name.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c)
          : String.format(Locale.ROOT, "\\u%04x", (int) c));
    }
    return name.length() > 40 ? sb + "..." : sb.toString();
  }
}
