package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Writers and racing commit callers on virtual threads (JDK 21+). */
@ExtendWith(TestSeed.class)
class VirtualThreadWritersTest {
  @TempDir Path dir;

  @Test
  void everyChunkWrittenFromItsOwnVirtualThreadAndTenVirtualCommitCallersFinalizeOnce() throws Exception {
    SplittableRandom random = TestSeed.random("VirtualThreadWritersTest.chunks");
    for (int round = 0; round < 5; round++) {
      ChunkLayout layout = ChunkLayout.framed(64 + random.nextInt(512), 1_000L * 300 - random.nextInt(200));
      Path target = dir.resolve("vt-" + round);
      long seed = random.nextLong();
      ChunkWriter w = ChunkWriter.builder(target).checkpointInterval(Duration.ofMillis(2)).checkpointEveryChunks(50).create(layout);
      List<Future<Path>> commits = new ArrayList<>();
      try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
        for (long i = 0; i < layout.chunkCount(); i++) {
          long index = i;
          vts.submit(() -> {
            w.write(index, TestData.chunk(seed, layout, index));
            return null;
          });
        }
        vts.shutdown();
        assertThat(vts.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int c = 0; c < 10; c++) {
          commits.add(vts.submit(w::commit));
        }
        for (Future<Path> f : commits) {
          assertThat(f.get()).isEqualTo(target.toAbsolutePath());
        }
      }
      assertThat(w.finalizationCount()).isEqualTo(1);
      TestData.assertComplete(target, seed, layout);
    }
  }
}
