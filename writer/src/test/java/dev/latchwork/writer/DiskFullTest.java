package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskFullTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(6);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  @Test
  void writesThatHitAFullDiskFailAndTheirChunksStayMissing() throws Exception {
    Path target = dir.resolve("t");
    Files.writeString(target, "old");
    ChunkLayout layout = ChunkLayout.raw(100, 2_000);
    ChunkWriter w = noBackground(target).dataFiles(FullDiskDataFile.withBudget(1_250)).create(layout);
    CyclicBarrier start = new CyclicBarrier(4);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int first = t;
      results.add(pool.submit(() -> {
        start.await();
        List<Long> failed = new ArrayList<>();
        for (long i = first; i < 20; i += 4) {
          try {
            w.write(i, TestData.chunk(1, layout, i));
          } catch (IOException e) {
            assertThat(e).hasMessageContaining("No space left on device");
            failed.add(i);
          }
        }
        return failed;
      }));
    }
    List<Long> failed = new ArrayList<>();
    for (Future<List<Long>> f : results) {
      failed.addAll(f.get());
    }
    assertThat(failed).hasSize(8); // 12 whole chunks fit; the 13th is cut short
    assertThat(w.missingChunks()).containsExactlyInAnyOrder(failed.stream().mapToLong(Long::longValue).toArray());
    assertThat(w.progress().chunks().get()).isEqualTo(12);
    assertThatThrownBy(w::commit).isInstanceOf(IncompleteChunkWriteException.class).hasMessageContaining("8 of 20 chunks missing");
    assertThat(Files.readString(target)).isEqualTo("old");
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).containsExactly("t");
  }

  @Test
  void aFullDiskDuringCommitReachesEveryCommitCallerAndLeavesTheTargetAlone() throws Exception {
    Path target = dir.resolve("t");
    Files.writeString(target, "old");
    ChunkLayout layout = ChunkLayout.framed(100, 1_000);
    // the chunks fit; the footer does not
    ChunkWriter w = noBackground(target).dataFiles(FullDiskDataFile.withBudget(1_010)).create(layout);
    for (long i = 0; i < 10; i++) {
      w.write(i, TestData.chunk(2, layout, i));
    }
    CyclicBarrier start = new CyclicBarrier(3);
    List<Future<Throwable>> results = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      results.add(pool.submit(() -> {
        start.await();
        try {
          w.commit();
          return null;
        } catch (IOException e) {
          return e;
        }
      }));
    }
    String message = null;
    for (Future<Throwable> f : results) {
      Throwable e = f.get();
      assertThat(e).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
      message = message == null ? e.getMessage() : message;
      assertThat(e.getMessage()).isEqualTo(message);
    }
    assertThat(w.finalizationCount()).isEqualTo(1);
    assertThat(Files.readString(target)).isEqualTo("old");
    // terminal: nothing more is accepted; the unfinished write is kept until aborted
    assertThatThrownBy(w::commit).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    assertThatThrownBy(() -> w.write(0, TestData.chunk(2, layout, 0))).isInstanceOf(IllegalStateException.class);
    assertThat(TestData.names(dir)).containsExactlyInAnyOrder("t", ".t.lwpart", ".t.lwckpt");
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).containsExactly("t");
    assertThat(Files.readString(target)).isEqualTo("old");
  }

  @Test
  void withAutoCommitTheWriterThatLandedTheLastChunkGetsTheCommitFailure() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.framed(100, 300);
    ChunkWriter w = noBackground(target).autoCommit(true).dataFiles(FullDiskDataFile.withBudget(300)).create(layout);
    w.write(0, TestData.chunk(3, layout, 0));
    w.write(2, TestData.chunk(3, layout, 2));
    assertThatThrownBy(() -> w.write(1, TestData.chunk(3, layout, 1)))
        .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    assertThatThrownBy(w::commit).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    assertThat(target).doesNotExist();
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).isEmpty();
  }
}
