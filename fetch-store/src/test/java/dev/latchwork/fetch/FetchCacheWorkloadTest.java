package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FUSE-like workload against a real HTTP server: 32 threads open random keys of 20 objects,
 * read random ranges, compare every byte and close, on a cache whose budget is a third of the
 * objects' total size. At every sampled moment the bytes cached are within the budget, and no
 * entry a handle holds is ever evicted.
 */
@ExtendWith(TestSeed.class)
class FetchCacheWorkloadTest {
  private static final int OBJECTS = 20;
  private static final int THREADS = 32;
  private static final int OPENS_PER_THREAD = 15;
  private static final int PART = 32 << 10;

  @TempDir Path root;
  @TempDir Path cacheDir;
  private TestHttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void start() throws Exception {
    server = new TestHttpServer(root);
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    server.close();
  }

  @Test
  @Timeout(180)
  void manyReadersOfManyObjectsStayWithinTheBudgetAndReadExactBytes() throws Exception {
    SplittableRandom random = TestSeed.random("FetchCacheWorkloadTest.objects");
    byte[][] data = new byte[OBJECTS][];
    long total = 0;
    for (int i = 0; i < OBJECTS; i++) {
      data[i] = TestData.bytes(PART + random.nextInt(12 * PART), random.nextLong());
      Files.write(root.resolve("o" + i), data[i]);
      total += data[i].length;
    }
    long budget = Math.max(4 * PART, total / 3);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    AtomicInteger timeouts = new AtomicInteger();
    AtomicInteger samples = new AtomicInteger();
    AtomicLong maxSeen = new AtomicLong();
    try (FetchCache cache = FetchCache.builder(cacheDir).maxBytes(budget).partSize(PART)
        .parallelism(8).retryPolicy(StoreTesting.FAST).open()) {
      Future<?> sampler = threads.submit(() -> {
        while (!done.get()) {
          long cached = cache.stats().bytesCached();
          maxSeen.accumulateAndGet(cached, Math::max);
          assertThat(cached).as("bytes cached at a sample").isLessThanOrEqualTo(budget);
          samples.incrementAndGet();
          java.util.concurrent.locks.LockSupport.parkNanos(200_000); // sample, do not hog a CPU
        }
        return null;
      });
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        SplittableRandom r = TestSeed.random("FetchCacheWorkloadTest.thread " + t);
        workers.add(threads.submit(() -> {
          for (int i = 0; i < OPENS_PER_THREAD; i++) {
            int k = r.nextInt(OBJECTS);
            try (FetchCache.Handle h = cache.open("o" + k,
                HttpRangeSource.of(server.uri("o" + k)))) {
              assertThat(h.size()).isEqualTo(data[k].length);
              for (int n = 1 + r.nextInt(3); n > 0; n--) {
                long pos = r.nextLong(data[k].length);
                ByteBuffer buf = ByteBuffer.allocate(1 + r.nextInt(2 * PART));
                int got;
                try {
                  got = h.read(buf, pos, Duration.ofSeconds(2));
                } catch (TimeoutException e) {
                  timeouts.incrementAndGet(); // every entry in use and the budget full: give up
                  break;
                }
                int expected = (int) Math.min(buf.capacity(), data[k].length - pos);
                assertThat(got).isEqualTo(expected);
                assertThat(Arrays.copyOf(buf.array(), got)).as("bytes of o%d at %d", k, pos)
                    .isEqualTo(Arrays.copyOfRange(data[k], (int) pos, (int) pos + got));
                assertThat(h.isEntryRemoved()).as("o%d evicted while in use", k).isFalse();
                reads.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get(170, TimeUnit.SECONDS);
      }
      done.set(true);
      sampler.get(10, TimeUnit.SECONDS);
      FetchCacheStats stats = cache.stats();
      System.out.printf("workload: %d reads, %d timeouts, %d samples, max cached %d of %d"
          + " (total %d); %s%n", reads.get(), timeouts.get(), samples.get(), maxSeen.get(),
          budget, total, stats);
      assertThat(stats.bytesCached()).isLessThanOrEqualTo(budget);
      assertThat(stats.evictions()).as("the budget forced evictions").isPositive();
      assertThat(reads.get()).isGreaterThan(THREADS * OPENS_PER_THREAD / 2);
      assertThat(cache.keysInUse()).isEmpty();
    }
  }
}
