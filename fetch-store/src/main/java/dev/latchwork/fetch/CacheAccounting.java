package dev.latchwork.fetch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts of a {@link CacheIndex}: the bytes counted against {@code maxBytes} (in total and
 * per entry, {@link CacheEntry#accounted}), whether a part fits in the budget and leaves the file
 * system's minimum free space, and the counters {@link FetchCacheStats} reports.
 *
 * <p>Not thread-safe: every method but {@link #usableSpace()} must be called with the index's
 * lock held (which also guards {@code accounted}). {@link #usableSpace()} asks the file system
 * and must be called without the lock; it reads final fields only.
 */
final class CacheAccounting {
  /*
   * Implementation notes.
   *
   * Every entry's `accounted` is the bytes of its present parts, of parts being fetched (reserved
   * before the fetch) and of "dirty" parts (reserved, then abandoned half written: their bytes
   * may be on disk, so they stay counted until the part completes in a later store or the entry
   * is deleted). `used` is the sum over every entry whose file still exists, including removed
   * ones not yet deleted; a reservation only succeeds if used + part <= maxBytes. So used <=
   * maxBytes at every moment, and stats report `used`.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchCache.class);

  private final Path objects;
  private final long maxBytes;
  private final long minFreeBytes;
  private long used;
  private long hits;
  private long misses;
  private long evictions;
  private long resumedBytes;

  CacheAccounting(Path objects, long maxBytes, long minFreeBytes) {
    this.objects = objects;
    this.maxBytes = maxBytes;
    this.minFreeBytes = minFreeBytes;
  }

  /** Counts the bytes {@code e} already accounts for (an entry recovered at start-up). */
  void add(CacheEntry e) {
    used += e.accounted;
  }

  boolean overBudget() {
    return used > maxBytes;
  }

  /** True if {@code bytes} more stay within {@code maxBytes}. */
  boolean fits(long bytes) {
    return used + bytes <= maxBytes;
  }

  /**
   * The file system's usable space, or {@code Long.MAX_VALUE} when there is no {@code
   * minFreeBytes} to keep or it cannot be read. I/O: call without the lock.
   */
  long usableSpace() {
    if (minFreeBytes <= 0) {
      return Long.MAX_VALUE;
    }
    try {
      return Files.getFileStore(objects).getUsableSpace();
    } catch (IOException e) {
      LOG.debug("[FetchCache] cannot read the free space of {}", objects, e);
      return Long.MAX_VALUE;
    }
  }

  /** True if taking {@code bytes} of {@code usable} leaves {@code minFreeBytes}. */
  boolean leavesFree(long usable, long bytes) {
    return usable == Long.MAX_VALUE || usable - bytes >= minFreeBytes;
  }

  /** Counts {@code bytes} reserved for a part of {@code e}. */
  void charge(CacheEntry e, long bytes) {
    used += bytes;
    e.accounted += bytes;
  }

  /** Stops counting {@code e}'s bytes: its file is deleted. */
  void discharge(CacheEntry e) {
    used -= e.accounted;
    e.accounted = 0;
  }

  /** Adds {@code bytes} (negative: takes them away) to the bytes resumed from an earlier run. */
  void resumed(long bytes) {
    resumedBytes += bytes;
  }

  void evicted() {
    evictions++;
  }

  /** Counts a read that found its bytes present ({@code hit}) or had to wait. */
  void read(boolean hit) {
    if (hit) {
      hits++;
    } else {
      misses++;
    }
  }

  FetchCacheStats stats(int entries) {
    return new FetchCacheStats(entries, used, hits, misses, evictions, resumedBytes);
  }

  @Override
  public String toString() {
    return used + " of " + maxBytes + " bytes, " + evictions + " evictions";
  }
}
