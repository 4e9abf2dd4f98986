package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The {@link RangeTransfer} of a source that only has {@link RangeSource#open}: copies the stream
 * through a heap buffer into the sink. Closing it closes the stream.
 */
final class StreamTransfer implements RangeTransfer {
  private static final int CHUNK = 256 << 10;

  private final InputStream in;
  private final long start;
  private final long end;

  StreamTransfer(InputStream in, long start, long end) {
    this.in = in;
    this.start = start;
    this.end = end;
  }

  @Override
  public long deliverTo(RangeSink sink) throws IOException {
    byte[] chunk = new byte[(int) Math.min(CHUNK, end - start)];
    long position = start;
    while (position < end) {
      int n = in.read(chunk, 0, (int) Math.min(chunk.length, end - position));
      if (n < 0) {
        break;
      }
      if (n > 0) {
        sink.write(ByteBuffer.wrap(chunk, 0, n), position);
        position += n;
      }
    }
    return position - start;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
