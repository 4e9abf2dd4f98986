package dev.latchwork.benchmarks.fetch;

import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.fetch.FetchBudget;
import dev.latchwork.fetch.FetchCache;
import dev.latchwork.fetch.FetchCacheStats;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.HttpRangeSource;
import dev.latchwork.fetch.RangeSource;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A FUSE-like workload over many objects: {@value #READERS} reader threads (JMH's threads), each
 * operation of which opens a random one of {@value #OBJECTS} objects of {@value #OBJECT_MIB} MiB,
 * reads a random {@value #RANGE_KIB} KiB range of it in {@value #READ_KIB} KiB reads (a FUSE read
 * request's size), checks every byte and closes it. Parts of {@value #PART_KIB} KiB.
 *
 * <p>The server is the loopback one, made to look like a remote object store seen from one
 * machine: {@value #CONNECTION_MIB_PER_SECOND} MiB/s per connection, {@value
 * #LINK_MIB_PER_SECOND} MiB/s for all connections together (the client's link; without it a
 * design that opens more connections would get more bandwidth from nowhere, or be capped by
 * these 2 CPUs instead) and {@value #LATENCY_MS} ms before every response's headers, HEAD
 * included. Both designs describe the object (one HEAD) on every open.
 *
 * <p>{@code impl}:
 * <ul>
 *   <li>{@code latchwork}: one {@link FetchCache} shared by every reader, parallelism {@value
 *       #PARALLELISM} across all objects, a disk budget of {@code budgetPercent} of the objects'
 *       total: at 50 entries are evicted and fetched again, at 100 everything once fetched stays.
 *       Either exceeds what the readers can hold open at once ({@value #READERS} objects), so no
 *       reader waits for space held by other readers. The cache lives for the trial: the warm-up
 *       iteration fills it.
 *   <li>{@code storePerOpen}: the design the cache replaces: every open creates its own {@link
 *       FetchStore} over the source (no sharing: each downloads independently, from its
 *       reader's part on), parallelism {@value #PARALLELISM} per store, the same per store as the
 *       cache has in total (up to {@value #READERS} × {@value #PARALLELISM} connections).
 *   <li>{@code storePerOpenSharedBudget}: the same stores sharing one {@link FetchBudget} of
 *       {@value #PARALLELISM} parts: the same total in flight as the cache, readers' parts first.
 * </ul>
 * The stores get one shared thread pool, so their numbers do not include creating threads.
 *
 * <p>Primary score: opens per second, each reading {@value #RANGE_KIB} KiB (bytes read per second
 * = score × {@value #RANGE_KIB} KiB). Secondary counters per iteration: {@code opens}, {@code
 * ttfbNanos} (summed over opens, from calling open to the first read returning: their quotient
 * is the mean time to first byte), {@code bytesRead}, {@code downloadedBytes} and {@code
 * rangeRequests} (what the server sent; {@code downloadedBytes / bytesRead} is the download
 * amplification), and for the cache {@code cacheHits} and {@code cacheMisses} (reads whose bytes
 * were all present, and the others).
 */
@Fork(1)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 3, time = 5)
@Threads(FetchCacheWorkloadBenchmark.READERS)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class FetchCacheWorkloadBenchmark {
  static final int READERS = 8;
  static final int OBJECTS = 20;
  static final int OBJECT_MIB = 8;
  static final int PART_KIB = 1024;
  static final int RANGE_KIB = 1024;
  static final int READ_KIB = 128;
  static final int PARALLELISM = 8;
  static final int CONNECTION_MIB_PER_SECOND = 32;
  static final int LINK_MIB_PER_SECOND = 128;
  static final int LATENCY_MS = 10;
  /** A read waiting this long means the workload is stuck: fail instead of hanging. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  @Param({"latchwork", "storePerOpen", "storePerOpenSharedBudget"})
  public String impl;

  /**
   * The cache's disk budget, in percent of the objects' total. The stores keep nothing after
   * close, so it changes nothing for them; they run under each value so that every row compares
   * within one scenario.
   */
  @Param({"50", "100"})
  public int budgetPercent;

  private Path dir;
  private Path stores;
  private final List<byte[]> objects = new ArrayList<>();
  private LoopbackRangeServer server;
  private HttpClient client;
  private FetchCache cache;
  private FetchBudget budget;
  private ExecutorService fetchPool;

  private long bodyBytesAtStart;
  private long rangeRequestsAtStart;
  private FetchCacheStats statsAtStart;
  private final AtomicBoolean iterationCounted = new AtomicBoolean();

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = BenchFiles.newScratchDirectory("cache-workload");
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < OBJECTS; i++) {
      byte[] object = new byte[OBJECT_MIB << 20];
      random.nextBytes(object);
      objects.add(object);
    }
    server =
        new LoopbackRangeServer(
            objects,
            (long) CONNECTION_MIB_PER_SECOND << 20,
            (long) LINK_MIB_PER_SECOND << 20,
            Duration.ofMillis(LATENCY_MS));
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    switch (impl) {
      case "latchwork" ->
          cache =
              FetchCache.builder(dir.resolve("cache"))
                  .maxBytes((long) OBJECTS * (OBJECT_MIB << 20) * budgetPercent / 100)
                  .partSize(PART_KIB << 10)
                  .parallelism(PARALLELISM)
                  .open();
      case "storePerOpen", "storePerOpenSharedBudget" -> {
        stores = Files.createDirectory(dir.resolve("stores"));
        fetchPool =
            Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "bench-store-fetch");
                  t.setDaemon(true);
                  return t;
                });
        if (impl.equals("storePerOpenSharedBudget")) {
          budget = new FetchBudget(PARALLELISM);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "impl must be latchwork, storePerOpen or storePerOpenSharedBudget, not " + impl);
    }
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    bodyBytesAtStart = server.bodyBytes();
    rangeRequestsAtStart = server.rangeRequests();
    statsAtStart = cache == null ? null : cache.stats();
    iterationCounted.set(false);
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    try {
      if (cache != null) {
        cache.close();
      }
      if (fetchPool != null) {
        fetchPool.shutdown();
        if (!fetchPool.awaitTermination(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the closed stores' fetches did not stop in 30 s");
        }
        // Every store is closed and every fetch has ended: each temp file must be gone.
        try (var left = Files.list(stores)) {
          if (left.findAny().isPresent()) {
            throw new IllegalStateException("a closed FetchStore left its temp file behind");
          }
        }
      }
    } finally {
      server.close();
      BenchFiles.deleteRecursively(dir);
    }
  }

  /** One reader's random choices and read buffer. */
  @State(Scope.Thread)
  public static class Reader {
    SplittableRandom random;
    final ByteBuffer buffer = ByteBuffer.allocate(READ_KIB << 10);

    @Setup(Level.Trial)
    public void start(ThreadParams thread) {
      random = new SplittableRandom(1000 + thread.getThreadIndex());
    }
  }

  /** Per-iteration counters, read by JMH as secondary results (summed over the readers). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counters {
    public long opens;
    public long ttfbNanos;
    public long bytesRead;
    public long downloadedBytes;
    public long rangeRequests;
    public long cacheHits;
    public long cacheMisses;

    @Setup(Level.Iteration)
    public void start() {
      opens = 0;
      ttfbNanos = 0;
      bytesRead = 0;
      downloadedBytes = 0;
      rangeRequests = 0;
      cacheHits = 0;
      cacheMisses = 0;
    }

    /** The server's and the cache's counters are global: one reader reports them. */
    @TearDown(Level.Iteration)
    public void stop(FetchCacheWorkloadBenchmark bench) {
      if (bench.iterationCounted.compareAndSet(false, true)) {
        downloadedBytes = bench.server.bodyBytes() - bench.bodyBytesAtStart;
        rangeRequests = bench.server.rangeRequests() - bench.rangeRequestsAtStart;
        if (bench.cache != null) {
          FetchCacheStats now = bench.cache.stats();
          cacheHits = now.hits() - bench.statsAtStart.hits();
          cacheMisses = now.misses() - bench.statsAtStart.misses();
        }
      }
    }
  }

  /** A timed read, as both {@link FetchCache.Handle} and {@link FetchStore} have it. */
  @FunctionalInterface
  private interface TimedRead {
    int read(ByteBuffer dst, long position, Duration timeout)
        throws IOException, InterruptedException, TimeoutException;
  }

  /** An open object, whichever design opened it. */
  private record Opened(TimedRead reader, Runnable closer) implements AutoCloseable {
    int read(ByteBuffer dst, long position)
        throws IOException, InterruptedException, TimeoutException {
      return reader.read(dst, position, READ_TIMEOUT);
    }

    @Override
    public void close() {
      closer.run();
    }
  }

  private Opened open(int key) throws IOException {
    RangeSource source = HttpRangeSource.of(server.uri(key), client);
    if (cache != null) {
      FetchCache.Handle h = cache.open("object-" + key, source);
      return new Opened(h::read, h::close);
    }
    FetchStore.Builder b =
        FetchStore.builder(source)
            .tempDirectory(stores)
            .partSize(PART_KIB << 10)
            .parallelism(PARALLELISM)
            .executor(fetchPool);
    if (budget != null) {
      b.budget(budget);
    }
    FetchStore store = b.open();
    return new Opened(store::read, store::close);
  }

  @Benchmark
  public long openReadRangeClose(Reader r, Counters c) throws Exception {
    int key = r.random.nextInt(OBJECTS);
    byte[] object = objects.get(key);
    long start = r.random.nextLong(object.length - (RANGE_KIB << 10) + 1);
    long end = start + (RANGE_KIB << 10);
    long begun = System.nanoTime();
    try (Opened o = open(key)) {
      for (long pos = start; pos < end; ) {
        ByteBuffer buf = r.buffer.clear().limit((int) Math.min(READ_KIB << 10, end - pos));
        int n;
        try {
          n = o.read(buf, pos);
        } catch (TimeoutException e) {
          throw new IllegalStateException(
              impl + ": a read of object " + key + " at " + pos + " waited " + READ_TIMEOUT, e);
        }
        if (pos == start) {
          c.ttfbNanos += System.nanoTime() - begun;
        }
        if (n != buf.limit() || !buf.flip().equals(ByteBuffer.wrap(object, (int) pos, n))) {
          throw new IllegalStateException(
              impl + ": wrong bytes of object " + key + " at " + pos + " (" + n + " read)");
        }
        pos += n;
      }
    }
    c.opens++;
    c.bytesRead += end - start;
    return end - start;
  }
}
