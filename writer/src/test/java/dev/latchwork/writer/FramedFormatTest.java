package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class FramedFormatTest {
  private static final Path SOURCE = Path.of("test.lw");

  @Test
  void headerRoundTripsEveryLayout() throws Exception {
    for (ChunkLayout layout : new ChunkLayout[] {
        ChunkLayout.framed(1, 0), ChunkLayout.framed(4096, 10_000), ChunkLayout.raw(Integer.MAX_VALUE, 1L << 40)}) {
      ByteBuffer h = FramedFormat.encodeHeader(FramedFormat.CHECKPOINT_MAGIC, layout);
      assertThat(FramedFormat.decodeHeader(h, FramedFormat.CHECKPOINT_MAGIC, "checkpoint", SOURCE)).isEqualTo(layout);
    }
  }

  @Test
  void everySingleBitFlipInTheHeaderIsDetected() {
    ChunkLayout layout = ChunkLayout.framed(4096, 10_000);
    byte[] good = FramedFormat.encodeHeader(FramedFormat.FILE_MAGIC, layout).array();
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> FramedFormat.decodeHeader(ByteBuffer.wrap(bad), FramedFormat.FILE_MAGIC, "chunk file", SOURCE))
          .as("bit %d", bit)
          .isInstanceOf(CorruptChunkFileException.class)
          .hasMessageContaining(SOURCE.toString())
          .hasMessageMatching(".*(bad magic|unsupported version|header checksum mismatch).*");
    }
  }

  @Test
  void headerErrorsSayWhatIsWrong() {
    ChunkLayout layout = ChunkLayout.framed(16, 100);
    ByteBuffer wrongMagic = FramedFormat.encodeHeader(FramedFormat.CHECKPOINT_MAGIC, layout);
    assertThatThrownBy(() -> FramedFormat.decodeHeader(wrongMagic, FramedFormat.FILE_MAGIC, "chunk file", SOURCE))
        .hasMessageContaining("bad magic \"LWCHUNKC\", expected \"LWCHUNKF\"");
    ByteBuffer future = FramedFormat.encodeHeader(FramedFormat.FILE_MAGIC, layout);
    future.putInt(8, 2);
    assertThatThrownBy(() -> FramedFormat.decodeHeader(future, FramedFormat.FILE_MAGIC, "chunk file", SOURCE))
        .hasMessageContaining("unsupported version 2");
    ByteBuffer flipped = FramedFormat.encodeHeader(FramedFormat.FILE_MAGIC, layout);
    flipped.put(20, (byte) 1);
    assertThatThrownBy(() -> FramedFormat.decodeHeader(flipped, FramedFormat.FILE_MAGIC, "chunk file", SOURCE))
        .hasMessageContaining("header checksum mismatch");
    ByteBuffer shortOne = ByteBuffer.allocate(10);
    assertThatThrownBy(() -> FramedFormat.decodeHeader(shortOne, FramedFormat.FILE_MAGIC, "chunk file", SOURCE))
        .hasMessageContaining("truncated header");
  }

  @Test
  void footerRoundTripsAndEveryByteCorruptionIsDetected() throws Exception {
    SplittableRandom random = TestSeed.random("FramedFormatTest.footerCorruption");
    ChunkLayout layout = ChunkLayout.framed(8, 27);
    int[] crcs = new int[4];
    byte[] payload = new byte[27];
    random.nextBytes(payload);
    for (int i = 0; i < 4; i++) {
      crcs[i] = Crc32c.of(payload, i * 8, layout.chunkLength(i));
    }
    int payloadCrc = FramedFormat.payloadCrc(layout, crcs);
    assertThat(payloadCrc).isEqualTo(Crc32c.of(payload, 0, payload.length));
    byte[] good = FramedFormat.encodeFooter(layout, crcs, payloadCrc).array();
    FramedFormat.Footer footer = FramedFormat.decodeFooter(ByteBuffer.wrap(good), layout, SOURCE);
    assertThat(footer.chunkCrcs()).containsExactly(crcs);
    assertThat(footer.payloadCrc()).isEqualTo(payloadCrc);
    for (int at = 0; at < good.length; at++) {
      byte[] bad = good.clone();
      bad[at] ^= (byte) (1 + random.nextInt(255));
      assertThatThrownBy(() -> FramedFormat.decodeFooter(ByteBuffer.wrap(bad), layout, SOURCE))
          .as("byte %d", at)
          .isInstanceOf(CorruptChunkFileException.class)
          .hasMessageMatching(".*(bad footer magic|footer checksum mismatch).*");
    }
  }

  @Test
  void aFooterThatDisagreesWithItselfOrTheHeaderIsCorrupt() {
    ChunkLayout layout = ChunkLayout.framed(8, 16);
    int[] crcs = {1, 2};
    ByteBuffer inconsistent = FramedFormat.encodeFooter(layout, crcs, 12345);
    assertThatThrownBy(() -> FramedFormat.decodeFooter(inconsistent, layout, SOURCE))
        .hasMessageContaining("disagrees with the chunk checksums");
    ByteBuffer other = FramedFormat.encodeFooter(ChunkLayout.framed(8, 15), crcs, FramedFormat.payloadCrc(ChunkLayout.framed(8, 15), crcs));
    assertThatThrownBy(() -> FramedFormat.decodeFooter(other, layout, SOURCE))
        .hasMessageContaining("disagree with the header");
  }
}
