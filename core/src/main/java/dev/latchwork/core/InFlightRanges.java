package dev.latchwork.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The set of byte ranges with a write in flight, for {@link PositionalWriter.Option#REJECT_OVERLAPS}.
 * Thread-safe. {@link #register} atomically checks a range against every registered range and adds
 * it if it overlaps none; {@link #release} removes it.
 */
final class InFlightRanges {
  /*
   * Implementation notes.
   *
   * Invariant: the registered ranges are non-empty and pairwise disjoint (register admits only a
   * range that overlaps none of them). So they are totally ordered by start and, equally, by end,
   * and the only registered range that can overlap [start, end) is the one with the greatest start
   * below end: if that one ends at or before start, every range before it does too. The map is
   * keyed by start (unique by disjointness) and holds the end.
   *
   * The lock guards only the map operations, O(log n) each; it is never held across I/O or while
   * waiting for anything, so no caller parks holding it for longer than a map update.
   */

  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  /**
   * Registers {@code [start, end)}, or throws if it overlaps a registered range.
   *
   * @throws OverlappingWriteException naming both ranges, if the range overlaps a registered one;
   *     the range is then not registered
   */
  void register(long start, long end) throws OverlappingWriteException {
    lock.lock();
    try {
      Map.Entry<Long, Long> below = ranges.lowerEntry(end);
      if (below != null && below.getValue() > start) {
        throw new OverlappingWriteException(start, end, below.getKey(), below.getValue());
      }
      ranges.put(start, end);
    } finally {
      lock.unlock();
    }
  }

  /** Removes the range starting at {@code start}, which must have been registered. */
  void release(long start) {
    lock.lock();
    try {
      ranges.remove(start);
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many ranges are registered (for tests). */
  int size() {
    lock.lock();
    try {
      return ranges.size();
    } finally {
      lock.unlock();
    }
  }
}
