package dev.latchwork.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Where a {@link RangeTransfer} delivers the bytes of a range: positional writes into the store's
 * temp file. Bytes become readable by the store's readers as soon as a call returns.
 *
 * <p>A sink is handed to one {@link RangeTransfer#deliverTo} call and used only by the thread
 * running it. Calls must deliver the range in order, each starting where the previous ended.
 */
public interface RangeSink {

  /**
   * Writes every remaining byte of {@code src} at {@code position} of the object, advancing
   * {@code src}'s position to its limit.
   *
   * @param src the bytes; a buffer from {@link #buffer()} avoids a copy
   * @param position where the first byte belongs in the object
   * @throws IOException if the store cannot take the bytes (its temp file failed, or it closed)
   */
  void write(ByteBuffer src, long position) throws IOException;

  /**
   * Copies {@code count} bytes of {@code channel}, from {@code channelPosition}, to {@code
   * position} of the object, in the kernel where the platform can ({@code
   * FileChannel.transferFrom}), without passing them through the Java heap.
   *
   * @param channel a readable file channel; its position is changed
   * @param channelPosition first byte of {@code channel} to copy
   * @param count how many bytes to copy
   * @param position where the first byte belongs in the object
   * @return bytes copied; fewer than {@code count} only if {@code channel} ended first
   * @throws IOException if reading {@code channel} fails or the store cannot take the bytes
   */
  long transferFrom(FileChannel channel, long channelPosition, long count, long position)
      throws IOException;

  /**
   * Returns a direct buffer, cleared, for the delivering thread to fill and pass to {@link
   * #write}; the same buffer on every call during one delivery.
   *
   * @return the buffer
   */
  ByteBuffer buffer();
}
