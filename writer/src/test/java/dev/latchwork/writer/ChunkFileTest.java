package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class ChunkFileTest {
  private static final long SEED = 31;
  private final ChunkLayout layout = ChunkLayout.framed(100, 1050);

  @TempDir Path dir;
  private Path good;
  private byte[] goodBytes;

  @BeforeEach
  void writeGoodFile() throws IOException {
    good = dir.resolve("good.lw");
    ChunkWriter w = ChunkWriter.builder(good).checkpointInterval(Duration.ZERO).create(layout);
    for (long i = 0; i < layout.chunkCount(); i++) {
      w.write(i, TestData.chunk(SEED, layout, i));
    }
    w.commit();
    goodBytes = Files.readAllBytes(good);
  }

  private Path withBytes(byte[] bytes) throws IOException {
    Path p = dir.resolve("bad.lw");
    Files.write(p, bytes);
    return p;
  }

  /** Opens, verifies and reads every chunk; returns normally only if nothing is wrong. */
  private static void readEverything(Path p) throws IOException {
    try (ChunkFile f = ChunkFile.open(p)) {
      f.verify();
      ByteBuffer buf = ByteBuffer.allocate((int) f.payloadSize());
      for (long i = 0; i < f.chunkCount(); i++) {
        f.readChunk(i, buf);
      }
    }
  }

  @Test
  void aGoodFileExposesItsLayoutAndChunks() throws IOException {
    TestData.assertComplete(good, SEED, layout);
    try (ChunkFile f = ChunkFile.open(good)) {
      assertThat(f.chunkCount()).isEqualTo(11);
      assertThat(f.layout()).isEqualTo(layout);
      ByteBuffer dst = ByteBuffer.allocate(200);
      dst.position(10);
      assertThat(f.readChunk(10, dst)).isEqualTo(50);
      assertThat(dst.position()).isEqualTo(60);
      assertThat(Arrays.copyOfRange(dst.array(), 10, 60)).isEqualTo(TestData.chunk(SEED, layout, 10).array());
      assertThat(f.chunkCrc32c(10)).isEqualTo(Crc32c.of(TestData.chunk(SEED, layout, 10)));
      assertThatThrownBy(() -> f.readChunk(0, ByteBuffer.allocate(99))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("100 bytes");
      assertThatThrownBy(() -> f.readChunk(11, ByteBuffer.allocate(100))).isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void everyRandomCorruptionIsDetected() throws IOException {
    SplittableRandom random = TestSeed.random("ChunkFileTest.randomCorruption");
    for (int round = 0; round < 400; round++) {
      byte[] bad = goodBytes.clone();
      int flips = 1 + random.nextInt(3);
      for (int k = 0; k < flips; k++) {
        bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
      }
      if (Arrays.equals(bad, goodBytes)) {
        continue; // two flips of the same byte cancelled out
      }
      Path p = withBytes(bad);
      assertThatThrownBy(() -> readEverything(p)).as("round %d", round).isInstanceOf(CorruptChunkFileException.class);
    }
  }

  @Test
  void aCorruptChunkIsNamedWhenReadAndByVerify() throws IOException {
    byte[] bad = goodBytes.clone();
    bad[FramedFormat.HEADER_SIZE + 7 * 100 + 42] ^= 1;
    Path p = withBytes(bad);
    try (ChunkFile f = ChunkFile.open(p)) {
      ByteBuffer dst = ByteBuffer.allocate(100);
      assertThatThrownBy(() -> f.readChunk(7, dst)).isInstanceOf(CorruptChunkFileException.class)
          .hasMessageContaining("chunk 7 checksum mismatch");
      assertThat(dst.position()).isZero();
      assertThat(f.readChunk(6, dst)).isEqualTo(100);
      assertThatThrownBy(f::verify).hasMessageContaining("chunk 7 checksum mismatch");
    }
  }

  @Test
  void truncationAtAnyLengthIsReported() throws IOException {
    for (int len = 0; len < goodBytes.length; len += 7) {
      Path p = withBytes(Arrays.copyOf(goodBytes, len));
      assertThatThrownBy(() -> ChunkFile.open(p)).as("length %d", len).isInstanceOf(CorruptChunkFileException.class)
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void trailingBytesForeignFilesAndOtherVersionsAreReported() throws IOException {
    Path longer = withBytes(Arrays.copyOf(goodBytes, goodBytes.length + 3));
    assertThatThrownBy(() -> ChunkFile.open(longer)).hasMessageContaining("3 unexpected trailing bytes");
    byte[] foreign = "#!/bin/sh\necho this is not a chunk file, but it is long enough to have a header\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Path script = withBytes(foreign);
    assertThatThrownBy(() -> ChunkFile.open(script)).isInstanceOf(CorruptChunkFileException.class).hasMessageContaining("bad magic \"#!/bin/s\"");
    byte[] v2 = goodBytes.clone();
    v2[11] = 2;
    Path future = withBytes(v2);
    assertThatThrownBy(() -> ChunkFile.open(future)).hasMessageContaining("unsupported version 2");
    byte[] header = goodBytes.clone();
    header[40] = 1;
    Path badHeader = withBytes(header);
    assertThatThrownBy(() -> ChunkFile.open(badHeader)).hasMessageContaining("header checksum mismatch");
    byte[] footer = goodBytes.clone();
    footer[footer.length - 10] ^= 4;
    Path badFooter = withBytes(footer);
    assertThatThrownBy(() -> ChunkFile.open(badFooter)).hasMessageContaining("footer checksum mismatch");
  }
}
