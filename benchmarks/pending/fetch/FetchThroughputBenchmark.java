package dev.latchwork.benchmarks.fetch;

import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.HttpRangeSource;
import dev.latchwork.fetch.PathRangeSource;
import dev.latchwork.fetch.RangeSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
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
 * Full fetch: one operation opens a {@code FetchStore} on the object, waits for the whole download
 * ({@code awaitComplete()}) and closes the store (which deletes its temp file). Sources: the object
 * as a local file ({@code PathRangeSource}: no network, shows the store's own overhead) and a
 * loopback HTTP server pacing every response to {@value #HTTP_MIB_PER_SECOND} MiB/s
 * ({@code HttpRangeSource}: parallel parts multiply the bandwidth). Parts of
 * {@value #PART_MIB} MiB.
 *
 * <p>Alternative, {@code singleStream}: one sequential copy of the whole object to a file, what a
 * user without the store would write ({@code Files.copy} for the file; one GET streamed to a file
 * for HTTP).
 */
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FetchThroughputBenchmark {
  static final long HTTP_MIB_PER_SECOND = 64;
  static final long PART_MIB = 4;

  static byte[] randomObject(int mib) {
    byte[] object = new byte[mib << 20];
    new SplittableRandom(7).nextBytes(object);
    return object;
  }

  @State(Scope.Benchmark)
  public static class Source {
    @Param({"path", "http"})
    public String source;

    @Param({"64"})
    public int objectMiB;

    Path dir;
    Path objectFile;
    Path temp;
    LoopbackRangeServer server;
    HttpClient client;

    @Setup(Level.Trial)
    public void start() throws IOException {
      dir = BenchFiles.newScratchDirectory("fetch");
      temp = Files.createDirectory(dir.resolve("temp"));
      byte[] object = randomObject(objectMiB);
      if (source.equals("path")) {
        objectFile = Files.write(dir.resolve("object.bin"), object);
      } else if (source.equals("http")) {
        server = new LoopbackRangeServer(object, HTTP_MIB_PER_SECOND << 20);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      } else {
        throw new IllegalArgumentException("source must be path or http, not " + source);
      }
    }

    RangeSource rangeSource() throws IOException {
      return source.equals("path")
          ? PathRangeSource.of(objectFile)
          : HttpRangeSource.of(server.uri(), client);
    }

    /** Fails the trial if an operation left a file in the store's temp directory. */
    @TearDown(Level.Iteration)
    public void checkTempEmpty() throws IOException {
      try (var files = Files.list(temp)) {
        if (files.findAny().isPresent()) {
          throw new IllegalStateException("a closed FetchStore left its temp file behind");
        }
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      if (server != null) {
        server.close();
      }
      BenchFiles.deleteRecursively(dir);
    }
  }

  @State(Scope.Benchmark)
  public static class Parallelism {
    @Param({"1", "2", "4", "8"})
    public int parallelism;
  }

  @Benchmark
  public long latchwork(Source s, Parallelism p) throws Exception {
    try (FetchStore store =
        FetchStore.builder(s.rangeSource())
            .tempDirectory(s.temp)
            .partSize(PART_MIB << 20)
            .parallelism(p.parallelism)
            .open()) {
      store.awaitComplete();
      return store.size();
    }
  }

  @Benchmark
  public long singleStream(Source s) throws Exception {
    Path copy = s.temp.resolve("copy.bin");
    try {
      if (s.source.equals("path")) {
        Files.copy(s.objectFile, copy, StandardCopyOption.REPLACE_EXISTING);
        return Files.size(copy);
      }
      HttpResponse<InputStream> response =
          s.client.send(
              HttpRequest.newBuilder(s.server.uri()).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IOException("GET answered " + response.statusCode());
      }
      try (InputStream in = response.body()) {
        return Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(copy);
    }
  }
}
