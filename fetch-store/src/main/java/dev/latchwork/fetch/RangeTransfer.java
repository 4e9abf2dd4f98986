package dev.latchwork.fetch;

import java.io.Closeable;
import java.io.IOException;

/**
 * One range of a {@link RangeSource} on its way into a {@link RangeSink}: the service provider
 * interface through which a store receives bytes without copying them through an {@code
 * InputStream}.
 *
 * <p>{@link #deliverTo} runs once, on the store's fetching thread. {@link #close()} may be called
 * from any thread, any number of times: it releases the connection or file, and a delivery blocked
 * in it must return promptly with an {@code IOException}.
 */
public interface RangeTransfer extends Closeable {

  /**
   * Delivers the range's bytes, in order from its first byte, into {@code sink}.
   *
   * @param sink where the bytes go
   * @return how many bytes were delivered: the whole range, or fewer if the source ended it early
   *     (the store retries the rest)
   * @throws RangeSourceException if the source refuses the range (see {@link RangeSource#open})
   * @throws IOException on any other failure, or when closed during the delivery
   */
  long deliverTo(RangeSink sink) throws IOException;
}
