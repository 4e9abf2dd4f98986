package dev.latchwork.benchmarks.support;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Deterministic random data for the file benchmarks. */
public final class BenchData {
  private BenchData() {}

  /**
   * {@code size} random bytes (fixed seed) in a read-only direct buffer: direct, so that
   * {@code FileChannel} writes it without an extra copy; read-only, so that threads can share it,
   * each writing through its own {@link ByteBuffer#duplicate()}.
   */
  public static ByteBuffer randomDirect(int size, long seed) {
    ByteBuffer data = ByteBuffer.allocateDirect(size);
    SplittableRandom random = new SplittableRandom(seed);
    while (data.remaining() >= Long.BYTES) {
      data.putLong(random.nextLong());
    }
    while (data.hasRemaining()) {
      data.put((byte) random.nextInt());
    }
    data.flip();
    return data.asReadOnlyBuffer();
  }
}
