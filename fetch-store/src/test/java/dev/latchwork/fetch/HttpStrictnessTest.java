package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HttpRangeSource against servers that misbehave byte by byte ({@link HostileServer}), on both
 * transports: the built-in one ("wire") and a {@code java.net.http.HttpClient} ("client").
 */
@Timeout(30)
class HttpStrictnessTest {
  private static final byte[] DATA = bytes(64 << 10, 11);
  private static final String ETAG = "ETag: \"v1\"";
  private static final String LAST_MODIFIED = "Last-Modified: Wed, 02 Dec 2026 10:00:00 GMT";
  private HostileServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  static HttpRangeSource source(String transport, URI uri) {
    return transport.equals("wire") ? HttpRangeSource.of(uri)
        : HttpRangeSource.of(uri, HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL).build());
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static boolean headOk(HostileServer.Request r, OutputStream out, String... validators)
      throws IOException {
    String[] headers = Arrays.copyOf(validators, validators.length + 1);
    headers[validators.length] = "Content-Length: " + DATA.length;
    HostileServer.head(out, "200 OK", headers);
    return true;
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aGzipEncodedRangeIsRefusedAndIdentityIsAskedFor(String transport) throws Exception {
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(r, out, ETAG);
      }
      HostileServer.range(r, out, DATA, "Content-Encoding: gzip", ETAG);
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"));
    RangeSource.ObjectInfo info = source.describe();
    assertThatThrownBy(() -> readAll(source.open(info, 0, 100)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("Content-Encoding: gzip");
    assertThat(server.requests).allSatisfy(
        r -> assertThat(r.header("Accept-Encoding")).isEqualTo("identity"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void withoutAnETagTheVersionIsPinnedByLastModified(String transport) throws Exception {
    AtomicReference<String> lastModified = new AtomicReference<>(LAST_MODIFIED);
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(r, out, lastModified.get());
      }
      // A careless server: ignores If-Unmodified-Since, but reports the new Last-Modified.
      HostileServer.range(r, out, DATA, lastModified.get());
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(readAll(source.open(info, 0, 100))).isEqualTo(Arrays.copyOf(DATA, 100));
    assertThat(server.requests).filteredOn(r -> r.method().equals("GET"))
        .extracting(r -> r.header("If-Unmodified-Since"))
        .containsOnly("Wed, 02 Dec 2026 10:00:00 GMT");
    lastModified.set("Last-Modified: Wed, 02 Dec 2026 11:00:00 GMT");
    assertThatThrownBy(() -> readAll(source.open(info, 100, 200)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED))
        .hasMessageContaining("Last-Modified");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void anETagSentOnlyOnRangeResponsesIsPinnedAtDescribe(String transport) throws Exception {
    AtomicReference<String> etag = new AtomicReference<>(ETAG);
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(r, out);
      }
      HostileServer.range(r, out, DATA, etag.get());
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(info.versionTag()).isEqualTo("\"v1\"");
    assertThat(info.size()).isEqualTo(DATA.length);
    etag.set("ETag: \"v2\"");
    assertThatThrownBy(() -> readAll(source.open(info, 100, 200)))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
    assertThat(server.requests).filteredOn(r -> r.range() != null && r.range()[0] == 100)
        .extracting(r -> r.header("If-Match")).containsOnly("\"v1\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aStoreFailsEveryReaderWhenAnUnversionedHeadsObjectIsReplacedBetweenParts(String transport)
      throws Exception {
    byte[] other = bytes(DATA.length, 12);
    AtomicReference<byte[]> current = new AtomicReference<>(DATA);
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(r, out);
      }
      byte[] now = current.get();
      HostileServer.range(r, out, now, now == DATA ? LAST_MODIFIED
          : "Last-Modified: Wed, 02 Dec 2026 12:00:00 GMT");
      // The object is replaced once the first part has been served.
      current.set(other);
      return true;
    });
    try (FetchStore store = FetchStore.builder(source(transport, server.uri("o")))
        .tempDirectory(java.nio.file.Files.createTempDirectory("strict")).partSize(16 << 10)
        .parallelism(1).retryPolicy(StoreTesting.FAST).open()) {
      assertThatThrownBy(store::awaitComplete)
          .hasRootCauseInstanceOf(RangeSourceException.class)
          .satisfies(e -> assertThat(rootKind(e))
              .isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), DATA.length - 10))
          .isInstanceOf(IOException.class);
    }
  }

  private static RangeSourceException.Kind rootKind(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof RangeSourceException e) {
        return e.kind();
      }
    }
    return null;
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aHeadThatNeverAnswersTimesOutAndIsRetriedByTheStore(String transport) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    server = new HostileServer((r, out) -> {
      never.await(); // the server reads the request and says nothing
      return false;
    });
    HttpRangeSource source = source(transport, server.uri("o"))
        .withReadTimeout(Duration.ofMillis(200));
    assertThatThrownBy(source::describe)
        .isInstanceOfSatisfying(RangeSourceException.class, e -> assertThat(e.isRetryable()).isTrue())
        .hasMessageContaining("no data for");
    server.requests.clear();
    assertThatThrownBy(() -> FetchStore.builder(source)
        .retryPolicy(StoreTesting.FAST.withMaxAttempts(3))
        .tempDirectory(java.nio.file.Files.createTempDirectory("strict")).open())
        .hasMessageContaining("no data for");
    assertThat(server.requests).extracting(HostileServer.Request::method)
        .containsExactly("HEAD", "HEAD", "HEAD");
    never.countDown();
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aHeadRedirectedBy303NeverReadsAnEndlessBody(String transport) throws Exception {
    AtomicLong streamed = new AtomicLong();
    server = new HostileServer((r, out) -> {
      if (r.target().equals("/o")) {
        HostileServer.head(out, "303 See Other", "Location: /endless", "Content-Length: 0");
        return true;
      }
      if (r.method().equals("HEAD")) {
        return headOk(r, out, ETAG);
      }
      if (r.range() != null) {
        HostileServer.range(r, out, DATA, ETAG);
        return true;
      }
      HostileServer.head(out, "200 OK", ETAG); // no length: until the connection closes
      byte[] block = new byte[64 << 10];
      while (true) {
        out.write(block);
        streamed.addAndGet(block.length);
      }
    });
    RangeSource.ObjectInfo info = source(transport, server.uri("o")).describe();
    assertThat(info.size()).isEqualTo(DATA.length);
    // Whatever the endless GET pushed into socket buffers before it was aborted, not the body.
    assertThat(streamed.get()).isLessThan(64L << 20);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void malformedSizesArePermanentErrorsNamingTheHeader(String transport) throws Exception {
    for (String length : new String[] {"-5", "12abc", "99999999999999999999"}) {
      server = new HostileServer((r, out) -> {
        HostileServer.head(out, "200 OK", "Content-Length: " + length, ETAG);
        return false;
      });
      assertThatThrownBy(() -> source(transport, server.uri("o")).describe())
          .as(length)
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
          .hasMessageContaining("Content-Length");
      server.close();
    }
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        HostileServer.head(out, "405 Method Not Allowed", "Content-Length: 0");
        return true;
      }
      HostileServer.head(out, "206 Partial Content", "Content-Range: bytes 0-0/-7",
          "Content-Length: 1");
      out.write(0);
      return true;
    });
    assertThatThrownBy(() -> source(transport, server.uri("o")).describe())
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
        .hasMessageContaining("Content-Range");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aRedirectLoopIsReportedAsTooManyRedirects(String transport) throws Exception {
    server = new HostileServer((r, out) -> {
      HostileServer.head(out, "302 Found", "Location: " + r.target(), "Content-Length: 0");
      return true;
    });
    assertThatThrownBy(() -> source(transport, server.uri("loop")).describe())
        .isInstanceOf(RangeSourceException.class)
        .hasMessageContaining("too many redirects")
        .hasMessageNotContaining("never https to http");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aMalformedLocationCarryingASignatureNeverLeaks(String transport) throws Exception {
    server = new HostileServer((r, out) -> {
      HostileServer.head(out, "302 Found",
          "Location: http://exa mple.com/x?X-Amz-Signature=S3CRETSIGNATURE", "Content-Length: 0");
      return true;
    });
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
        () -> source(transport, server.uri("o")).describe());
    assertThat(t).isInstanceOf(IOException.class);
    assertThat(everything(t)).doesNotContain("S3CRETSIGNATURE");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void retryAfterOn429And503IsReported(String transport) throws Exception {
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        HostileServer.head(out, "503 Service Unavailable", "Retry-After: 7", "Content-Length: 0");
        return true;
      }
      HostileServer.head(out, "429 Too Many Requests",
          "Retry-After: Fri, 31 Dec 2100 23:59:59 GMT", "Content-Length: 0");
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"));
    assertThatThrownBy(source::describe)
        .isInstanceOfSatisfying(RangeSourceException.class, e -> {
          assertThat(e.isRetryable()).isTrue();
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        });
    RangeSource.ObjectInfo info = new RangeSource.ObjectInfo(DATA.length, null);
    assertThatThrownBy(() -> readAll(source.open(info, 0, 10)))
        .isInstanceOfSatisfying(RangeSourceException.class, e -> {
          assertThat(e.isRetryable()).isTrue();
          assertThat(e.retryAfter()).hasValueSatisfying(
              d -> assertThat(d).isGreaterThan(Duration.ofDays(365)));
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aTricklingBodyFailsTheMinimumRateButNeverTheIdleTimeout(String transport)
      throws Exception {
    server = new HostileServer((r, out) -> {
      long[] range = r.range();
      HostileServer.head(out, "206 Partial Content",
          "Content-Range: bytes " + range[0] + "-" + (range[1] - 1) + "/" + DATA.length,
          "Content-Length: " + (range[1] - range[0]));
      for (long i = range[0]; i < range[1]; i++) {
        out.write(DATA[(int) i]);
        out.flush();
        Thread.sleep(20); // about 50 bytes/s: always active, always slow
      }
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"))
        .withReadTimeout(Duration.ofSeconds(5))
        .withMinimumRate(10_000, Duration.ofMillis(300));
    RangeSource.ObjectInfo info = new RangeSource.ObjectInfo(DATA.length, null);
    assertThatThrownBy(() -> readAll(source.open(info, 0, DATA.length)))
        .isInstanceOfSatisfying(RangeSourceException.class, e -> assertThat(e.isRetryable()).isTrue())
        .hasMessageContaining("slower than 10000 bytes/s");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aStalledBodyTimesOutAndCloseWakesABlockedRead(String transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server = new HostileServer((r, out) -> {
      HostileServer.head(out, "206 Partial Content",
          "Content-Range: bytes 0-99/" + DATA.length, "Content-Length: 100");
      out.write(DATA, 0, 10);
      out.flush();
      release.await();
      return false;
    });
    RangeSource.ObjectInfo info = new RangeSource.ObjectInfo(DATA.length, null);
    HttpRangeSource timed = source(transport, server.uri("o"))
        .withReadTimeout(Duration.ofMillis(200));
    assertThatThrownBy(() -> readAll(timed.open(info, 0, 100)))
        .isInstanceOfSatisfying(RangeSourceException.class, e -> assertThat(e.isRetryable()).isTrue())
        .hasMessageContaining("no data for");
    HttpRangeSource patient = source(transport, server.uri("o")).withReadTimeout(Duration.ZERO);
    InputStream in = patient.open(info, 0, 100);
    byte[] ten = new byte[10];
    int got = 0;
    while (got < 10) {
      got += in.read(ten, got, 10 - got);
    }
    CountDownLatch failed = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try {
        in.read(new byte[90]);
      } catch (IOException expected) {
        failed.countDown();
      }
    });
    reader.start();
    in.close();
    assertThat(failed.await(10, TimeUnit.SECONDS)).as("close woke the blocked read").isTrue();
    release.countDown();
  }

  /** Every message and stack trace along the cause chain. */
  private static String everything(Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }
}
