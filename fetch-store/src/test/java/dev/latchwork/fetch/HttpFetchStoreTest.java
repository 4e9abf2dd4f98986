package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.assertDirectoryEmpty;
import static dev.latchwork.fetch.TestData.assertNothingLeft;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The store over a real HTTP server (embedded Jetty serving files with ranges and ETags). */
@ExtendWith(TestSeed.class)
class HttpFetchStoreTest {
  private static final int SIZE = 32 << 20;

  @TempDir Path root;
  @TempDir Path temp;
  private TestHttpServer server;
  private final ExecutorService readers = Executors.newCachedThreadPool();
  private final StoreTesting.RecordingBackoff backoff = new StoreTesting.RecordingBackoff();

  @BeforeEach
  void start() throws Exception {
    server = new TestHttpServer(root);
  }

  @AfterEach
  void stop() throws Exception {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    server.close();
  }

  private FetchStore.Builder builder(String name) {
    return FetchStore.builder(HttpRangeSource.of(server.uri(name))).tempDirectory(temp)
        .partSize(1 << 20).retryPolicy(StoreTesting.FAST).backoff(backoff);
  }

  private static byte[] readFully(FetchStore store, long position, int length) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining() && store.read(buf, position + buf.position()) >= 0) {
      // read() returns short only at the end of the object
    }
    return Arrays.copyOf(buf.array(), buf.position());
  }

  private static byte[] slice(byte[] data, long from, int length) {
    return Arrays.copyOfRange(data, (int) Math.min(from, data.length),
        (int) Math.min(data.length, from + length));
  }

  /**
   * {@code readerCount} readers x {@code reads} random ranges (drawn from the test seed under
   * {@code name}) while the download runs: each byte equals the original.
   */
  private void randomReaders(FetchStore store, byte[] data, int readerCount, int reads, String name)
      throws Exception {
    List<Future<?>> futures = new ArrayList<>();
    for (int r = 0; r < readerCount; r++) {
      SplittableRandom random = TestSeed.random(name + "/reader " + r);
      futures.add(readers.submit(() -> {
        for (int i = 0; i < reads; i++) {
          long pos = random.nextLong(data.length + 1000L);
          int len = 1 + random.nextInt(256 << 10);
          assertThat(readFully(store, pos, len)).isEqualTo(slice(data, pos, len));
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
  }

  @Test
  void eightReadersReadAHundredRandomRangesOfA32MiBObjectByteForByte() throws Exception {
    byte[] data = bytes(SIZE, 31);
    Files.write(root.resolve("big.bin"), data);
    FetchStore store = builder("big.bin").open();
    try {
      randomReaders(store, data, 8, 100, "HttpFetchStoreTest.eightReaders");
      store.awaitComplete();
      assertThat(store.progress()).isEqualTo(new FetchProgress(SIZE, SIZE, 32, 0, 0));
    } finally {
      store.close();
    }
    assertNothingLeft(store, temp);
    // one GET per part (plus the HEAD): no part was fetched twice
    assertThat(server.requests).filteredOn(r -> r.method().equals("GET")).hasSize(32)
        .extracting(TestHttpServer.Logged::range).doesNotHaveDuplicates();
  }

  @Test
  void fourStoresWithFourReadersEachAtOnce() throws Exception {
    List<byte[]> objects = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] data = bytes(6 << 20, 100 + i);
      objects.add(data);
      Files.write(root.resolve("o" + i + ".bin"), data);
    }
    List<FetchStore> stores = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        stores.add(builder("o" + i + ".bin").partSize(512 << 10).parallelism(2).open());
      }
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int index = i;
        FetchStore store = stores.get(i);
        byte[] data = objects.get(i);
        all.add(readers.submit(() -> {
          randomReaders(store, data, 4, 25, "HttpFetchStoreTest.fourStores/store " + index);
          return null;
        }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      stores.forEach(FetchStore::close);
    }
    for (FetchStore store : stores) {
      assertNothingLeft(store, temp);
    }
  }

  @Test
  void bodiesCutShortMidTransferAreResumedAndTheBytesAreExact() throws Exception {
    byte[] data = bytes(8 << 20, 32);
    Path file = root.resolve("flaky.bin");
    Files.write(file, data);
    AtomicInteger gets = new AtomicInteger();
    server.fault = (request, response, callback) -> request.getMethod().equals("GET")
        && gets.incrementAndGet() % 3 == 1
        && TestHttpServer.abortAfter(request, response, callback, file, 100_000);
    FetchStore store = builder("flaky.bin").retryPolicy(StoreTesting.FAST.withMaxAttempts(10))
        .open();
    try {
      randomReaders(store, data, 4, 30, "HttpFetchStoreTest.flakyServer");
      store.awaitComplete();
      assertThat(readFully(store, 0, data.length)).isEqualTo(data);
      assertThat(store.progress().retries()).isPositive();
      assertThat(backoff.delays).hasSize((int) store.progress().retries());
      // a retry asks only for what is missing: some GET starts inside a part
      assertThat(server.requests).filteredOn(r -> r.method().equals("GET"))
          .extracting(TestHttpServer.Logged::range)
          .anyMatch(r -> Long.parseLong(r.substring(6, r.indexOf('-'))) % (1 << 20) != 0);
    } finally {
      store.close();
    }
    assertNothingLeft(store, temp);
  }

  @Test
  void serverErrorsAreRetriedAndThenFailTheStore() throws Exception {
    byte[] data = bytes(3 << 20, 33);
    Files.write(root.resolve("e.bin"), data);
    AtomicInteger failures = new AtomicInteger(2);
    server.fault = (request, response, callback) -> request.getMethod().equals("GET")
        && failures.getAndDecrement() > 0 && TestHttpServer.status(response, callback, 503);
    try (FetchStore store = builder("e.bin").parallelism(1).open()) {
      store.awaitComplete();
      assertThat(readFully(store, 0, data.length)).isEqualTo(data);
      assertThat(store.progress().retries()).isEqualTo(2);
    }
    server.fault = (request, response, callback) -> request.getMethod().equals("GET")
        && TestHttpServer.status(response, callback, 500);
    FetchStore store = builder("e.bin").open();
    try {
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
          .hasMessageContaining("failed 5 times").hasMessageContaining("500");
    } finally {
      store.close();
    }
    assertNothingLeft(store, temp);
  }

  @Test
  void anObjectChangedMidDownloadFailsTheStoreForGood() throws Exception {
    byte[] data = bytes(4 << 20, 34);
    Path file = root.resolve("changing.bin");
    Files.write(file, data);
    CompletableFuture<Void> changed = new CompletableFuture<>();
    // the first GET waits until the object has changed on the server
    AtomicInteger gets = new AtomicInteger();
    server.fault = (request, response, callback) -> {
      if (request.getMethod().equals("GET") && gets.incrementAndGet() == 1) {
        changed.get(60, TimeUnit.SECONDS);
      }
      return false;
    };
    FetchStore store = builder("changing.bin").parallelism(1).open();
    try {
      Files.write(file, bytes(data.length, 35));
      Files.setLastModifiedTime(file,
          FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 60_000));
      changed.complete(null);
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
          .cause().isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
      assertThat(backoff.delays).as("a version change is not retried").isEmpty();
    } finally {
      store.close();
    }
    assertNothingLeft(store, temp);
  }

  @Test
  void aServerThatOverstatesTheSizeFailsTheStoreCleanly() throws Exception {
    byte[] data = bytes(3 << 20, 38);
    Files.write(root.resolve("liar.bin"), data);
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("HEAD")) {
        return false;
      }
      response.setStatus(200);
      response.getHeaders().put("Content-Length", Integer.toString(data.length + 1000));
      // A validator, so that describe believes the HEAD and the lie surfaces in a range read.
      response.getHeaders().put("Last-Modified", java.time.format.DateTimeFormatter
          .RFC_1123_DATE_TIME.format(Files.getLastModifiedTime(root.resolve("liar.bin"))
              .toInstant().atZone(java.time.ZoneOffset.UTC)));
      callback.succeeded();
      return true;
    };
    FetchStore store = builder("liar.bin").open();
    try {
      assertThat(store.size()).isEqualTo(data.length + 1000);
      assertThatThrownBy(() -> store.read(ByteBuffer.allocate(10), data.length + 10L))
          .isInstanceOf(IOException.class).hasMessageContaining("liar.bin");
      assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class);
      assertThat(backoff.delays).as("a size mismatch is not retried").isEmpty();
    } finally {
      store.close();
    }
    assertNothingLeft(store, temp);
  }

  @Test
  void closeAbortsABodyThatStalledMidTransfer() throws Exception {
    byte[] data = bytes(2 << 20, 36);
    Files.write(root.resolve("stall.bin"), data);
    CompletableFuture<Void> serverMayFinish = new CompletableFuture<>();
    CompletableFuture<Void> stalled = new CompletableFuture<>();
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("GET")) {
        return false;
      }
      long[] r = TestHttpServer.range(request);
      response.setStatus(206);
      response.getHeaders().put("Content-Range",
          "bytes " + r[0] + "-" + (r[1] - 1) + "/" + data.length);
      response.getHeaders().put("Content-Length", Long.toString(r[1] - r[0]));
      // send a little, then stall until the end of the test
      response.write(false, ByteBuffer.wrap(data, (int) r[0], 1000), Callback.from(() -> {
        stalled.complete(null);
        serverMayFinish.whenComplete((v, e) -> callback.failed(new IOException("test over")));
      }, callback::failed));
      return true;
    };
    // A supplied executor: close() cannot interrupt its threads, so only closing the body
    // stream can release a fetch blocked in the stalled body.
    ExecutorService fetchers = Executors.newFixedThreadPool(4);
    FetchStore store = builder("stall.bin").executor(fetchers).open();
    try {
      stalled.get(60, TimeUnit.SECONDS);
      Future<Throwable> reader = readers.submit(() -> {
        try {
          // More than the 1000 bytes sent before the stall: the reader blocks.
          store.read(ByteBuffer.allocate(2000), 0);
          return null;
        } catch (Throwable e) {
          return e;
        }
      });
      store.close();
      assertThat(reader.get(60, TimeUnit.SECONDS)).isInstanceOf(ClosedStoreException.class);
      fetchers.shutdown();
      assertThat(fetchers.awaitTermination(60, TimeUnit.SECONDS))
          .as("fetches blocked in a stalled body were released by close").isTrue();
      assertNothingLeft(store, temp);
    } finally {
      serverMayFinish.complete(null);
      store.close();
      fetchers.shutdownNow();
    }
    assertDirectoryEmpty(temp);
  }

  @Test
  void aBodyThatStallsIsAbortedByTheReadTimeoutAndResumed() throws Exception {
    byte[] data = bytes(2 << 20, 39);
    Files.write(root.resolve("slow.bin"), data);
    CompletableFuture<Void> serverMayFinish = new CompletableFuture<>();
    AtomicInteger gets = new AtomicInteger();
    server.fault = (request, response, callback) -> {
      if (!request.getMethod().equals("GET") || gets.incrementAndGet() != 1) {
        return false;
      }
      long[] r = TestHttpServer.range(request);
      response.setStatus(206);
      response.getHeaders().put("Content-Range",
          "bytes " + r[0] + "-" + (r[1] - 1) + "/" + data.length);
      response.getHeaders().put("Content-Length", Long.toString(r[1] - r[0]));
      response.write(false, ByteBuffer.wrap(data, (int) r[0], 1000), Callback.from(
          () -> serverMayFinish.whenComplete((v, e) -> callback.failed(new IOException("over"))),
          callback::failed));
      return true;
    };
    FetchStore store = builder("slow.bin").parallelism(1).readTimeout(Duration.ofMillis(500))
        .open();
    try {
      store.awaitComplete();
      assertThat(readFully(store, 0, data.length)).isEqualTo(data);
      // (a loaded machine may add spurious timeouts: they only add retries)
      assertThat(store.progress().retries()).isPositive();
      assertThat(server.requests).filteredOn(r -> r.method().equals("GET"))
          .extracting(TestHttpServer.Logged::range).startsWith("bytes=0-1048575")
          .contains("bytes=1000-1048575");
    } finally {
      serverMayFinish.complete(null);
      store.close();
    }
    assertNothingLeft(store, temp);
  }

  @Test
  void moveToKeepsTheDownloadedObject() throws Exception {
    byte[] data = bytes(3 << 20, 37);
    Files.write(root.resolve("keep.bin"), data);
    Path target = root.resolve("kept.bin");
    FetchStore store = builder("keep.bin").open();
    store.awaitComplete();
    store.moveTo(target);
    assertThat(Files.readAllBytes(target)).isEqualTo(data);
    assertNothingLeft(store, temp);
  }
}
