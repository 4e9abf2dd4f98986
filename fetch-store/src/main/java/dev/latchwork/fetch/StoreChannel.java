package dev.latchwork.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * {@link FetchStore#newChannel()}: a read-only channel over the store. The position is a plain
 * field read and written by the calling thread; see the factory's documentation.
 */
final class StoreChannel implements SeekableByteChannel {
  private final FetchStore store;
  private long position;
  private volatile boolean open = true;

  StoreChannel(FetchStore store) {
    this.store = store;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    int n = StoreInputStream.readAt(store, dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("position must not be negative: " + newPosition);
    }
    ensureOpen();
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return store.size();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
