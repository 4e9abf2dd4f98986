package dev.latchwork.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Re-verification of a cache entry's recovered parts ({@link FetchCache.Builder#verifyOnRecovery}):
 * each part the journal names is read back from the entry's file and its CRC32C compared with the
 * journaled one. Stateless.
 */
final class RecoveredParts {
  /** Bytes read at a time: parts may be large, the buffer need not be. */
  private static final int CHUNK = 1 << 20;

  private RecoveredParts() {}

  /**
   * Returns the parts of {@code crcs} whose bytes in {@code file} do not match their CRC32C (or
   * that the file is too short to hold), in ascending order.
   *
   * @param file the entry's file
   * @param crcs the journaled parts and their CRC32C
   * @param partSize the entry's part size
   * @param size the object's size
   * @throws IOException if the file cannot be read
   */
  static List<Integer> damaged(Path file, Map<Integer, Integer> crcs, long partSize, long size)
      throws IOException {
    List<Integer> damaged = new ArrayList<>();
    if (crcs.isEmpty()) {
      return damaged;
    }
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, partSize));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (Map.Entry<Integer, Integer> part : crcs.entrySet()) {
        long start = part.getKey() * partSize;
        long end = Math.min(size, start + partSize);
        if (!matches(ch, buf, start, end, part.getValue())) {
          damaged.add(part.getKey());
        }
      }
    }
    damaged.sort(null);
    return damaged;
  }

  /** True if {@code [start, end)} of {@code ch} is there and has CRC32C {@code expected}. */
  private static boolean matches(FileChannel ch, ByteBuffer buf, long start, long end,
      int expected) throws IOException {
    CRC32C crc = new CRC32C();
    long at = start;
    while (at < end) {
      buf.clear().limit((int) Math.min(buf.capacity(), end - at));
      int n = ch.read(buf, at);
      if (n < 0) {
        return false; // the file ends inside the part
      }
      buf.flip();
      crc.update(buf);
      at += n;
    }
    return (int) crc.getValue() == expected;
  }
}
