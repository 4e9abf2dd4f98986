package dev.latchwork.benchmarks.chunk;

import dev.latchwork.benchmarks.support.BenchData;
import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.writer.ChunkLayout;
import dev.latchwork.writer.ChunkWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * Writing and committing a {@code payloadMiB} FRAMED file of 1 MiB chunks from {@code workers}
 * threads (chunks claimed from a shared counter, in index order): {@code latchwork} is
 * {@code ChunkWriter.create(target, ChunkLayout.framed(..))}, {@code write(index, chunk)} from
 * every worker (the writing thread computes the chunk's CRC32C), then {@code commit()} (footer,
 * header, force, atomic rename, directory force).
 *
 * <p>{@code rawPositional}: the same bytes at the same offsets with {@code FileChannel.write(buf,
 * pos)} from the same workers into a temp file, then {@code force(true)} and an atomic rename onto
 * the target: the same durability and publication, without the format, the CRCs or the
 * bookkeeping. Each operation writes a new file; the target is deleted after each iteration.
 */
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class ChunkWriterBenchmark {
  static final int CHUNK_SIZE = 1 << 20;

  @Param({"latchwork", "rawPositional"})
  public String impl;

  @Param({"1", "2", "4"})
  public int workers;

  @Param({"256"})
  public int payloadMiB;

  private Path dir;
  private Path target;
  private ExecutorService pool;
  private ByteBuffer chunk;
  private long chunks;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = BenchFiles.newScratchDirectory("chunkwriter");
    target = dir.resolve("target.lwc");
    pool = Executors.newFixedThreadPool(workers);
    chunk = BenchData.randomDirect(CHUNK_SIZE, 11);
    chunks = ((long) payloadMiB << 20) / CHUNK_SIZE;
  }

  @TearDown(Level.Iteration)
  public void deleteOutput() throws IOException {
    BenchFiles.deleteChildren(dir);
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException, InterruptedException {
    pool.shutdownNow();
    if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("worker pool did not stop");
    }
    BenchFiles.deleteRecursively(dir);
  }

  /** Runs {@code write(index)} for every chunk index on the workers. */
  private void onWorkers(ChunkTask write) throws Exception {
    AtomicLong next = new AtomicLong();
    List<Future<Void>> done = new ArrayList<>(workers);
    for (int i = 0; i < workers; i++) {
      done.add(
          pool.submit(
              () -> {
                for (long c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                  write.write(c);
                }
                return null;
              }));
    }
    for (Future<Void> f : done) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a worker failed", e.getCause());
      }
    }
  }

  @FunctionalInterface
  private interface ChunkTask {
    void write(long index) throws IOException;
  }

  @Benchmark
  public Path writeAndCommit() throws Exception {
    long payload = chunks * CHUNK_SIZE;
    if (impl.equals("latchwork")) {
      ChunkWriter writer = ChunkWriter.create(target, ChunkLayout.framed(CHUNK_SIZE, payload));
      try {
        onWorkers(index -> writer.write(index, chunk.duplicate()));
        return writer.commit();
      } catch (Exception | Error e) {
        writer.abort();
        throw e;
      }
    }
    if (!impl.equals("rawPositional")) {
      throw new IllegalArgumentException("impl must be latchwork or rawPositional, not " + impl);
    }
    Path temp = dir.resolve("target.lwc.tmp");
    try (FileChannel file =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      onWorkers(
          index -> {
            ByteBuffer src = chunk.duplicate();
            long at = index * CHUNK_SIZE;
            while (src.hasRemaining()) {
              at += file.write(src, at);
            }
          });
      file.force(true);
    }
    return Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
  }
}
