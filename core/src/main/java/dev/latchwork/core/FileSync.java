package dev.latchwork.core;

import java.io.Closeable;
import java.io.IOException;

/**
 * Makes the data of one file durable: the fsync behind {@link PositionalWriter#force}. A seam so
 * that tests can count, block and fail fsyncs.
 */
interface FileSync extends Closeable {
  /**
   * Flushes every modified byte of the file (and its metadata if {@code metaData}, or when the
   * implementation cannot tell the two apart) to the storage device.
   */
  void sync(boolean metaData) throws IOException;
}
