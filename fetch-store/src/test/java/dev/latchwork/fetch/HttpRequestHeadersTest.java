package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user's request headers, fixed or computed per request by a customizer, go on every request to
 * the source's origin (the HEAD, every GET, every retry, same-origin redirects) and on none to
 * another origin; restricted or invalid ones are refused naming the header; values never appear
 * in a log line, a message or a toString. On both transports: the built-in one ("wire") and a
 * {@code java.net.http} client that does not follow redirects ("client").
 */
@Timeout(30)
class HttpRequestHeadersTest {
  private static final byte[] DATA = bytes(50_000, 31);
  private static final String ETAG = "ETag: \"v1\"";
  private static final String TOKEN = "Bearer tok-SECRET-0123456789";
  private static final String SIG_SECRET = "SIGSECRET-9876543210";

  @TempDir Path dir;
  private HostileServer server;
  private HostileServer other;

  @AfterEach
  void stop() throws IOException {
    for (HostileServer s : new HostileServer[] {server, other}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private static HttpRangeSource source(String transport, URI uri) {
    return transport.equals("wire") ? HttpRangeSource.of(uri)
        : HttpRangeSource.of(uri, HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build());
  }

  /** A customizer that signs what it sees: method, path and range, as a SigV4 signer would. */
  private static final class Signer implements HttpRangeSource.RequestCustomizer {
    final ConcurrentLinkedQueue<URI> asked = new ConcurrentLinkedQueue<>();

    @Override
    public Map<String, String> headers(String method, URI uri, Map<String, String> headers) {
      asked.add(uri);
      assertThat(headers).containsEntry("Accept-Encoding", "identity")
          .containsEntry("x-amz-checksum-mode", "ENABLED")
          .containsEntry("Authorization", TOKEN);
      assertThatThrownBy(() -> headers.put("X", "y")).as("read-only")
          .isInstanceOf(UnsupportedOperationException.class);
      return Map.of("X-Sig", signature(method, uri.getRawPath(), headers.get("Range")));
    }

    static String signature(String method, String path, String range) {
      return SIG_SECRET + " " + method + " " + path + " " + range;
    }
  }

  private static boolean headOk(OutputStream out) throws IOException {
    HostileServer.head(out, "200 OK", ETAG, "Content-Length: " + DATA.length);
    return true;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static void assertSigned(HostileServer.Request r) {
    assertThat(r.header("Authorization")).as(r.toString()).isEqualTo(TOKEN);
    assertThat(r.header("X-Api-Key")).as(r.toString()).isEqualTo("key-1");
    assertThat(r.header("X-Sig")).as(r.toString()).isEqualTo(Signer.signature(r.method(),
        URI.create(r.target()).getRawPath(), r.header("Range")));
  }

  private static void assertUnsigned(HostileServer.Request r) {
    assertThat(r.header("Authorization")).as(r.toString()).isNull();
    assertThat(r.header("X-Api-Key")).as(r.toString()).isNull();
    assertThat(r.header("X-Sig")).as(r.toString()).isNull();
    assertThat(r.header("Accept-Encoding")).as("the source's own headers go")
        .isEqualTo("identity");
  }

  private static HttpRangeSource signed(HttpRangeSource source, Signer signer) {
    return source.withHeader("authorization", "Bearer stale").withHeader("X-Api-Key", "key-1")
        .withHeader("Authorization", TOKEN).withRequestCustomizer(signer);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void userHeadersGoOnTheHeadAndEveryGetIncludingRetries(String transport) throws Exception {
    AtomicInteger gets = new AtomicInteger();
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(out);
      }
      if (gets.incrementAndGet() % 2 == 1) {
        HostileServer.head(out, "503 Service Unavailable", "Content-Length: 0");
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG);
      return true;
    });
    Signer signer = new Signer();
    HttpRangeSource source = signed(source(transport, server.uri("o")), signer);
    StoreTesting.RecordingBackoff backoff = new StoreTesting.RecordingBackoff();
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(16 << 10)
        .parallelism(1).retryPolicy(StoreTesting.FAST).backoff(backoff).open()) {
      assertThat(store.awaitComplete(Duration.ofSeconds(20))).isTrue();
      ByteBuffer all = ByteBuffer.allocate(DATA.length);
      while (all.hasRemaining()) {
        store.read(all, all.position());
      }
      assertThat(all.array()).isEqualTo(DATA);
    }
    assertThat(backoff.delays).as("every part was retried once").hasSize(4);
    assertThat(server.requests).hasSize(1 + 8).allSatisfy(HttpRequestHeadersTest::assertSigned);
    assertThat(signer.asked).hasSize(server.requests.size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aSameOriginRedirectIsSignedForItsOwnUriOnTheBuiltInTransportOnly(String transport)
      throws Exception {
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(out);
      }
      if (r.target().equals("/o")) {
        HostileServer.head(out, "302 Found", "Location: /moved", "Content-Length: 0");
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG);
      return true;
    });
    Signer signer = new Signer();
    HttpRangeSource source = signed(source(transport, server.uri("o")), signer);
    RangeSource.ObjectInfo info = source.describe();
    if (transport.equals("wire")) {
      assertThat(readAll(source.open(info, 0, 100))).isEqualTo(Arrays.copyOf(DATA, 100));
      assertThat(server.requests).extracting(HostileServer.Request::target)
          .containsExactly("/o", "/o", "/moved");
      assertThat(signer.asked).extracting(URI::getPath).containsExactly("/o", "/o", "/moved");
    } else {
      // A client that follows no redirects: the 302 is the answer, and nothing else is asked.
      assertThatThrownBy(() -> readAll(source.open(info, 0, 100)))
          .isInstanceOf(RangeSourceException.class).hasMessageContaining("302")
          .hasMessageContaining("Redirect.NEVER").hasMessageNotContaining("too many redirects");
      assertThat(server.requests).extracting(HostileServer.Request::target)
          .containsExactly("/o", "/o");
    }
    assertThat(server.requests).allSatisfy(HttpRequestHeadersTest::assertSigned);
  }

  @Test
  void noUserHeaderFollowsARedirectToAnotherOriginButTheyResumeBackHome() throws Exception {
    other = new HostileServer((r, out) -> {
      HostileServer.head(out, "307 Temporary Redirect",
          "Location: " + server.uri("home").toString(), "Content-Length: 0");
      return true;
    });
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        return headOk(out);
      }
      if (r.target().equals("/o")) {
        HostileServer.head(out, "302 Found", "Location: " + other.uri("away"),
            "Content-Length: 0");
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG);
      return true;
    });
    Signer signer = new Signer();
    HttpRangeSource source = signed(HttpRangeSource.of(server.uri("o")), signer);
    RangeSource.ObjectInfo info = source.describe();
    assertThat(readAll(source.open(info, 10, 110))).isEqualTo(Arrays.copyOfRange(DATA, 10, 110));

    assertThat(other.requests).hasSize(1).allSatisfy(r -> {
      assertUnsigned(r);
      assertThat(r.header("Range")).isEqualTo("bytes=10-109");
    });
    assertThat(server.requests).extracting(HostileServer.Request::target)
        .containsExactly("/o", "/o", "/home");
    assertThat(server.requests).allSatisfy(HttpRequestHeadersTest::assertSigned);
    assertThat(signer.asked).extracting(URI::getPort).containsOnly(server.uri("").getPort());
  }

  @Test
  void aClientThatFollowsRedirectsItselfRefusesUserHeaders() {
    HttpRangeSource source = HttpRangeSource.of(URI.create("http://127.0.0.1:1/o"),
        HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build());
    assertThatThrownBy(() -> source.withHeader("Authorization", TOKEN))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Redirect.NEVER")
        .hasMessageNotContaining(TOKEN);
    assertThatThrownBy(() -> source.withRequestCustomizer(new Signer()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void restrictedOrInvalidHeadersAreRefusedNamingTheHeaderNotTheValue() {
    HttpRangeSource source = HttpRangeSource.of(URI.create("http://127.0.0.1:1/o"));
    for (String name : List.of("Host", "range", "If-Match", "IF-NONE-MATCH", "If-Range",
        "If-Unmodified-Since", "Content-Length", "Transfer-Encoding", "Connection",
        "Accept-Encoding", "x-amz-checksum-mode", "Expect", "Upgrade")) {
      assertThatThrownBy(() -> source.withHeader(name, TOKEN)).as(name)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'")
          .hasMessageNotContaining(TOKEN);
    }
    for (String name : List.of("X-A\r\nEvil: 1", "X-A\nB", "X A", "X:A", "", "X-\u00e9")) {
      assertThatThrownBy(() -> source.withHeader(name, TOKEN)).as(name)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header name")
          .hasMessageNotContaining(TOKEN).hasMessageNotContaining("\r")
          .hasMessageNotContaining("\n");
    }
    for (String value : List.of(TOKEN + "\r\nX-Evil: 1", TOKEN + "\n", TOKEN + "\u0000",
        TOKEN + "\u20ac", TOKEN + "\u007f")) {
      assertThatThrownBy(() -> source.withHeader("Authorization", value)).as(value)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'Authorization'").hasMessageNotContaining(TOKEN);
    }
    assertThatThrownBy(() -> source.withHeader("X", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> source.withRequestCustomizer(null))
        .isInstanceOf(NullPointerException.class);
    assertThat(source.withHeader("X-Tab", "a\tb c\u00ff")).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aCustomizerThatFailsOrReturnsAnUnsendableHeaderFailsTheRequestPermanently(
      String transport) throws Exception {
    server = new HostileServer((r, out) -> headOk(out));
    List<HttpRangeSource.RequestCustomizer> bad = List.of(
        (m, u, h) -> Map.of("Host", TOKEN),
        (m, u, h) -> Map.of("X-Sig", TOKEN + "\r\nX-Evil: 1"),
        (m, u, h) -> Map.of("X Sig", TOKEN),
        (m, u, h) -> null,
        (m, u, h) -> {
          throw new IllegalStateException("signer broke");
        });
    for (HttpRangeSource.RequestCustomizer c : bad) {
      HttpRangeSource source = source(transport, server.uri("o")).withRequestCustomizer(c);
      assertThatThrownBy(source::describe)
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
          .hasMessageContaining("request customizer").hasMessageNotContaining(TOKEN);
    }
    assertThat(server.requests).as("nothing unsendable was sent").isEmpty();
    HttpRangeSource.RequestCustomizer io = (m, u, h) -> {
      throw new IOException("credentials not ready");
    };
    assertThatThrownBy(() -> source(transport, server.uri("o")).withRequestCustomizer(io)
        .describe()).isInstanceOf(IOException.class).hasMessageContaining("not ready");
  }

  /**
   * On every path we can provoke (success, retries exhausted, refused HEAD, a redirect to another
   * origin, a failing customizer) no value of a user header appears anywhere we write.
   */
  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  @ResourceLock(Resources.SYSTEM_ERR) // LogCapture replaces System.err
  void headerValuesNeverAppearInLogsMessagesOrToString(String transport) throws Exception {
    other = new HostileServer((r, out) -> {
      HostileServer.head(out, "500 Internal Server Error", "Content-Length: 0");
      return true;
    });
    server = new HostileServer((r, out) -> {
      String path = URI.create(r.target()).getPath();
      if (path.equals("/forbidden")) {
        HostileServer.head(out, "403 Forbidden", "Content-Length: 0");
      } else if (path.equals("/away")) {
        HostileServer.head(out, "302 Found", "Location: " + other.uri("x"), "Content-Length: 0");
      } else if (r.method().equals("HEAD")) {
        return headOk(out);
      } else if (path.equals("/failing")) {
        HostileServer.head(out, "503 Service Unavailable", "Content-Length: 0");
      } else {
        HostileServer.range(r, out, DATA, ETAG);
      }
      return true;
    });
    StringBuilder everything = new StringBuilder();
    List<String> lines;
    try (LogCapture log = new LogCapture()) {
      for (String path : List.of("ok", "failing", "forbidden", "away", "customizer")) {
        HttpRangeSource source = source(transport, server.uri(path))
            .withHeader("Authorization", TOKEN)
            .withRequestCustomizer((m, u, h) -> {
              if (path.equals("customizer")) {
                throw new IllegalStateException("bad");
              }
              return Map.of("X-Sig", SIG_SECRET);
            });
        everything.append(source).append('\n');
        FetchStore store = null;
        try {
          store = FetchStore.builder(source).tempDirectory(dir).partSize(16 << 10)
              .retryPolicy(StoreTesting.FAST.withMaxAttempts(2))
              .backoff(new StoreTesting.RecordingBackoff()).open();
          everything.append(store).append('\n');
          store.awaitComplete(Duration.ofSeconds(20));
        } catch (IOException | RuntimeException e) {
          everything.append(trace(e));
        } finally {
          if (store != null) {
            store.close();
          }
        }
      }
      lines = log.lines();
    }
    String logs = lines.stream().filter(l -> l.contains("dev.latchwork."))
        .collect(Collectors.joining("\n"));
    assertThat(logs).as("debug logging was on and captured").contains("HttpRangeSource");
    assertThat(everything).as("every failure path was taken").contains("503").contains("403")
        .contains("request customizer");
    assertThat(server.requests).as("the headers were really sent")
        .anySatisfy(r -> assertThat(r.header("X-Sig")).isEqualTo(SIG_SECRET));
    for (String secret : List.of(TOKEN, "tok-SECRET", SIG_SECRET)) {
      assertThat(logs).as("log lines").doesNotContain(secret);
      assertThat(everything.toString()).as("messages and toString").doesNotContain(secret);
    }
  }

  private static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
