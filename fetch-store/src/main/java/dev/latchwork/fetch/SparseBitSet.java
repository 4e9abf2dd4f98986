package dev.latchwork.fetch;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A fixed-size set of bits, all clear at first, whose memory grows with the bits that were set:
 * bits live in pages allocated when a bit of the page is first set. A store uses it for per-part
 * flags, so that an object claiming billions of parts costs memory only for the parts that are
 * actually touched.
 *
 * <p>Thread-safe and lock-free. A {@link #set} that returned happens-before every {@link #get} of
 * that bit that returns true.
 */
final class SparseBitSet {
  /*
   * Implementation notes: pages is an array of ceil(size / PAGE_BITS) references, null until a
   * bit of the page is set; the first setter installs the page by CAS and a losing racer uses the
   * winner's. With 16384 bits (2 KiB) per page, the reference array for the largest size,
   * Integer.MAX_VALUE bits, is 131072 entries: the only memory not proportional to use.
   */

  private static final int PAGE_SHIFT = 14;
  private static final int PAGE_BITS = 1 << PAGE_SHIFT;
  private static final int WORDS_PER_PAGE = PAGE_BITS / Long.SIZE;

  private final int size;
  private final AtomicReferenceArray<AtomicLongArray> pages;

  /**
   * @param size the number of bits, {@code >= 0}
   */
  SparseBitSet(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size < 0: " + size);
    }
    this.size = size;
    this.pages = new AtomicReferenceArray<>((int) (((long) size + PAGE_BITS - 1) >>> PAGE_SHIFT));
  }

  /** Sets bit {@code i}; returns true if this call changed it from clear to set. */
  boolean set(int i) {
    checkIndex(i);
    AtomicLongArray page = pages.get(i >>> PAGE_SHIFT);
    if (page == null) {
      AtomicLongArray fresh = new AtomicLongArray(WORDS_PER_PAGE);
      AtomicLongArray witness = pages.compareAndExchange(i >>> PAGE_SHIFT, null, fresh);
      page = witness == null ? fresh : witness;
    }
    int word = (i & (PAGE_BITS - 1)) >>> 6;
    long mask = 1L << (i & 63);
    for (;;) {
      long w = page.get(word);
      if ((w & mask) != 0) {
        return false;
      }
      if (page.compareAndSet(word, w, w | mask)) {
        return true;
      }
    }
  }

  /** Returns whether bit {@code i} is set. */
  boolean get(int i) {
    checkIndex(i);
    AtomicLongArray page = pages.get(i >>> PAGE_SHIFT);
    return page != null && (page.get((i & (PAGE_BITS - 1)) >>> 6) & (1L << (i & 63))) != 0;
  }

  /** Returns the number of pages allocated so far (for tests). */
  int pagesAllocated() {
    int n = 0;
    for (int p = 0; p < pages.length(); p++) {
      if (pages.get(p) != null) {
        n++;
      }
    }
    return n;
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("bit " + i + " of " + size);
    }
  }
}
