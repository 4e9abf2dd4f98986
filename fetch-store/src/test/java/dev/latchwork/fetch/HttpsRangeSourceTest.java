package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HttpRangeSource over real TLS: embedded Jetty with a self-signed certificate made by keytool. */
@Timeout(60)
class HttpsRangeSourceTest {
  @TempDir static Path root;
  private static TestHttpServer server;
  private static SSLContext trusting;
  private static byte[] data;

  @BeforeAll
  static void start() throws Exception {
    data = bytes(300_000, 21);
    Files.write(root.resolve("object.bin"), data);
    Path store = TestTls.keyStore(Files.createDirectories(root.resolve("tls")));
    trusting = TestTls.trusting(store);
    server = new TestHttpServer(root, store);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static HttpRangeSource source(String transport, URI uri) {
    return transport.equals("wire") ? HttpRangeSource.of(uri, trusting)
        : HttpRangeSource.of(uri, HttpClient.newBuilder().sslContext(trusting).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void rangesArriveIntactOverTls(String transport) throws Exception {
    server.fault = (request, response, callback) -> false;
    HttpRangeSource source = source(transport, server.uri("object.bin"));
    RangeSource.ObjectInfo info = source.describe();
    assertThat(info.size()).isEqualTo(data.length);
    for (int i = 0; i < 3; i++) { // the second and third reuse the pooled TLS connection
      try (InputStream in = source.open(info, 1000 * i, 250_000)) {
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 1000 * i, 250_000));
      }
    }
  }

  @Test
  void anUntrustedCertificateIsRefused() {
    server.fault = (request, response, callback) -> false;
    assertThatThrownBy(() -> HttpRangeSource.of(server.uri("object.bin")).describe())
        .isInstanceOf(IOException.class)
        .hasStackTraceContaining("SSLHandshakeException");
  }

  @Test
  void aRedirectFromHttpsToHttpIsNotFollowed() {
    server.fault = (request, response, callback) -> {
      response.setStatus(302);
      response.getHeaders().put("Location", "http://127.0.0.1:1/object.bin");
      callback.succeeded();
      return true;
    };
    assertThatThrownBy(() -> source("wire", server.uri("object.bin")).describe())
        .isInstanceOf(RangeSourceException.class)
        .hasMessageContaining("redirect not followed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void closeWakesAReadBlockedInATlsBody(String transport) throws Exception {
    CompletableFuture<Void> finish = new CompletableFuture<>();
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("GET")) {
        return false;
      }
      response.setStatus(206);
      response.getHeaders().put("Content-Range", "bytes 0-99999/" + data.length);
      response.getHeaders().put("Content-Length", "100000");
      response.write(false, ByteBuffer.wrap(data, 0, 10), Callback.from(
          () -> finish.whenComplete((v, e) -> callback.failed(new IOException("test over"))),
          callback::failed));
      return true;
    };
    try {
      RangeSource.ObjectInfo info = new RangeSource.ObjectInfo(data.length, null);
      InputStream in = source(transport, server.uri("object.bin")).open(info, 0, 100_000);
      assertThat(in.readNBytes(10)).isEqualTo(Arrays.copyOf(data, 10));
      CompletableFuture<Throwable> read = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try {
          in.read(new byte[1000]);
          read.complete(null);
        } catch (Throwable e) {
          read.complete(e);
        }
      });
      reader.start();
      BlockedReads.awaitBlockedInRead(reader);
      in.close();
      assertThat(read.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    } finally {
      finish.complete(null);
    }
  }
}
