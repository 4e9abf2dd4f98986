package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.assertDirectoryEmpty;
import static dev.latchwork.fetch.TestData.assertNothingLeft;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.fetch.MemorySource.Behavior;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The limits a store (or cache) puts on every source, whatever the source's own: the minimum
 * transfer rate of part fetches, and the read timeout of {@code describe}.
 */
@Timeout(30)
class StoreLimitsTest {
  private static final int PART = 64 << 10;
  /** Far above the trickle's ~50 bytes/s, far below a memory copy's rate. */
  private static final long RATE = 10_000;
  private static final Duration WINDOW = Duration.ofMillis(200);
  private static final Duration PACE = Duration.ofMillis(20);

  @TempDir Path dir;
  private final StoreTesting.RecordingBackoff backoff = new StoreTesting.RecordingBackoff();
  private final CountDownLatch serverMayAnswer = new CountDownLatch(1);
  private HostileServer server;

  @AfterEach
  void stopServer() throws IOException {
    serverMayAnswer.countDown();
    if (server != null) {
      server.close();
    }
  }

  /** Trickles (about 50 bytes/s) on the first {@code trickling} opens, serves normally after. */
  private static MemorySource trickling(byte[] data, int trickling) {
    MemorySource source = new MemorySource(data);
    source.fault = (start, end, n) -> n < trickling ? Behavior.trickle(PACE) : Behavior.normal();
    return source;
  }

  private FetchStore.Builder store(RangeSource source) {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).parallelism(1)
        .retryPolicy(FAST).backoff(backoff);
  }

  private static byte[] readFully(FetchStore store, int length) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining() && store.read(buf, buf.position()) >= 0) {
      // each read waits for its bytes
    }
    return Arrays.copyOf(buf.array(), buf.position());
  }

  @Test
  void anAttemptSlowerThanTheStoresMinimumRateIsAbortedAndRetried()
      throws Exception {
    byte[] data = bytes(PART, 71);
    // MemorySource implements open only, like a third-party source: the store's limit applies.
    MemorySource source = trickling(data, 1);
    // The read timeout (default 60 s) never trips: the trickle brings a byte every 20 ms.
    FetchStore store = store(source).minimumRate(RATE, WINDOW).open();
    try {
      store.awaitComplete();
      assertThat(readFully(store, PART)).isEqualTo(data);
      assertThat(store.progress().retries()).isEqualTo(1);
      assertThat(source.openStreams).as("no stream left open").hasValue(0);
      List<String> events = List.copyOf(source.events);
      assertThat(events).hasSize(2).first().isEqualTo("open 0-" + PART);
      assertThat(events.get(1)).as("the retry asks for the rest of the part")
          .matches("open [0-9]+-" + PART);
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aPartThatStaysBelowTheMinimumRateFailsTheStoreNamingTheRate() throws Exception {
    MemorySource source = trickling(bytes(PART, 72), Integer.MAX_VALUE);
    FetchStore store = store(source).retryPolicy(FAST.withMaxAttempts(2))
        .minimumRate(RATE, WINDOW).open();
    try {
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
          .hasStackTraceContaining("failed 2 times")
          .hasStackTraceContaining("slower than " + RATE + " bytes/s");
      assertThat(source.opens).hasValue(2);
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  @Test
  void aCacheAppliesItsMinimumRateToEveryPartFetch() throws Exception {
    byte[] data = bytes(2 * PART, 73);
    MemorySource source = trickling(data, 1);
    try (FetchCache cache = FetchCache.builder(dir.resolve("cache")).partSize(PART)
        .parallelism(1).retryPolicy(FAST).minimumRate(RATE, WINDOW).open();
        FetchCache.Handle h = cache.open("k", source)) {
      assertThat(readAll(h)).isEqualTo(data);
      assertThat(source.opens).as("two parts, one retried").hasValue(3);
    }
  }

  @Test
  void minimumRateArgumentsAreChecked() throws Exception {
    RangeSource source = new MemorySource(bytes(10, 74));
    FetchCache.Builder cache = FetchCache.builder(dir);
    for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofMillis(-1)}) {
      assertThatThrownBy(() -> store(source).minimumRate(1, bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumRate")
          .hasMessageContaining("window");
      assertThatThrownBy(() -> cache.minimumRate(1, bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumRate")
          .hasMessageContaining("window");
    }
    assertThatThrownBy(() -> store(source).minimumRate(-1, WINDOW))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumRate")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> cache.minimumRate(-1, WINDOW))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumRate")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> source.describe(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readTimeout");
    // 0 disables the limit; its window is then ignored
    cache.minimumRate(0, null);
    FetchStore store = store(source).minimumRate(0, null).open();
    try {
      store.awaitComplete();
      assertThat(store.progress().retries()).isZero();
    } finally {
      store.close();
    }
    assertNothingLeft(store, dir);
  }

  /** A server that reads every request and never answers; the source keeps its 60 s default. */
  private HttpRangeSource unanswered(String transport) throws IOException {
    server = new HostileServer((r, out) -> {
      serverMayAnswer.await();
      return false;
    });
    return HttpStrictnessTest.source(transport, server.uri("o"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aHeadThatNeverAnswersFailsOpenAfterTheStoresReadTimeout(String transport)
      throws Exception {
    HttpRangeSource source = unanswered(transport);
    assertThatThrownBy(() -> store(source).readTimeout(Duration.ofMillis(300))
        .retryPolicy(FAST.withMaxAttempts(2)).open())
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.isRetryable()).isTrue())
        .hasMessageContaining("no data for PT0.3S");
    assertThat(server.requests).extracting(HostileServer.Request::method)
        .containsExactly("HEAD", "HEAD");
    assertThat(backoff.delays).hasSize(1);
    assertDirectoryEmpty(dir);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wire", "client"})
  void aHeadThatNeverAnswersFailsACacheOpenAfterTheCachesReadTimeout(String transport)
      throws Exception {
    HttpRangeSource source = unanswered(transport);
    try (FetchCache cache = FetchCache.builder(dir.resolve("cache"))
        .readTimeout(Duration.ofMillis(300)).retryPolicy(FAST.withMaxAttempts(2)).open()) {
      assertThatThrownBy(() -> cache.open("k", source))
          .isInstanceOf(RangeSourceException.class)
          .hasMessageContaining("no data for PT0.3S");
      assertThat(cache.stats().entries()).isZero();
    }
    assertThat(server.requests).extracting(HostileServer.Request::method)
        .containsExactly("HEAD", "HEAD");
  }

  @Test
  void theSourcesOwnReadTimeoutStillBoundsDescribeWhenItIsTheSmaller() throws Exception {
    HttpRangeSource source = unanswered("wire").withReadTimeout(Duration.ofMillis(200));
    assertThatThrownBy(() -> source.describe(Duration.ofSeconds(20)))
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("no data for PT0.2S");
    assertThatThrownBy(() -> source.describe(Duration.ZERO))
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("no data for PT0.2S");
    assertThatThrownBy(() -> source.describe(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readTimeout");
  }
}
