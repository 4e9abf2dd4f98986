package dev.latchwork.writer;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of {@link NoRecordingTest}: {@code <dir>} writes, checkpoints and commits a small
 * chunked file and prints {@code ok <bytes>} or the failure.
 */
public final class NoRecordingChild {
  private NoRecordingChild() {}

  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]).resolve("out.bin");
    ChunkLayout layout = ChunkLayout.raw(4096, 8 * 4096);
    try (ChunkWriter w = ChunkWriter.builder(target).create(layout)) {
      for (long i = 0; i < layout.chunkCount(); i++) {
        w.write(i, ByteBuffer.wrap(new byte[4096]));
        if (i == 3) {
          w.checkpoint();
        }
      }
      w.commit();
    }
    System.out.println("ok " + Files.size(target));
  }
}
