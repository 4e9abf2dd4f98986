package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checksum a server states for the whole object ({@code x-amz-checksum-crc32c} of type
 * FULL_OBJECT, RFC 9530 {@code Repr-Digest}) is asked for on every request, read at describe and
 * checked by the store like a caller-given one, on both transports.
 */
@Timeout(30)
class ServerChecksumTest {
  private static final byte[] DATA = bytes(100_000, 21);
  private static final int PART = 16 << 10;
  private static final String ETAG = "ETag: \"v1\"";

  @TempDir Path dir;
  private HostileServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private static HttpRangeSource source(String transport, URI uri) {
    return HttpStrictnessTest.source(transport, uri);
  }

  private static int crc(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data);
    return (int) c.getValue();
  }

  private static String base64(int crc) {
    return Base64.getEncoder().encodeToString(ObjectChecksum.crc32c(crc).value());
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  /** Serves DATA: a HEAD with {@code headHeaders}, ranges with an ETag. */
  private void serve(String... headHeaders) throws IOException {
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        List<String> h = new ArrayList<>(Arrays.asList(headHeaders));
        h.add(ETAG);
        h.add("Content-Length: " + DATA.length);
        HostileServer.head(out, "200 OK", h.toArray(new String[0]));
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG);
      return true;
    });
  }

  private FetchStore store(HttpRangeSource source) throws IOException {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).parallelism(3).open();
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aRightFullObjectCrc32cIsStatedCheckedAndPasses(String transport) throws Exception {
    serve("x-amz-checksum-crc32c: " + base64(crc(DATA)), "x-amz-checksum-type: FULL_OBJECT");
    HttpRangeSource source = source(transport, server.uri("o"));
    assertThat(source.describe().checksum()).isEqualTo(ObjectChecksum.crc32c(crc(DATA)));
    Path target = dir.resolve("out");
    try (FetchStore store = store(source)) {
      assertThat(store.awaitComplete(Duration.ofSeconds(20))).isTrue();
      store.moveTo(target);
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(DATA);
    assertThat(server.requests).hasSizeGreaterThan(2).allSatisfy(
        r -> assertThat(r.header("x-amz-checksum-mode")).as(r.method() + " " + r.target())
            .isEqualTo("ENABLED"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aWrongServerStatedCrc32cFailsEveryReaderAwaitCompleteAndMoveTo(String transport)
      throws Exception {
    int wrong = crc(DATA) ^ 0x10;
    serve("x-amz-checksum-crc32c: " + base64(wrong), "x-amz-checksum-type: FULL_OBJECT");
    HttpRangeSource source = source(transport, server.uri("o"));
    Path target = dir.resolve("out");
    FetchStore store = store(source);
    try {
      assertThatThrownBy(() -> store.awaitComplete(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
            assertThat(e.expected()).isEqualTo(ObjectChecksum.crc32c(wrong));
            assertThat(e.actual()).isEqualTo(ObjectChecksum.crc32c(crc(DATA)));
          })
          .hasMessageContaining(ObjectChecksum.crc32c(wrong).toString())
          .hasMessageContaining(ObjectChecksum.crc32c(crc(DATA)).toString())
          .hasMessageContaining("stated by the source");
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), 0))
          .isInstanceOf(ChecksumMismatchException.class);
      assertThatThrownBy(() -> store.newInputStream(5_000).read())
          .isInstanceOf(ChecksumMismatchException.class);
      assertThatThrownBy(() -> store.moveTo(target))
          .isInstanceOf(ChecksumMismatchException.class);
      assertThat(target).doesNotExist();
    } finally {
      store.close();
    }
    TestData.assertNothingLeft(store, dir);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aCompositeOrUntypedCrc32cIsNotTheObjectsAndIsIgnored(String transport) throws Exception {
    // A multipart upload's composite checksum: a CRC of the parts' CRCs, with a part count.
    serve("x-amz-checksum-crc32c: " + base64(crc(DATA) ^ 1) + "-3",
        "x-amz-checksum-type: COMPOSITE");
    HttpRangeSource source = source(transport, server.uri("o"));
    assertThat(source.describe().checksum()).isNull();
    try (FetchStore store = store(source)) {
      assertThat(store.awaitComplete(Duration.ofSeconds(20))).isTrue();
    }
    server.close();
    serve("x-amz-checksum-crc32c: " + base64(crc(DATA) ^ 1));
    assertThat(source(transport, server.uri("o")).describe().checksum()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aReprDigestSha256IsCheckedRightAndWrong(String transport) throws Exception {
    byte[] sha = sha256(DATA);
    serve("Repr-Digest: unixsum=:AAAA:, sha-256=:" + base64(sha) + ":, foo=?1;bar=baz");
    HttpRangeSource source = source(transport, server.uri("o"));
    assertThat(source.describe().checksum()).isEqualTo(ObjectChecksum.sha256(sha));
    try (FetchStore store = store(source)) {
      assertThat(store.awaitComplete(Duration.ofSeconds(20))).isTrue();
    }
    server.close();

    byte[] wrong = sha.clone();
    wrong[31] ^= 1;
    serve("Repr-Digest: sha-256=:" + base64(wrong) + ":");
    try (FetchStore store = store(source(transport, server.uri("o")))) {
      assertThatThrownBy(() -> store.awaitComplete(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
            assertThat(e.expected()).isEqualTo(ObjectChecksum.sha256(wrong));
            assertThat(e.actual()).isEqualTo(ObjectChecksum.sha256(sha));
          });
    }
  }

  @Test
  void theCheapestStatedAlgorithmIsChecked() throws Exception {
    byte[] sha = sha256(DATA);
    serve("Repr-Digest: sha-256=:" + base64(sha) + ":, crc32c=:" + base64(crc(DATA)) + ":");
    assertThat(HttpRangeSource.of(server.uri("o")).describe().checksum())
        .isEqualTo(ObjectChecksum.crc32c(crc(DATA)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void malformedChecksumHeadersArePermanentErrorsNamingTheHeader(String transport)
      throws Exception {
    String[][] cases = {
        {"x-amz-checksum-crc32c: not*base64", "x-amz-checksum-type: FULL_OBJECT"},
        {"x-amz-checksum-crc32c: " + base64(new byte[5]), "x-amz-checksum-type: FULL_OBJECT"},
        {"Repr-Digest: sha-256=:" + base64(sha256(DATA))},
        {"Repr-Digest: sha-256=:" + base64(new byte[31]) + ":"},
        {"Repr-Digest: sha-256=\"not a byte sequence\""},
        {"Repr-Digest: sha-256=:" + base64(sha256(DATA)) + ":,"},
        {"Repr-Digest: SHA-256=:" + base64(sha256(DATA)) + ":"},
    };
    for (String[] headers : cases) {
      serve(headers);
      String header = headers[0].substring(0, headers[0].indexOf(':'));
      assertThatThrownBy(() -> source(transport, server.uri("o")).describe())
          .as(headers[0])
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
          .hasMessageContaining("malformed " + header + " header");
      server.close();
    }
    server = null;
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aReprDigestComesFromTheProbeWhenTheHeadIsRefused(String transport) throws Exception {
    byte[] sha = sha256(DATA);
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        HostileServer.head(out, "405 Method Not Allowed", "Content-Length: 0");
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG, "Repr-Digest: sha-256=:" + base64(sha) + ":");
      return true;
    });
    RangeSource.ObjectInfo info = source(transport, server.uri("o")).describe();
    assertThat(info).isEqualTo(
        new RangeSource.ObjectInfo(DATA.length, "\"v1\"", ObjectChecksum.sha256(sha)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aRangeResponseStatingAnotherReprDigestIsAVersionChange(String transport)
      throws Exception {
    byte[] sha = sha256(DATA);
    byte[] other = sha.clone();
    other[0] ^= 1;
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        HostileServer.head(out, "200 OK", ETAG, "Content-Length: " + DATA.length,
            "Repr-Digest: sha-256=:" + base64(sha) + ":");
        return true;
      }
      boolean first = r.range()[0] == 0;
      HostileServer.range(r, out, DATA, ETAG,
          "Repr-Digest: sha-256=:" + base64(first ? sha : other) + ":");
      return true;
    });
    HttpRangeSource source = source(transport, server.uri("o"));
    RangeSource.ObjectInfo info = source.describe();
    try (InputStream in = source.open(info, 0, 100)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOf(DATA, 100));
    }
    assertThatThrownBy(() -> {
      try (InputStream in = source.open(info, 100, 200)) {
        in.readAllBytes();
      }
    }).isInstanceOfSatisfying(RangeSourceException.class,
        e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED))
        .hasMessageContaining("Repr-Digest");
  }

  @Test
  void aCallerGivenAndAServerStatedChecksumAreBothChecked() throws Exception {
    byte[] sha = sha256(DATA);
    serve("x-amz-checksum-crc32c: " + base64(crc(DATA) ^ 4), "x-amz-checksum-type: FULL_OBJECT");
    HttpRangeSource source = HttpRangeSource.of(server.uri("o"));
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART)
        .verify(ObjectChecksum.sha256(sha)).open()) {
      assertThatThrownBy(() -> store.awaitComplete(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(ChecksumMismatchException.class,
              e -> assertThat(e.expected()).isEqualTo(ObjectChecksum.crc32c(crc(DATA) ^ 4)));
    }
    server.close();
    serve("x-amz-checksum-crc32c: " + base64(crc(DATA)), "x-amz-checksum-type: FULL_OBJECT");
    source = HttpRangeSource.of(server.uri("o"));
    byte[] wrong = sha.clone();
    wrong[3] ^= 1;
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART)
        .verify(ObjectChecksum.sha256(wrong)).open()) {
      assertThatThrownBy(() -> store.awaitComplete(Duration.ofSeconds(20)))
          .isInstanceOfSatisfying(ChecksumMismatchException.class,
              e -> assertThat(e.expected()).isEqualTo(ObjectChecksum.sha256(wrong)))
          .hasMessageNotContaining("stated by the source");
    }
    try (FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(PART)
        .verify(ObjectChecksum.sha256(sha)).open()) {
      assertThat(store.awaitComplete(Duration.ofSeconds(20))).isTrue();
    }
  }

  @Test
  void aCacheDiscardsAnEntryThatFailsTheServersChecksum() throws Exception {
    int[] stated = {crc(DATA) ^ 8};
    server = new HostileServer((r, out) -> {
      if (r.method().equals("HEAD")) {
        HostileServer.head(out, "200 OK", ETAG, "Content-Length: " + DATA.length,
            "x-amz-checksum-crc32c: " + base64(stated[0]), "x-amz-checksum-type: FULL_OBJECT");
        return true;
      }
      HostileServer.range(r, out, DATA, ETAG);
      return true;
    });
    HttpRangeSource source = HttpRangeSource.of(server.uri("o"));
    try (FetchCache cache = FetchCache.builder(dir.resolve("cache")).partSize(PART).open()) {
      try (FetchCache.Handle h = cache.open("k", source)) {
        assertThatThrownBy(() -> h.awaitComplete(Duration.ofSeconds(20)))
            .isInstanceOf(ChecksumMismatchException.class);
        assertThatThrownBy(() -> h.read(ByteBuffer.allocate(1), 0))
            .isInstanceOf(ChecksumMismatchException.class);
      }
      assertThat(cache.keys()).as("the entry is discarded").isEmpty();
      stated[0] = crc(DATA);
      try (FetchCache.Handle h = cache.open("k", source)) {
        assertThat(h.awaitComplete(Duration.ofSeconds(20))).isTrue();
        ByteBuffer all = ByteBuffer.allocate(DATA.length);
        while (all.hasRemaining()) {
          h.read(all, all.position());
        }
        assertThat(all.array()).isEqualTo(DATA);
      }
    }
  }
}
