package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;

/**
 * What a {@link FetchCache} entry adds to its store's {@link Download}: disk space reserved before
 * each part is fetched, and the parts that land (recorded in the cache's journal). Called on
 * the fetch threads; implementations must be thread-safe.
 */
interface DownloadHooks {
  /** What {@link #reserve} decided. */
  enum Reservation {
    /** The space is reserved: fetch the part. */
    GRANTED,
    /** A prefetch that does not fit without waiting: fetch the part only once a reader waits. */
    DEFERRED,
    /** The download or the cache is stopping: do not fetch. */
    STOPPED
  }

  /**
   * Reserves space for part {@code part} before it is fetched. A part a reader waits for
   * ({@code urgent}) may evict unused entries and wait for space; a prefetch only takes space
   * that is free and otherwise is deferred.
   *
   * @param stopped opens when the download stops; a wait must end then
   * @param waiting run at most once, on the calling thread and holding no lock, before the first
   *     wait for space
   * @return the decision
   * @throws InterruptedException if interrupted while waiting
   */
  Reservation reserve(int part, boolean urgent, BroadcastLatch stopped, Runnable waiting)
      throws InterruptedException;

  /**
   * Part {@code part}, whose CRC32C is {@code crc}, was written and is about to become present:
   * called before any reader can see it, so that whoever saw the bytes also finds the part in the
   * entry's state.
   */
  void partPresent(int part, int crc);

  /**
   * Part {@code part} is present and its bytes are forced to storage: it may be journaled. Called
   * while the store's temp file is still held for the part, so a close of the store (and so the
   * cache's close, which waits for its stores' files) waits for this call to return.
   */
  void partDurable(int part, int crc);

  /** The fetch of a reserved part ended without it (failed, aborted or refused). */
  void partAbandoned(int part);

  /**
   * The download stopped (closed, or failed with {@code failure}, null for a close); wakes any
   * wait in {@link #reserve}.
   */
  void stopped(Throwable failure);
}
