package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/** {@link FetchStore#newInputStream(long)}: a cursor over the store; not thread-safe. */
final class StoreInputStream extends InputStream {
  private final FetchStore store;
  private final byte[] one = new byte[1];
  private long position;
  private boolean closed;

  StoreInputStream(FetchStore store, long position) {
    this.store = store;
    this.position = position;
  }

  @Override
  public int read() throws IOException {
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    if (len == 0) {
      return 0;
    }
    int n = readAt(store, ByteBuffer.wrap(b, off, len), position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    ensureOpen();
    if (n <= 0) {
      return 0;
    }
    long skipped = Math.min(n, Math.max(0, store.size() - position));
    position += skipped;
    return skipped;
  }

  /** Bytes readable without waiting: the run of present bytes at the position. */
  @Override
  public int available() throws IOException {
    ensureOpen();
    if (position >= store.size()) {
      return 0;
    }
    return (int) Math.min(Integer.MAX_VALUE, store.presentUntil(position) - position);
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
  }

  /** A store read for the stream and channel views: interruption becomes an IOException. */
  static int readAt(FetchStore store, ByteBuffer dst, long position) throws IOException {
    try {
      return store.read(dst, position);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io = new InterruptedIOException("read at " + position + " interrupted");
      io.initCause(e);
      throw io;
    }
  }
}
