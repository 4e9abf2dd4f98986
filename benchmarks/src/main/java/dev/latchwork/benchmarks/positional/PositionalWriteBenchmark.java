package dev.latchwork.benchmarks.positional;

import dev.latchwork.benchmarks.support.BenchData;
import dev.latchwork.benchmarks.support.BenchFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * One operation writes a 64 MiB file region as {@code chunkSize} chunks at their positions:
 * {@code threads} workers claim chunks from a shared counter (as a chunking pipeline's workers do)
 * and write them through {@code impl}; the operation ends when every chunk is in the file. Every
 * operation rewrites the same region of the same file, so after the first one it measures the
 * write path into the page cache (syscalls, copies and the design's serialisation), not the disk.
 *
 * <p>{@code singleThreadFileChannelLoop} writes the same bytes at the same positions from the
 * benchmark thread alone with {@code FileChannel.write(ByteBuffer, long)}: the practical limit of
 * this machine for this file. {@code latchworkOverlapGuard} against {@code latchwork} is the cost
 * of {@code PositionalWriter.Option.REJECT_OVERLAPS}.
 *
 * <p>Files live under {@code latchwork.bench.dir} (default {@code java.io.tmpdir}) and are deleted
 * at the end of each trial.
 */
@Fork(1)
@Warmup(iterations = 1, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 2, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PositionalWriteBenchmark {
  static final long REGION_BYTES = 64L << 20;

  @State(Scope.Benchmark)
  public static class Workers {
    @Param({"latchwork", "latchworkOverlapGuard", "mutexSeekWrite", "queueWriterThread"})
    public String impl;

    @Param({"65536", "1048576", "8388608"})
    public int chunkSize;

    @Param({"1", "2", "4"})
    public int threads;

    Path dir;
    ChunkSink sink;
    ExecutorService pool;
    ByteBuffer data;
    long chunks;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = BenchFiles.newScratchDirectory("positional");
      sink = ChunkSink.open(impl, dir.resolve("region.bin"));
      pool = Executors.newFixedThreadPool(threads);
      data = BenchData.randomDirect(chunkSize, 42);
      chunks = REGION_BYTES / chunkSize;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
      pool.shutdownNow();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("writer pool did not stop");
      }
      sink.close();
      BenchFiles.deleteRecursively(dir);
    }
  }

  @State(Scope.Benchmark)
  public static class SingleThread {
    @Param({"65536", "1048576", "8388608"})
    public int chunkSize;

    Path dir;
    FileChannel channel;
    ByteBuffer data;
    long chunks;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = BenchFiles.newScratchDirectory("rawloop");
      channel = ChunkSink.openChannel(dir.resolve("region.bin"));
      data = BenchData.randomDirect(chunkSize, 42);
      chunks = REGION_BYTES / chunkSize;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      channel.close();
      BenchFiles.deleteRecursively(dir);
    }
  }

  @Benchmark
  public long write(Workers w) throws Exception {
    AtomicLong next = new AtomicLong();
    List<Future<Long>> done = new ArrayList<>(w.threads);
    for (int i = 0; i < w.threads; i++) {
      done.add(
          w.pool.submit(
              () -> {
                long written = 0;
                for (long c = next.getAndIncrement(); c < w.chunks; c = next.getAndIncrement()) {
                  w.sink.write(w.data.duplicate(), c * w.chunkSize);
                  written += w.chunkSize;
                }
                return written;
              }));
    }
    long total = 0;
    for (Future<Long> f : done) {
      try {
        total += f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a writer failed", e.getCause());
      }
    }
    w.sink.awaitWritten();
    return total;
  }

  @Benchmark
  public long singleThreadFileChannelLoop(SingleThread s) throws IOException {
    long total = 0;
    for (long c = 0; c < s.chunks; c++) {
      ChunkSink.writeFully(s.channel, s.data.duplicate(), c * s.chunkSize);
      total += s.chunkSize;
    }
    return total;
  }
}
