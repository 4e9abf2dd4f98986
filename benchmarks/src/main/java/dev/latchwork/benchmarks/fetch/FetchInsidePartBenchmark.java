package dev.latchwork.benchmarks.fetch;

import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.HttpRangeSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to first byte of a reader inside a part in flight: a store opens on an object served at
 * {@value #KIB_PER_SECOND} KiB/s per connection in 8 MiB parts (parallelism 1), and a reader reads
 * the first 4 KiB of the first part. A store that served readers only whole parts would answer
 * after the part's 32 s; the store serves the reader as soon as its 4 KiB have landed. One
 * operation: open, read 4 KiB at 0, check them, close (which aborts the part).
 */
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class FetchInsidePartBenchmark {
  /** The pace of every connection of the loopback server. */
  static final int KIB_PER_SECOND = 256;

  @Param({"16"})
  public int objectMiB;

  private Path dir;
  private byte[] object;
  private LoopbackRangeServer server;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = BenchFiles.newScratchDirectory("inside-part");
    object = FetchThroughputBenchmark.randomObject(objectMiB);
    server = new LoopbackRangeServer(object, KIB_PER_SECOND << 10);
  }

  @TearDown(Level.Iteration)
  public void checkNothingLeft() throws IOException {
    try (var files = Files.list(dir)) {
      if (files.findAny().isPresent()) {
        throw new IllegalStateException("an operation left a file behind in " + dir);
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    server.close();
    BenchFiles.deleteRecursively(dir);
  }

  @Benchmark
  public byte firstFourKiBOfAPartInFlight() throws Exception {
    ByteBuffer first = ByteBuffer.allocate(4096);
    try (FetchStore store = FetchStore.builder(HttpRangeSource.of(server.uri()))
        .tempDirectory(dir).partSize(8 << 20).parallelism(1).open()) {
      while (first.hasRemaining()) {
        if (store.read(first, first.position()) < 0) {
          throw new IOException("object ended at " + first.position());
        }
      }
    }
    for (int i = 0; i < first.capacity(); i++) {
      if (first.get(i) != object[i]) {
        throw new IllegalStateException("wrong byte at " + i);
      }
    }
    return first.get(0);
  }
}
