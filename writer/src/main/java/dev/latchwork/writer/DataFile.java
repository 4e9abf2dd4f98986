package dev.latchwork.writer;

import dev.latchwork.core.PositionalWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The data file a {@link ChunkWriter} writes through: a seam so that tests can inject failures
 * (a disk that fills up). Production code uses {@link #positional}, a {@link PositionalWriter}.
 * Implementations are safe for concurrent positional writes of disjoint ranges.
 */
interface DataFile extends Closeable {

  /** Writes all remaining bytes of {@code src} at {@code position}. */
  void write(ByteBuffer src, long position) throws IOException;

  /** Reads into {@code dst} from {@code position}; returns bytes read or -1 at end of file. */
  int read(ByteBuffer dst, long position) throws IOException;

  void force(boolean metaData) throws IOException;

  long size() throws IOException;

  /** Opens an existing file for reading and writing. */
  @FunctionalInterface
  interface Opener {
    DataFile open(Path file) throws IOException;
  }

  /** The production opener. */
  static DataFile positional(Path file) throws IOException {
    PositionalWriter writer = PositionalWriter.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new DataFile() {
      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        writer.write(src, position);
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return writer.read(dst, position);
      }

      @Override
      public void force(boolean metaData) throws IOException {
        writer.force(metaData);
      }

      @Override
      public long size() throws IOException {
        return writer.size();
      }

      @Override
      public void close() throws IOException {
        writer.close();
      }
    };
  }

  /** Reads exactly {@code dst.remaining()} bytes from {@code position} or fails. */
  static void readFully(DataFile file, ByteBuffer dst, long position, Path source) throws IOException {
    long at = position;
    while (dst.hasRemaining()) {
      int n = file.read(dst, at);
      if (n < 0) {
        throw new CorruptChunkFileException(source + ": unexpected end of file at offset " + at);
      }
      at += n;
    }
  }
}
