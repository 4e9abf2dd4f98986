package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

class HttpRangeSourceTest {
  @TempDir Path root;
  private TestHttpServer server;
  private byte[] data;

  @BeforeEach
  void start() throws Exception {
    data = bytes(100_000, 7);
    Files.write(root.resolve("object.bin"), data);
    Files.write(root.resolve("empty.bin"), new byte[0]);
    server = new TestHttpServer(root);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Test
  void describesSizeAndETagWithHead() throws Exception {
    RangeSource.ObjectInfo info = HttpRangeSource.of(server.uri("object.bin")).describe();
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(info.versionTag()).isNotBlank();
    assertThat(server.requests).extracting(TestHttpServer.Logged::method).containsExactly("HEAD");
  }

  @Test
  void fallsBackToARangeGetWhenHeadIsRefused() throws Exception {
    RangeSource.ObjectInfo viaHead = HttpRangeSource.of(server.uri("object.bin")).describe();
    server.requests.clear();
    server.fault = (request, response, callback) -> request.getMethod().equals("HEAD")
        && TestHttpServer.status(response, callback, 405);
    RangeSource.ObjectInfo viaGet = HttpRangeSource.of(server.uri("object.bin")).describe();
    assertThat(viaGet).isEqualTo(viaHead);
    assertThat(server.requests).extracting(r -> r.method() + " " + r.range())
        .containsExactly("HEAD null", "GET bytes=0-0");
  }

  @Test
  void describesAnEmptyObject() throws Exception {
    assertThat(HttpRangeSource.of(server.uri("empty.bin")).describe().size()).isZero();
    server.fault = (request, response, callback) -> request.getMethod().equals("HEAD")
        && TestHttpServer.status(response, callback, 501);
    assertThat(HttpRangeSource.of(server.uri("empty.bin")).describe().size()).isZero();
  }

  @Test
  void rangeRequestsReturnExactlyTheRange() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(readAll(source.open(info, 1000, 2500)))
        .isEqualTo(Arrays.copyOfRange(data, 1000, 2500));
    assertThat(readAll(source.open(info, data.length - 1, data.length)))
        .isEqualTo(new byte[] {data[data.length - 1]});
    assertThat(server.requests).extracting(TestHttpServer.Logged::range)
        .contains("bytes=1000-2499", "bytes=99999-99999");
  }

  @Test
  void aStrongETagIsSentAsIfMatchAndA412IsAVersionChange() throws Exception {
    // The HEAD answer carries a strong ETag that Jetty's own (weak) ETag never matches.
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("HEAD")) {
        return false;
      }
      response.setStatus(200);
      response.getHeaders().put("Content-Length", Integer.toString(data.length));
      response.getHeaders().put("ETag", "\"strong-1\"");
      callback.succeeded();
      return true;
    };
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(info.versionTag()).isEqualTo("\"strong-1\"");
    assertThatThrownBy(() -> readAll(source.open(info, 0, 10)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED))
        .hasMessageContaining("412");
    TestHttpServer.Logged get = server.requests.stream()
        .filter(r -> r.method().equals("GET")).findFirst().orElseThrow();
    assertThat(get.ifMatch()).isEqualTo("\"strong-1\"");
    assertThat(get.range()).isEqualTo("bytes=0-9");
  }

  @Test
  void aWeakETagIsNotSentAsIfMatchButCompared() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(info.versionTag()).startsWith("W/"); // Jetty's
    assertThat(readAll(source.open(info, 0, 10))).isEqualTo(Arrays.copyOf(data, 10));
    assertThat(server.requests).filteredOn(r -> r.method().equals("GET"))
        .extracting(TestHttpServer.Logged::ifMatch).containsOnlyNulls();
  }

  @Test
  void aDifferentETagInA206IsAVersionChange() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    RangeSource.ObjectInfo weak = new RangeSource.ObjectInfo(info.size(), "W/\"other\"");
    assertThatThrownBy(() -> readAll(source.open(weak, 0, 10)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED))
        .hasMessageContaining("ETag");
  }

  @Test
  void aServerIgnoringRangeIsAPermanentError() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    server.fault = (request, response, callback) -> {
      response.setStatus(200);
      response.write(true, ByteBuffer.wrap(data), callback);
      return true;
    };
    assertThatThrownBy(() -> readAll(source.open(info, 0, 10)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("200 instead of 206");
    server.fault = (request, response, callback) -> {
      if (request.getMethod().equals("HEAD")) {
        return TestHttpServer.status(response, callback, 405);
      }
      response.setStatus(200);
      response.write(true, ByteBuffer.wrap(data), callback);
      return true;
    };
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("object.bin")).describe())
        .as("the bytes=0-0 probe, once HEAD is refused")
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("ignored the Range");
  }

  @Test
  void aServerThatSaysItServesNoRangesIsRefusedUpFront() {
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("HEAD")) {
        return false;
      }
      response.setStatus(200);
      response.getHeaders().put("Content-Length", Integer.toString(data.length));
      response.getHeaders().put("Accept-Ranges", "none");
      callback.succeeded();
      return true;
    };
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("object.bin")).describe())
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("Accept-Ranges: none");
    assertThat(server.requests).extracting(TestHttpServer.Logged::method).containsExactly("HEAD");
  }

  @Test
  void aWrongContentRangeIsAProtocolError() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    server.fault = (request, response, callback) -> {
      response.setStatus(206);
      response.getHeaders().put("Content-Range", "bytes 0-9/" + data.length);
      response.write(true, ByteBuffer.wrap(data, 0, 10), callback);
      return true;
    };
    assertThatThrownBy(() -> readAll(source.open(info, 5, 15)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("different range");
    server.fault = (request, response, callback) -> {
      response.setStatus(206);
      response.getHeaders().put("Content-Range", "bytes 5-14/" + (data.length + 1));
      response.write(true, ByteBuffer.wrap(data, 5, 10), callback);
      return true;
    };
    assertThatThrownBy(() -> readAll(source.open(info, 5, 15)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
  }

  @Test
  void statusesAreClassifiedTransientOrPermanent() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    for (int status : new int[] {500, 503, 429, 408}) {
      server.fault = (request, response, callback) ->
          TestHttpServer.status(response, callback, status);
      assertThatThrownBy(() -> readAll(source.open(info, 0, 10)))
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.isRetryable()).as("%d", status).isTrue());
    }
    for (int status : new int[] {403, 404, 400}) {
      server.fault = (request, response, callback) ->
          TestHttpServer.status(response, callback, status);
      assertThatThrownBy(() -> readAll(source.open(info, 0, 10)))
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.isRetryable()).as("%d", status).isFalse());
    }
    server.fault = (request, response, callback) -> false;
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("missing.bin")).describe())
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("404");
  }

  @Test
  void redirectsAreFollowedOnlyToHttp() throws Exception {
    URI target = server.uri("object.bin");
    server.fault = (request, response, callback) -> {
      String path = request.getHttpURI().getPath();
      if (path.equals("/moved.bin")) {
        response.setStatus(302);
        response.getHeaders().put("Location", target.toString());
        callback.succeeded();
        return true;
      }
      if (path.equals("/elsewhere.bin")) {
        response.setStatus(302);
        response.getHeaders().put("Location", "ftp://127.0.0.1/object.bin");
        callback.succeeded();
        return true;
      }
      return false;
    };
    HttpRangeSource moved = HttpRangeSource.of(server.uri("moved.bin"));
    RangeSource.ObjectInfo info = moved.describe();
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(readAll(moved.open(info, 10, 20))).isEqualTo(Arrays.copyOfRange(data, 10, 20));
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("elsewhere.bin")).describe())
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("302")
        .hasMessageContaining("redirect not followed");
  }

  @Test
  void aBodyCutShortEndsTheStreamEarly() throws Exception {
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    Path file = root.resolve("object.bin");
    server.fault = (request, response, callback) ->
        TestHttpServer.abortAfter(request, response, callback, file, 1000);
    byte[] got = new byte[5000];
    int total = 0;
    try (InputStream in = source.open(info, 0, 5000)) {
      for (int n; total < 5000 && (n = in.read(got, total, 5000 - total)) > 0; ) {
        total += n;
      }
    } catch (IOException e) {
      assertThat(e).isNotInstanceOf(RangeSourceException.class); // transient
    }
    assertThat(total).isLessThan(5000);
    assertThat(Arrays.copyOf(got, total)).isEqualTo(Arrays.copyOf(data, total));
  }

  @Test
  void badArgumentsAreRejected() throws Exception {
    assertThatThrownBy(() -> HttpRangeSource.of(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> HttpRangeSource.of(URI.create("ftp://h/x?secret=abcdef")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ftp://h/x").hasMessageNotContaining("abcdef");
    assertThatThrownBy(() -> HttpRangeSource.of(URI.create("relative/path")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("x"), (HttpClient) null))
        .isInstanceOf(NullPointerException.class);
    HttpRangeSource source = HttpRangeSource.of(server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    assertThatThrownBy(() -> source.open(info, 10, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> source.open(info, -1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> source.open(info, 0, data.length + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A presigned-style URL's query and user info never appear in an exception message (along the
   * whole cause chain), a toString, or a log line, on every failure path we can provoke.
   */
  @Test
  @ResourceLock(Resources.SYSTEM_ERR) // the test replaces System.err to capture the log
  void secretsOfAPresignedUrlNeverAppearInMessagesOrLogs() throws Exception {
    String query = "X-Amz-Credential=AKIAEXAMPLESECRET&X-Amz-Signature=0123456789abcdefSIG";
    List<String> secrets = List.of("AKIAEXAMPLESECRET", "0123456789abcdefSIG", "s3cr3tpass");
    URI presigned = URI.create("http://alice:s3cr3tpass@127.0.0.1:" + server.port()
        + "/object.bin?" + query);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    URI refused = URI.create("http://alice:s3cr3tpass@127.0.0.1:" + closedPort
        + "/object.bin?" + query);
    Path file = root.resolve("object.bin");

    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream originalErr = System.err;
    StringBuilder everything = new StringBuilder();
    System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
    try {
      HttpRangeSource source = HttpRangeSource.of(presigned);
      everything.append(source).append('\n');
      RangeSource.ObjectInfo info = source.describe();

      // every failure of one range request
      List<TestHttpServer.Fault> faults = List.of(
          (req, resp, cb) -> TestHttpServer.status(resp, cb, 404),
          (req, resp, cb) -> TestHttpServer.status(resp, cb, 503),
          (req, resp, cb) -> TestHttpServer.status(resp, cb, 412),
          (req, resp, cb) -> {
            resp.setStatus(200);
            resp.write(true, ByteBuffer.wrap(data, 0, 10), cb);
            return true;
          },
          (req, resp, cb) -> {
            resp.setStatus(302);
            resp.getHeaders().put("Location", "ftp://127.0.0.1/x?" + query);
            cb.succeeded();
            return true;
          },
          (req, resp, cb) -> TestHttpServer.abortAfter(req, resp, cb, file, 10));
      for (TestHttpServer.Fault f : faults) {
        server.fault = f;
        Throwable t = catchAll(() -> readAll(source.open(info, 0, 1000)));
        everything.append(describe(t));
        server.fault = (req, resp, cb) -> req.getMethod().equals("HEAD") && f.handle(req, resp, cb);
        everything.append(describe(catchAll(source::describe)));
      }
      everything.append(describe(catchAll(() -> HttpRangeSource.of(refused).describe())));
      everything.append(describe(catchAll(
          () -> readAll(HttpRangeSource.of(refused).open(info, 0, 10)))));
      everything.append(describe(catchAll(
          () -> HttpRangeSource.of(URI.create("ftp://u:s3cr3tpass@h/x?" + query)))));

      // the store's failure paths: retries exhausted, version changed, closed
      for (TestHttpServer.Fault f : faults) {
        server.fault = (req, resp, cb) -> req.getMethod().equals("GET") && f.handle(req, resp, cb);
        FetchStore store = FetchStore.builder(source).tempDirectory(root).partSize(30_000)
            .retryPolicy(StoreTesting.FAST.withMaxAttempts(2))
            .backoff(new StoreTesting.RecordingBackoff()).open();
        everything.append(store).append('\n');
        everything.append(describe(catchAll(() -> store.read(ByteBuffer.allocate(10), 50_000))));
        everything.append(describe(catchAll(store::awaitComplete)));
        store.close();
        everything.append(describe(catchAll(() -> store.read(ByteBuffer.allocate(10), 0))));
        store.terminated().toFuture().exceptionally(e -> null).get();
      }
    } finally {
      System.err.flush();
      System.setErr(originalErr);
    }
    // Our lines only: Jetty's server-side log of the request line is the server's business.
    String logs = captured.toString("UTF-8").lines().filter(l -> l.contains(" dev.latchwork."))
        .collect(Collectors.joining("\n"));
    originalErr.print(logs);
    assertThat(logs).as("debug logging was on and captured").contains("HttpRangeSource")
        .contains("127.0.0.1");
    assertThat(everything.toString()).contains("127.0.0.1").contains("<redacted>");
    for (String secret : secrets) {
      assertThat(logs).as("log lines").doesNotContain(secret);
      assertThat(everything.toString()).as("exceptions").doesNotContain(secret);
    }
    assertThat(logs + everything).doesNotContain("alice");
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  private static Throwable catchAll(Action action) {
    try {
      action.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** Every message and toString along the cause chain and the suppressed exceptions. */
  private static String describe(Throwable t) {
    if (t == null) {
      return "";
    }
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    return w + Arrays.stream(t.getSuppressed()).map(HttpRangeSourceTest::describe)
        .collect(Collectors.joining());
  }
}
