package dev.latchwork.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * How {@link HttpRangeSource} exchanges one request and response: the built-in HTTP/1.1 client
 * ({@link WireTransport}) or a user's {@code java.net.http.HttpClient} ({@link ClientTransport}).
 * Every protocol check lives in {@code HttpRangeSource}; a transport only moves bytes, follows
 * redirects and aborts.
 */
interface HttpTransport {

  /**
   * Starts an exchange without waiting for the server.
   *
   * @param method {@code GET} or {@code HEAD}
   * @param headers the request headers besides Host of each request the exchange sends
   * @throws IOException if {@code headers} fails for the first request (a transport may also ask
   *     it only when it sends, and fail the exchange's {@link Exchange#response()} instead)
   */
  Exchange start(String method, URI uri, Headers headers) throws IOException;

  /**
   * Whether the transport follows redirects without asking {@link Headers} again, sending the
   * first request's headers wherever the redirects lead (a {@code java.net.http} client that
   * follows redirects); a user's headers, which may be credentials, cannot go through it.
   */
  boolean resendsHeadersOnRedirect();

  /**
   * Whether the transport follows redirects at all: a 3xx it returns is then one it would not or
   * could no longer follow; otherwise (a client built with {@code Redirect.NEVER}) any 3xx.
   */
  boolean followsRedirects();

  /** The headers of each request of an exchange, asked again for every redirect it follows. */
  @FunctionalInterface
  interface Headers {
    /**
     * Returns the headers besides Host, in order, of the request to {@code uri}: the exchange's
     * URI or a redirect's target.
     */
    Map<String, String> forRequest(URI uri) throws IOException;
  }

  /** One request in flight. {@link #abort()} is safe from any thread; the rest is confined. */
  interface Exchange {
    /**
     * Waits for the final response head (after redirects).
     *
     * @throws IOException if the exchange failed or was aborted; messages are redacted
     */
    Response response() throws IOException;

    /** Aborts the exchange, waking {@link #response()} and body reads; idempotent. */
    void abort();
  }

  /** A response head and its body. */
  interface Response {
    /** The status code. */
    int status();

    /** The URI the response came from (after redirects). */
    URI uri();

    /** The first value of a header, trimmed; names are case-insensitive. */
    Optional<String> header(String name);

    /**
     * Reads body bytes into {@code dst}.
     *
     * @return the number of bytes read ({@code > 0} unless {@code dst} is full), or -1 at the end
     *     of the body
     */
    int read(ByteBuffer dst) throws IOException;

    /** Releases the response: keeps the connection if the body was read to its end. */
    void close();
  }

  /** Statuses after which a client follows {@code Location}. */
  static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Whether a redirect from {@code from} to {@code to} is allowed: http(s), never https to http. */
  static boolean redirectAllowed(URI from, URI to) {
    String scheme = to.getScheme();
    if (scheme == null || to.getHost() == null) {
      return false;
    }
    boolean http = scheme.equalsIgnoreCase("http");
    boolean https = scheme.equalsIgnoreCase("https");
    return https || (http && !"https".equalsIgnoreCase(from.getScheme()));
  }

  /** Copies heap bytes into a buffer of any kind. */
  static int put(ByteBuffer dst, byte[] src, int n) {
    if (n > 0) {
      dst.put(src, 0, n);
    }
    return n;
  }
}
