package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Deterministic chunk contents and checks of written files, computed independently of the writer. */
final class TestData {
  private TestData() {}

  /** The bytes of chunk {@code index} for {@code seed}. */
  static ByteBuffer chunk(long seed, ChunkLayout layout, long index) {
    byte[] b = new byte[layout.chunkLength(index)];
    new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  /** The whole payload for {@code seed}. */
  static byte[] payload(long seed, ChunkLayout layout) {
    byte[] all = new byte[(int) layout.payloadSize()];
    for (long i = 0; i < layout.chunkCount(); i++) {
      ByteBuffer c = chunk(seed, layout, i);
      c.get(all, (int) (i * layout.chunkSize()), c.remaining());
    }
    return all;
  }

  /** Indices 0..n-1 in random order. */
  static List<Long> shuffled(long n, SplittableRandom random) {
    List<Long> order = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new java.util.Random(random.nextLong()));
    return order;
  }

  /** Asserts that {@code file} is the complete file for {@code seed} and {@code layout}. */
  static void assertComplete(Path file, long seed, ChunkLayout layout) throws IOException {
    byte[] expected = payload(seed, layout);
    if (layout.format() == ChunkLayout.Format.RAW) {
      assertThat(Files.readAllBytes(file)).isEqualTo(expected);
      return;
    }
    try (ChunkFile cf = ChunkFile.open(file)) {
      cf.verify();
      assertThat(cf.layout()).isEqualTo(layout);
      assertThat(cf.payloadCrc32c()).isEqualTo(Crc32c.of(expected, 0, expected.length));
      ByteBuffer all = ByteBuffer.allocate(expected.length);
      for (long i = 0; i < cf.chunkCount(); i++) {
        cf.readChunk(i, all);
      }
      assertThat(all.array()).isEqualTo(expected);
    }
    byte[] raw = Files.readAllBytes(file);
    assertThat(raw).hasSize((int) layout.fileSize());
    assertThat(java.util.Arrays.copyOfRange(raw, FramedFormat.HEADER_SIZE, FramedFormat.HEADER_SIZE + expected.length))
        .isEqualTo(expected);
  }

  /** The names of the files in {@code dir}. */
  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
