package dev.latchwork.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.http.content.ResourceHttpContentFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;

/**
 * An embedded Jetty 12 serving the files of a directory with ranges and ETags (its
 * ResourceHandler), behind a hook that lets a test inject faults, and a log of the requests.
 */
final class TestHttpServer implements AutoCloseable {
  /** Handles a request instead of the file server; returns false to let the file server do it. */
  @FunctionalInterface
  interface Fault {
    boolean handle(Request request, Response response, Callback callback) throws Exception;
  }

  record Logged(String method, String path, String range, String ifMatch) {}

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  final Path root;
  final ConcurrentLinkedQueue<Logged> requests = new ConcurrentLinkedQueue<>();
  volatile Fault fault = (request, response, callback) -> false;
  private final Server server;
  private final String scheme;
  private final ServerConnector connector;

  TestHttpServer(Path root) throws Exception {
    this(root, null);
  }

  /** With {@code tls} (a PKCS12 key store, password {@link TestTls#PASSWORD}), serves https. */
  TestHttpServer(Path root, Path tls) throws Exception {
    this.root = root;
    this.scheme = tls == null ? "http" : "https";
    server = new Server();
    if (tls == null) {
      connector = new ServerConnector(server);
    } else {
      org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl =
          new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
      ssl.setKeyStorePath(tls.toString());
      ssl.setKeyStoreType("PKCS12");
      ssl.setKeyStorePassword(TestTls.PASSWORD);
      connector = new ServerConnector(server, ssl);
    }
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ResourceHandler files = new ResourceHandler() {
      @Override
      protected HttpContent.Factory newHttpContentFactory() {
        // No caching: a test that rewrites a file must see the new content and ETag at once.
        return new ResourceHttpContentFactory(getBaseResource(), getMimeTypes());
      }
    };
    files.setBaseResourceAsString(root.toAbsolutePath().toString());
    files.setEtags(true);
    files.setAcceptRanges(true);
    files.setDirAllowed(false);
    server.setHandler(new Handler.Wrapper(files) {
      @Override
      public boolean handle(Request request, Response response, Callback callback)
          throws Exception {
        requests.add(new Logged(request.getMethod(), request.getHttpURI().getPath(),
            request.getHeaders().get("Range"), request.getHeaders().get("If-Match")));
        if (fault.handle(request, response, callback)) {
          return true;
        }
        return super.handle(request, response, callback);
      }
    });
    server.start();
  }

  URI uri(String path) {
    return URI.create(scheme + "://127.0.0.1:" + connector.getLocalPort() + "/" + path);
  }

  int port() {
    return connector.getLocalPort();
  }

  /** Answers with a bare status. */
  static boolean status(Response response, Callback callback, int status) {
    response.setStatus(status);
    response.getHeaders().put("Content-Length", "0");
    callback.succeeded();
    return true;
  }

  /** Parses {@code bytes=a-b}: {a, b + 1}; null if the request has no such header. */
  static long[] range(Request request) {
    String header = request.getHeaders().get("Range");
    if (header == null) {
      return null;
    }
    Matcher m = RANGE.matcher(header);
    return m.matches() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) + 1}
        : null;
  }

  /**
   * Answers a range request correctly for {@code file} (206, Content-Range, Content-Length) but
   * sends only the first {@code sent} bytes and then aborts the connection.
   */
  static boolean abortAfter(Request request, Response response, Callback callback, Path file,
      int sent) throws IOException {
    long[] r = range(request);
    if (r == null) {
      return false;
    }
    byte[] all = Files.readAllBytes(file);
    response.setStatus(206);
    response.getHeaders().put("Content-Range",
        "bytes " + r[0] + "-" + (r[1] - 1) + "/" + all.length);
    response.getHeaders().put("Content-Length", Long.toString(r[1] - r[0]));
    ByteBuffer head = ByteBuffer.wrap(all, (int) r[0], (int) Math.min(sent, r[1] - r[0]));
    response.write(false, head, Callback.from(
        () -> callback.failed(new IOException("injected: abort mid-body")), callback::failed));
    return true;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
