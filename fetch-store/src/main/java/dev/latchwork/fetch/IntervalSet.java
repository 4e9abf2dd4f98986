package dev.latchwork.fetch;

import java.util.Arrays;

/**
 * An immutable set of disjoint, non-adjacent half-open byte ranges {@code [start, end)}: the record
 * of which bytes of the object are present in the temp file.
 *
 * <p>Immutable so that a reader can test "is my range present?" with one volatile read of the
 * current set and a binary search, no lock; the store replaces the set with {@link #add} results
 * through a CAS.
 */
final class IntervalSet {
  /*
   * Implementation notes: bounds holds start0, end0, start1, end1, ... in increasing order with
   * end_i < start_{i+1} (adjacent ranges are always merged, so two ranges never touch). add copies:
   * the number of ranges stays small in practice (parts complete roughly in order and merge), and
   * copying a few thousand longs per completed multi-megabyte part is noise.
   */

  static final IntervalSet EMPTY = new IntervalSet(new long[0], 0);

  private final long[] bounds;
  private final long total;

  private IntervalSet(long[] bounds, long total) {
    this.bounds = bounds;
    this.total = total;
  }

  /** Returns a set holding this set's ranges and {@code [start, end)}. */
  IntervalSet add(long start, long end) {
    checkRange(start, end);
    if (start == end || contains(start, end)) {
      return this;
    }
    int n = bounds.length / 2;
    // first range that ends at or after start (it touches or follows the new range)
    int lo = 0;
    while (lo < n && bounds[2 * lo + 1] < start) {
      lo++;
    }
    // first range that starts after end (it neither touches nor overlaps)
    int hi = lo;
    while (hi < n && bounds[2 * hi] <= end) {
      hi++;
    }
    long newStart = start;
    long newEnd = end;
    long removed = 0;
    for (int i = lo; i < hi; i++) {
      newStart = Math.min(newStart, bounds[2 * i]);
      newEnd = Math.max(newEnd, bounds[2 * i + 1]);
      removed += bounds[2 * i + 1] - bounds[2 * i];
    }
    long[] next = new long[bounds.length - 2 * (hi - lo) + 2];
    System.arraycopy(bounds, 0, next, 0, 2 * lo);
    next[2 * lo] = newStart;
    next[2 * lo + 1] = newEnd;
    System.arraycopy(bounds, 2 * hi, next, 2 * lo + 2, bounds.length - 2 * hi);
    return new IntervalSet(next, total - removed + (newEnd - newStart));
  }

  /** Returns true if every byte of {@code [start, end)} is in the set (always for an empty range). */
  boolean contains(long start, long end) {
    checkRange(start, end);
    if (start == end) {
      return true;
    }
    int i = rangeContaining(start);
    return i >= 0 && bounds[2 * i + 1] >= end;
  }

  /**
   * Returns the end of the run of present bytes starting at {@code position}, or {@code position}
   * itself when that byte is absent.
   */
  long contiguousEnd(long position) {
    int i = rangeContaining(position);
    return i < 0 ? position : bounds[2 * i + 1];
  }

  /** Returns the number of bytes in the set. */
  long totalLength() {
    return total;
  }

  /** Returns the number of disjoint ranges. */
  int rangeCount() {
    return bounds.length / 2;
  }

  /** Returns the index of the range holding byte {@code position}, or -1. */
  private int rangeContaining(long position) {
    int lo = 0;
    int hi = bounds.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (bounds[2 * mid + 1] <= position) {
        lo = mid + 1;
      } else if (bounds[2 * mid] > position) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  private static void checkRange(long start, long end) {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < bounds.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append('[').append(bounds[i]).append(", ").append(bounds[i + 1]).append(')');
    }
    return sb.append('}').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntervalSet other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }
}
