package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;

  private ChunkWriter partlyWritten(Path target, ChunkLayout layout, long seed) throws IOException {
    ChunkWriter w = noBackground(target).create(layout);
    for (long i = 0; i < layout.chunkCount(); i += 3) {
      w.write(i, TestData.chunk(seed, layout, i));
    }
    return w;
  }

  private static void finish(ChunkWriter r, long seed) throws IOException {
    for (long i : r.missingChunks()) {
      r.write(i, TestData.chunk(seed, r.layout(), i));
    }
    r.commit();
  }

  @Test
  void resumeRecoversTheLayoutAndTheRecordedChunks() throws IOException {
    Path target = dir.resolve("r");
    ChunkLayout layout = ChunkLayout.framed(10, 95);
    partlyWritten(target, layout, 1).close();
    ChunkWriter r = noBackground(target).verifyOnResume(true).resume();
    assertThat(r.layout()).isEqualTo(layout);
    assertThat(r.missingChunks()).containsExactly(1, 2, 4, 5, 7, 8);
    assertThat(r.progress().bytes().get()).isEqualTo(35);
    finish(r, 1);
    TestData.assertComplete(target, 1, layout);
    assertThat(TestData.names(dir)).containsExactly("r");
  }

  @Test
  void onlyCheckpointedChunksAreTrusted() throws IOException {
    Path target = dir.resolve("r");
    ChunkLayout layout = ChunkLayout.raw(10, 100);
    ChunkWriter w = noBackground(target).create(layout);
    w.write(0, TestData.chunk(2, layout, 0));
    w.write(5, TestData.chunk(2, layout, 5));
    w.checkpoint();
    w.write(7, TestData.chunk(2, layout, 7));
    // What a crash leaves behind: the files as they are now (chunk 7 written, not recorded).
    Path part = TempFiles.partPath(target.toAbsolutePath());
    Path ckpt = TempFiles.checkpointPath(target.toAbsolutePath());
    Path crashDir = Files.createDirectory(dir.resolve("crash"));
    Files.copy(part, crashDir.resolve(".r.lwpart"));
    Files.copy(ckpt, crashDir.resolve(".r.lwckpt"));
    w.abort();
    ChunkWriter r = noBackground(crashDir.resolve("r")).resume();
    assertThat(r.missingChunks()).containsExactly(1, 2, 3, 4, 6, 7, 8, 9);
    finish(r, 2);
    TestData.assertComplete(crashDir.resolve("r"), 2, layout);
  }

  @Test
  void aTornCheckpointTailIsIgnored() throws IOException {
    Path target = dir.resolve("r");
    ChunkLayout layout = ChunkLayout.raw(10, 100);
    partlyWritten(target, layout, 3).close();
    Path ckpt = TempFiles.checkpointPath(target.toAbsolutePath());
    long size = Files.size(ckpt);
    try (FileChannel ch = FileChannel.open(ckpt, StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // the last record (chunk 9) is torn
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), size - 5);
    }
    ChunkWriter r = noBackground(target).resume();
    assertThat(r.missingChunks()).containsExactly(1, 2, 4, 5, 7, 8, 9);
    finish(r, 3);
    TestData.assertComplete(target, 3, layout);
  }

  @Test
  void verifyOnResumeRewritesChunksThatDoNotMatchTheirCrc() throws IOException {
    Path target = dir.resolve("r");
    ChunkLayout layout = ChunkLayout.raw(10, 100);
    partlyWritten(target, layout, 4).close();
    Path part = TempFiles.partPath(target.toAbsolutePath());
    try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55}), 64); // inside chunk 6
    }
    ChunkWriter unverified = noBackground(target).resume();
    assertThat(unverified.missingChunks()).doesNotContain(6);
    unverified.close();
    ChunkWriter r = noBackground(target).verifyOnResume(true).resume();
    assertThat(r.missingChunks()).containsExactly(1, 2, 4, 5, 6, 7, 8);
    finish(r, 4);
    TestData.assertComplete(target, 4, layout);
  }

  @Test
  void aRecordedChunkBeyondTheEndOfTheFileIsMissing() throws IOException {
    Path target = dir.resolve("r");
    ChunkLayout layout = ChunkLayout.raw(10, 100);
    partlyWritten(target, layout, 5).close();
    try (FileChannel ch = FileChannel.open(TempFiles.partPath(target.toAbsolutePath()), StandardOpenOption.WRITE)) {
      ch.truncate(85);
    }
    ChunkWriter r = noBackground(target).resume();
    assertThat(r.missingChunks()).contains(9);
    finish(r, 5);
    TestData.assertComplete(target, 5, layout);
  }

  @Test
  void resumeWithoutAnUnfinishedWriteOrWhileInUseFailsClearly() throws IOException {
    Path target = dir.resolve("r");
    assertThatThrownBy(() -> ChunkWriter.resume(target)).isInstanceOf(NoSuchFileException.class).hasMessageContaining("no unfinished write");
    ChunkWriter w = partlyWritten(target, ChunkLayout.raw(10, 100), 6);
    assertThatThrownBy(() -> ChunkWriter.resume(target)).isInstanceOf(IOException.class).hasMessageContaining("in use");
    w.abort();
    assertThatThrownBy(() -> ChunkWriter.resume(target)).isInstanceOf(NoSuchFileException.class);
    java.nio.file.Files.createFile(TempFiles.partPath(target.toAbsolutePath()));
    assertThatThrownBy(() -> ChunkWriter.resume(target)).isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("has no checkpoint");
  }

  @Test
  void aDamagedCheckpointHeaderIsReported() throws IOException {
    Path target = dir.resolve("r");
    partlyWritten(target, ChunkLayout.raw(10, 100), 7).close();
    Path ckpt = TempFiles.checkpointPath(target.toAbsolutePath());
    try (FileChannel ch = FileChannel.open(ckpt, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff}), 17);
    }
    assertThatThrownBy(() -> ChunkWriter.resume(target)).isInstanceOf(CorruptChunkFileException.class)
        .hasMessageContaining("header checksum mismatch");
    ChunkWriter fresh = noBackground(target).replaceUnfinished(true).create(ChunkLayout.raw(10, 100));
    finish(fresh, 7);
    TestData.assertComplete(target, 7, ChunkLayout.raw(10, 100));
  }
}
