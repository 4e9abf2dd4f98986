package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interleavings forced with a data file whose write of one chunk blocks until released: a commit
 * waits for a write in flight instead of failing or publishing without it, an interrupted commit
 * caller leaves while the commit goes on, and the Tracer shows the stuck write.
 */
class BlockingWritesTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void shutdown() {
    release.countDown();
    pool.shutdownNow();
  }

  /** A data file whose write at {@code blockAt} blocks until {@link #release} opens. */
  private DataFile.Opener blockingAt(long blockAt) {
    return file -> new ChannelDataFile(file) {
      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        if (position == blockAt) {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("test write interrupted");
          }
        }
        super.write(src, position);
      }
    };
  }

  @Test
  void aCommitWaitsForTheWriteInFlightAndAnInterruptedCallerLeavesWithoutStoppingIt() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(10, 30);
    Path target = dir.resolve("t");
    ChunkWriter w = noBackground(target).dataFiles(blockingAt(20)).create(layout);
    w.write(0, TestData.chunk(1, layout, 0));
    w.write(1, TestData.chunk(1, layout, 1));
    Future<?> slowWrite = pool.submit(() -> {
      w.write(2, TestData.chunk(1, layout, 2));
      return null;
    });
    entered.await();
    // chunk 2 is claimed and in flight: a commit now must wait for it, not report it missing
    CountDownLatch committing = new CountDownLatch(1);
    Thread[] committer = new Thread[1];
    Future<Throwable> interrupted = pool.submit(() -> {
      committer[0] = Thread.currentThread();
      committing.countDown();
      try {
        w.commit();
        return null;
      } catch (InterruptedIOException e) {
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        return e;
      }
    });
    committing.await();
    assertThat(target).doesNotExist();
    committer[0].interrupt();
    assertThat(interrupted.get()).isInstanceOf(InterruptedIOException.class);
    assertThat(target).doesNotExist();
    Future<Path> patient = pool.submit(w::commit);
    release.countDown();
    slowWrite.get();
    assertThat(patient.get(60, TimeUnit.SECONDS)).isEqualTo(target.toAbsolutePath());
    assertThat(w.finalizationCount()).isEqualTo(1);
    TestData.assertComplete(target, 1, layout);
  }

  @Test
  void theTracerNamesTheWriteThatIsStuck() throws Exception {
    boolean tracking = Tracer.isTrackingInFlight();
    Tracer.trackInFlight(true);
    try {
      ChunkLayout layout = ChunkLayout.raw(10, 30);
      ChunkWriter w = noBackground(dir.resolve("t")).dataFiles(blockingAt(10)).create(layout);
      Future<?> stuck = pool.submit(() -> {
        w.write(1, TestData.chunk(1, layout, 1));
        return null;
      });
      entered.await();
      assertThat(Tracer.inFlight())
          .anySatisfy(op -> {
            assertThat(op.component()).isEqualTo("ChunkWriter");
            assertThat(op.operation()).isEqualTo("write");
            assertThat(op.keyValues()).containsSubsequence("index", "1");
          });
      release.countDown();
      stuck.get();
      assertThat(w.abort()).isTrue();
    } finally {
      Tracer.trackInFlight(tracking);
    }
  }

  @Test
  void anInterruptedWriterLeavesItsChunkMissingAndTheWriterUsable() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(10, 30);
    Path target = dir.resolve("t");
    ChunkWriter w = noBackground(target).create(layout);
    Future<Throwable> interrupted = pool.submit(() -> {
      Thread.currentThread().interrupt();
      try {
        w.write(1, TestData.chunk(2, layout, 1));
        return null;
      } catch (IOException e) {
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        return e;
      }
    });
    assertThat(interrupted.get()).isInstanceOf(IOException.class);
    assertThat(w.missingChunks()).containsExactly(0, 1, 2);
    for (long i = 0; i < 3; i++) {
      w.write(i, TestData.chunk(2, layout, i));
    }
    w.commit();
    TestData.assertComplete(target, 2, layout);
  }
}
