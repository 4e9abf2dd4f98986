package dev.latchwork.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** API skeleton: implementation pending (issue 3). */
public final class PositionalWriter implements Closeable {
  private PositionalWriter() {}

  /** Options of {@link #open} beyond the standard ones. */
  public enum Option implements OpenOption {
    REJECT_OVERLAPS
  }

  public static PositionalWriter open(Path file, OpenOption... options) throws IOException {
    throw new UnsupportedOperationException("pending");
  }

  public void write(ByteBuffer src, long position) throws IOException { throw new UnsupportedOperationException("pending"); }

  public int read(ByteBuffer dst, long position) throws IOException { throw new UnsupportedOperationException("pending"); }

  public long size() throws IOException { throw new UnsupportedOperationException("pending"); }

  public void truncate(long size) throws IOException { throw new UnsupportedOperationException("pending"); }

  public long bytesWritten() { throw new UnsupportedOperationException("pending"); }

  public void force(boolean metaData) throws IOException { throw new UnsupportedOperationException("pending"); }

  @Override
  public void close() throws IOException { throw new UnsupportedOperationException("pending"); }
}
