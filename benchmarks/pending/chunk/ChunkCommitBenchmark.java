package dev.latchwork.benchmarks.chunk;

import dev.latchwork.benchmarks.support.BenchData;
import dev.latchwork.benchmarks.support.BenchFiles;
import dev.latchwork.writer.ChunkLayout;
import dev.latchwork.writer.ChunkWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * The cost of {@code commit()} alone as the chunk count grows, at two chunk sizes: before each
 * measured commit, the iteration set-up writes every chunk and calls {@code checkpoint()}, which
 * forces the data, so the commit's own force has (almost) nothing left to flush and the number is
 * what commit itself does: footer of per-chunk CRCs, payload CRC combined from them (no re-read),
 * header, force, rename, directory force. It should follow the chunk count, not the payload size
 * (compare the two chunk sizes at one count).
 */
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class ChunkCommitBenchmark {
  @Param({"16", "256", "4096"})
  public int chunkCount;

  @Param({"4096", "65536"})
  public int chunkSize;

  private Path dir;
  private ByteBuffer chunk;
  private ChunkWriter writer;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = BenchFiles.newScratchDirectory("chunkcommit");
    chunk = BenchData.randomDirect(chunkSize, 13);
  }

  @Setup(Level.Iteration)
  public void writeEverythingButCommit() throws IOException {
    BenchFiles.deleteChildren(dir);
    writer =
        ChunkWriter.create(
            dir.resolve("target.lwc"), ChunkLayout.framed(chunkSize, (long) chunkCount * chunkSize));
    for (long i = 0; i < chunkCount; i++) {
      writer.write(i, chunk.duplicate());
    }
    writer.checkpoint();
  }

  @Benchmark
  public Path commit() throws IOException {
    return writer.commit();
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    BenchFiles.deleteRecursively(dir);
  }
}
