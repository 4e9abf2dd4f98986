package dev.latchwork.jcstress.cache;

import dev.latchwork.fetch.ClosedStoreException;
import dev.latchwork.fetch.FetchCache;
import dev.latchwork.fetch.RangeSink;
import dev.latchwork.fetch.RangeSource;
import dev.latchwork.fetch.RangeTransfer;
import dev.latchwork.jcstress.fetch.SourceGate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the {@link FetchCache} harnesses share: a cache of one-part objects per harness state in a
 * directory of its own (closed and deleted by the state's arbiter), fetch threads shared by every
 * state, and {@link Source}, a tiny in-memory object that counts its downloads.
 *
 * <p>jcstress keeps as many states alive as it can run in one iteration, so each must be cheap:
 * the directories live on {@code /dev/shm} where it exists (the cache's journal forces every
 * record, which costs milliseconds on a disk and nothing on tmpfs), and a cache holds two file
 * descriptors while idle.
 */
final class CacheFixture {
  /** Bytes of every object, and the cache's part size: one part per object. */
  static final int SIZE = 64;
  /** The longest a harness read waits: a read still waiting then is a lost wake-up. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  private static final byte[] DATA = new byte[SIZE];
  private static final AtomicInteger STATES = new AtomicInteger();

  /** Fetch threads shared by every state's cache (daemon, so they never keep the VM alive). */
  static final ExecutorService FETCHERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "jcstress-cache-fetch");
    t.setDaemon(true);
    return t;
  });

  /** Parent of every state's cache directory; deleted with what is left in it when the VM exits. */
  static final Path ROOT;

  static {
    for (int i = 0; i < SIZE; i++) {
      DATA[i] = (byte) (i * 7 + 1);
    }
    try {
      Path shm = Path.of("/dev/shm");
      ROOT = Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "latchwork-jcstress-cache")
          : Files.createTempDirectory("latchwork-jcstress-cache");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(ROOT), "cache-fixture-cleanup"));
  }

  private CacheFixture() {}

  /** A new, empty directory for one state's cache. */
  static Path newDirectory() {
    return ROOT.resolve("state-" + STATES.incrementAndGet());
  }

  /** Opens a cache of one-part objects in {@code dir} whose budget is {@code maxBytes}. */
  static FetchCache openCache(Path dir, long maxBytes) {
    try {
      return FetchCache.builder(dir).maxBytes(maxBytes).partSize(SIZE).parallelism(2)
          .executor(FETCHERS).open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens {@code key} and waits until the whole object is cached; the handle is closed again. */
  static void cacheWhole(FetchCache cache, String key, Source source) {
    try (FetchCache.Handle h = cache.open(key, source)) {
      if (!h.awaitComplete(READ_TIMEOUT)) {
        throw new IllegalStateException("setup: " + key + " not cached within " + READ_TIMEOUT);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads 8 bytes at 8 through {@code h}, waiting at most {@link #READ_TIMEOUT}: "DATA" if they
   * are the object's, "BAD" if not, "CLOSED", "TIMEOUT", or the exception.
   */
  static String readEight(FetchCache.Handle h) {
    ByteBuffer buf = ByteBuffer.allocate(8);
    try {
      int n = h.read(buf, 8, READ_TIMEOUT);
      boolean exact = n == 8;
      for (int i = 0; i < 8 && exact; i++) {
        exact = buf.get(i) == DATA[8 + i];
      }
      return exact ? "DATA" : "BAD";
    } catch (ClosedStoreException e) {
      return "CLOSED";
    } catch (TimeoutException e) {
      return "TIMEOUT";
    } catch (IOException | InterruptedException | RuntimeException e) {
      return e.toString();
    }
  }

  /** Counts the object files in a cache directory. */
  static long objectFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir.resolve("objects"))) {
      return files.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Closes {@code cache} and deletes its directory. */
  static void dispose(FetchCache cache, Path dir) {
    cache.close();
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /**
   * A one-part in-memory object that counts its downloads: every transfer (one part fetch
   * attempt) is counted, and so are those live at once: a transfer is live from its creation
   * until it is closed or its delivery returns. With a gate, deliveries wait for it (or for their
   * transfer to be closed, which aborts them) before they deliver.
   */
  static final class Source implements RangeSource {
    private final CompletableFuture<Void> gate;
    private final AtomicInteger transfers = new AtomicInteger();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger maxLive = new AtomicInteger();
    private final CountDownLatch firstDelivery = new CountDownLatch(1);

    /** A source that delivers at once. */
    Source() {
      this(CompletableFuture.completedFuture(null));
    }

    /** A source whose deliveries wait for {@code gate}. */
    Source(CompletableFuture<Void> gate) {
      this.gate = gate;
    }

    /** Transfers created so far. */
    int transfers() {
      return transfers.get();
    }

    /** The most transfers that were live at once. */
    int maxLive() {
      return maxLive.get();
    }

    /** Waits until a delivery has begun (its part is reserved and being fetched). */
    void awaitFirstDelivery() {
      try {
        if (!firstDelivery.await(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("setup: no fetch began within " + READ_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public ObjectInfo describe() {
      return new ObjectInfo(SIZE, "v1");
    }

    @Override
    public InputStream open(ObjectInfo object, long start, long end) {
      return new ByteArrayInputStream(DATA, (int) start, (int) (end - start));
    }

    @Override
    public RangeTransfer transfer(ObjectInfo object, long start, long end) {
      transfers.incrementAndGet();
      int now = live.incrementAndGet();
      maxLive.accumulateAndGet(now, Math::max);
      return new Transfer(start, end);
    }

    private final class Transfer implements RangeTransfer {
      private final long start;
      private final long end;
      private final CompletableFuture<Void> closed = new CompletableFuture<>();
      private final AtomicBoolean ended = new AtomicBoolean();

      Transfer(long start, long end) {
        this.start = start;
        this.end = end;
      }

      @Override
      public long deliverTo(RangeSink sink) throws IOException {
        try {
          firstDelivery.countDown();
          SourceGate.await(gate, closed);
          sink.write(ByteBuffer.wrap(DATA, (int) start, (int) (end - start)), start);
          return end - start;
        } finally {
          end();
        }
      }

      @Override
      public void close() {
        closed.complete(null);
        end();
      }

      private void end() {
        if (ended.compareAndSet(false, true)) {
          live.decrementAndGet();
        }
      }
    }
  }
}
