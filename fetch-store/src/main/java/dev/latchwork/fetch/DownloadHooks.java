package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;

/**
 * What a {@link FetchCache} entry adds to its store's {@link Download}: disk space reserved before
 * each part is fetched, and the parts that land (recorded in the cache's journal). Called on
 * the fetch threads; implementations must be thread-safe.
 */
interface DownloadHooks {
  /**
   * Reserves space for part {@code part} before it is fetched; may wait for space.
   *
   * @param stopped opens when the download stops; a wait must end then
   * @return false if the part must not be fetched (the download or the cache is stopping)
   * @throws InterruptedException if interrupted while waiting
   */
  boolean reserve(int part, BroadcastLatch stopped) throws InterruptedException;

  /**
   * Part {@code part} is present, its CRC32C {@code crc}; its bytes are durable if {@code
   * durable} (the file was forced), and only then may it be journaled.
   */
  void partPresent(int part, int crc, boolean durable);

  /** The fetch of a reserved part ended without it (failed, aborted or refused). */
  void partAbandoned(int part);

  /**
   * The download stopped (closed, or failed with {@code failure}, null for a close); wakes any
   * wait in {@link #reserve}.
   */
  void stopped(Throwable failure);
}
