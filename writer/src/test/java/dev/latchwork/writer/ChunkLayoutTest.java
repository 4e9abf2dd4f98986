package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkLayoutTest {

  @Test
  void chunkCountIsTheCeilingOfPayloadOverChunkSize() {
    assertThat(ChunkLayout.framed(10, 0).chunkCount()).isZero();
    assertThat(ChunkLayout.framed(10, 1).chunkCount()).isEqualTo(1);
    assertThat(ChunkLayout.framed(10, 10).chunkCount()).isEqualTo(1);
    assertThat(ChunkLayout.framed(10, 11).chunkCount()).isEqualTo(2);
    assertThat(ChunkLayout.raw(1 << 20, 5L << 30).chunkCount()).isEqualTo(5 << 10);
  }

  @Test
  void theLastChunkIsShortWhenThePayloadIsNotAMultiple() {
    ChunkLayout layout = ChunkLayout.raw(10, 25);
    assertThat(layout.chunkLength(0)).isEqualTo(10);
    assertThat(layout.chunkLength(1)).isEqualTo(10);
    assertThat(layout.chunkLength(2)).isEqualTo(5);
    assertThat(ChunkLayout.raw(10, 30).chunkLength(2)).isEqualTo(10);
  }

  @Test
  void offsetsAndFileSizeFollowTheFormat() {
    ChunkLayout framed = ChunkLayout.framed(10, 25);
    assertThat(framed.chunkOffset(2)).isEqualTo(FramedFormat.HEADER_SIZE + 20);
    assertThat(framed.fileSize()).isEqualTo(FramedFormat.HEADER_SIZE + 25 + 28 + 3 * 4 + 4);
    ChunkLayout raw = ChunkLayout.raw(10, 25);
    assertThat(raw.chunkOffset(2)).isEqualTo(20);
    assertThat(raw.fileSize()).isEqualTo(25);
  }

  @Test
  void badInputIsRejectedWithAMessageNamingIt() {
    assertThatThrownBy(() -> ChunkLayout.framed(0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkSize");
    assertThatThrownBy(() -> ChunkLayout.raw(-1, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkSize");
    assertThatThrownBy(() -> ChunkLayout.raw(1, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payloadSize");
    assertThatThrownBy(() -> new ChunkLayout(null, 1, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("format");
    assertThatThrownBy(() -> ChunkLayout.raw(1, ChunkLayout.MAX_CHUNK_COUNT + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too many chunks");
    ChunkLayout layout = ChunkLayout.raw(10, 25);
    assertThatThrownBy(() -> layout.chunkLength(3)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("3");
    assertThatThrownBy(() -> layout.chunkLength(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ChunkLayout.raw(10, 0).chunkLength(0)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
