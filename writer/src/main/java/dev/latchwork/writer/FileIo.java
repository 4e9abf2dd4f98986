package dev.latchwork.writer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Positional read loops and clean-up helpers shared by the chunk file reader, the temporary files and
 * the writer. Stateless; every method is safe from any thread (the channels' own guarantees
 * apply).
 */
final class FileIo {
  private FileIo() {}

  /**
   * Reads up to {@code size} bytes from {@code position}, fewer only at end of file, and returns
   * them flipped (position 0, limit the number of bytes read).
   */
  static ByteBuffer readAt(FileChannel ch, int size, long position) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(size);
    readUpTo(ch, dst, position);
    return dst.flip();
  }

  /** Fills {@code dst} from {@code position}, stopping early only at end of file. */
  static void readUpTo(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long at = position;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, at);
      if (n < 0) {
        return;
      }
      at += n;
    }
  }

  /** Closes {@code ch}, adding a failure to {@code primary} as suppressed. */
  static void closeQuietly(FileChannel ch, Exception primary) {
    try {
      ch.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  /** Closes each non-null closeable, adding any failure to {@code primary} as suppressed. */
  static void closeAll(Throwable primary, Closeable... closeables) {
    for (Closeable c : closeables) {
      if (c != null) {
        try {
          c.close();
        } catch (IOException | RuntimeException e) {
          primary.addSuppressed(e);
        }
      }
    }
  }

  /** Deletes each path if it exists, adding any failure to {@code primary} as suppressed. */
  static void deleteQuietly(Throwable primary, Path... paths) {
    for (Path p : paths) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        primary.addSuppressed(e);
      }
    }
  }
}
