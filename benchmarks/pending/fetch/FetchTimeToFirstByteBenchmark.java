package dev.latchwork.benchmarks.fetch;

import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.HttpRangeSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Time to first byte for a reader that seeks to 90% of the object as soon as it opens it, over the
 * paced loopback HTTP server ({@value FetchThroughputBenchmark#HTTP_MIB_PER_SECOND} MiB/s per
 * connection). One operation: open, read one byte at 90%, check it, close.
 *
 * <p>{@code latchwork}: a {@code FetchStore} with its defaults (8 MiB parts, parallelism 4); the
 * waiting reader moves its part to the front. {@code sequential}: the store this replaces, a
 * single stream downloading from the start into a temp file; the read is served when the stream
 * has passed the reader's offset (then the download is abandoned).
 */
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class FetchTimeToFirstByteBenchmark {
  @Param({"latchwork", "sequential"})
  public String impl;

  @Param({"256"})
  public int objectMiB;

  private Path dir;
  private byte[] object;
  private long position;
  private LoopbackRangeServer server;
  private HttpClient client;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = BenchFiles.newScratchDirectory("ttfb");
    object = FetchThroughputBenchmark.randomObject(objectMiB);
    position = object.length / 10L * 9;
    server =
        new LoopbackRangeServer(object, FetchThroughputBenchmark.HTTP_MIB_PER_SECOND << 20);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
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
  public byte readAtNinetyPercent() throws Exception {
    ByteBuffer one = ByteBuffer.allocate(1);
    if (impl.equals("latchwork")) {
      try (FetchStore store =
          FetchStore.builder(HttpRangeSource.of(server.uri(), client)).tempDirectory(dir).open()) {
        if (store.read(one, position) != 1) {
          throw new IOException("short read at " + position);
        }
      }
    } else if (impl.equals("sequential")) {
      sequentialRead(one);
    } else {
      throw new IllegalArgumentException("impl must be latchwork or sequential, not " + impl);
    }
    byte b = one.get(0);
    if (b != object[(int) position]) {
      throw new IllegalStateException("wrong byte at " + position);
    }
    return b;
  }

  /** One GET from the start, written to a temp file until it passes {@code position}. */
  private void sequentialRead(ByteBuffer dst) throws Exception {
    Path temp = Files.createTempFile(dir, "sequential", ".part");
    try (FileChannel file = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      HttpResponse<InputStream> response =
          client.send(
              HttpRequest.newBuilder(server.uri()).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IOException("GET answered " + response.statusCode());
      }
      try (InputStream in = response.body()) {
        byte[] buf = new byte[64 * 1024];
        long written = 0;
        while (written <= position) {
          int n = in.read(buf);
          if (n < 0) {
            throw new IOException("body ended at " + written);
          }
          ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
          while (chunk.hasRemaining()) {
            written += file.write(chunk, written);
          }
        }
      }
      if (file.read(dst, position) != 1) {
        throw new IOException("short read at " + position);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
