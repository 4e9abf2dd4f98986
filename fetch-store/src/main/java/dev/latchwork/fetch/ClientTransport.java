package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The {@link HttpTransport} over a user's {@code java.net.http.HttpClient}, which follows redirects
 * as it is configured (the source still refuses a response from a disallowed origin).
 *
 * <p>Every body, a {@code HEAD}'s included (the client turns {@code HEAD} into {@code GET} on a
 * {@code 303}), is received as a stream that is read only as far as the caller asks and closed
 * (which cancels the transfer) otherwise, so no response is ever drained whole unasked.
 */
final class ClientTransport implements HttpTransport {
  private static final Duration HEADERS_TIMEOUT = Duration.ofMinutes(10);

  private final HttpClient client;
  private final URI origin;

  /** @param origin the source's URI: the one whose secrets every message is scrubbed of */
  ClientTransport(HttpClient client, URI origin) {
    this.client = client;
    this.origin = origin;
  }

  @Override
  public Exchange start(String method, URI uri, Headers headers) throws IOException {
    // The source's watchdog bounds the wait; this timeout only backs it up.
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HEADERS_TIMEOUT)
        .method(method, HttpRequest.BodyPublishers.noBody());
    // Asked once: the client re-sends these on every redirect it follows itself.
    headers.forRequest(uri).forEach(request::header);
    return new ClientExchange(method,
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  @Override
  public boolean resendsHeadersOnRedirect() {
    return client.followRedirects() != HttpClient.Redirect.NEVER;
  }

  @Override
  public boolean followsRedirects() {
    return client.followRedirects() != HttpClient.Redirect.NEVER;
  }

  private final class ClientExchange implements Exchange {
    private final String method;
    private final CompletableFuture<HttpResponse<InputStream>> future;

    ClientExchange(String method, CompletableFuture<HttpResponse<InputStream>> future) {
      this.method = method;
      this.future = future;
    }

    @Override
    public Response response() throws IOException {
      String what = method + " " + Redaction.redact(origin);
      try {
        return new ClientResponse(future.get());
      } catch (InterruptedException e) {
        future.cancel(true);
        Thread.currentThread().interrupt();
        InterruptedIOException ie = new InterruptedIOException(what + " interrupted");
        ie.initCause(e);
        throw ie;
      } catch (CancellationException e) {
        throw new IOException(what + " aborted", e);
      } catch (ExecutionException e) {
        Throwable cause = Redaction.scrub(e.getCause(), origin);
        if (e.getCause() instanceof NumberFormatException) {
          // java.net.http parses only Content-Length as a number on HTTP/1.1, and throws this
          // raw exception for a malformed one: a permanent property of the response.
          throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
              what + ": malformed Content-Length header (rejected by the HTTP client: " + cause
                  + ")", cause);
        }
        throw new IOException(what + " failed: " + (cause == null ? "unknown" : cause), cause);
      }
    }

    @Override
    public void abort() {
      future.cancel(true);
      if (future.isDone() && !future.isCompletedExceptionally()) {
        // Closing the client's body stream cancels the transfer rather than draining it.
        closeQuietly(future.join().body());
      }
    }
  }

  private static final class ClientResponse implements Response {
    private final HttpResponse<InputStream> response;
    private byte[] chunk;

    ClientResponse(HttpResponse<InputStream> response) {
      this.response = response;
    }

    @Override
    public int status() {
      return response.statusCode();
    }

    @Override
    public URI uri() {
      return response.uri();
    }

    @Override
    public Optional<String> header(String name) {
      return response.headers().firstValue(name).map(String::trim);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (dst.hasArray()) {
        int n = response.body().read(dst.array(), dst.arrayOffset() + dst.position(),
            dst.remaining());
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }
      if (chunk == null) {
        chunk = new byte[64 << 10];
      }
      return HttpTransport.put(dst, chunk,
          response.body().read(chunk, 0, Math.min(chunk.length, dst.remaining())));
    }

    @Override
    public void close() {
      closeQuietly(response.body());
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // The transfer is abandoned either way.
    }
  }
}
