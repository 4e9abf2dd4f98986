package dev.latchwork.fetch;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides which part a fetch worker takes next: parts in ascending order, except that parts a
 * reader is waiting for go first, most recent demand first. Every part is handed out at most once,
 * so two readers that need the same part cause a single fetch.
 *
 * <p>Thread-safe and lock-free; {@link #claim()} and {@link #demand(int)} may be called from any
 * number of threads. Memory grows with the parts claimed and demanded, not with the part count, so
 * a source that claims an enormous size costs only what is fetched.
 */
final class PartScheduler {
  /*
   * Implementation notes: claimed bit p goes 0 -> 1 exactly once, by CAS, and that CAS is what
   * hands part p to one worker; everything else is a hint. The cursor only moves forward past parts
   * that are claimed, so the sequential scan is amortised O(1) per part. demanded bit p goes 0 -> 1
   * once so that a part is queued in urgent at most once however many readers wait for it; an
   * urgent entry whose part was meanwhile claimed in order is skipped by the CAS. A demand that
   * races a claim is harmless either way: the part is claimed exactly once, and the reader waits on
   * its latch, not on the scheduler.
   */

  private final int partCount;
  private final SparseBitSet claimed;
  private final SparseBitSet demanded;
  private final ConcurrentLinkedDeque<Integer> urgent = new ConcurrentLinkedDeque<>();
  private final AtomicInteger cursor = new AtomicInteger();

  PartScheduler(int partCount) {
    if (partCount < 0) {
      throw new IllegalArgumentException("partCount < 0: " + partCount);
    }
    this.partCount = partCount;
    this.claimed = new SparseBitSet(partCount);
    this.demanded = new SparseBitSet(partCount);
  }

  /**
   * Asks for part {@code part} to be fetched before the parts in sequential order. Returns true if
   * this call queued it (it was neither claimed nor demanded before).
   */
  boolean demand(int part) {
    checkPart(part);
    if (claimed.get(part) || !demanded.set(part)) {
      return false;
    }
    urgent.addFirst(part);
    return true;
  }

  /** Hands out the next part to fetch, or -1 when every part has been handed out. */
  int claim() {
    for (Integer p = urgent.pollFirst(); p != null; p = urgent.pollFirst()) {
      if (claimed.set(p)) {
        return p;
      }
    }
    for (int c = cursor.get(); c < partCount; c = cursor.get()) {
      boolean mine = claimed.set(c);
      cursor.compareAndSet(c, c + 1);
      if (mine) {
        return c;
      }
    }
    return -1;
  }

  /**
   * Marks part {@code part} as handed out without handing it to anyone (it is present already, as
   * in a cache entry reopened over its file). Returns false if it was claimed before.
   */
  boolean markClaimed(int part) {
    checkPart(part);
    return claimed.set(part);
  }

  /**
   * Returns true if a reader's demand may be waiting to be claimed; a hint, as the class says
   * (an entry whose part was meanwhile claimed in order counts until a claim skips it).
   */
  boolean hasDemand() {
    return !urgent.isEmpty();
  }

  /** Returns true if part {@code part} has been handed out. */
  boolean isClaimed(int part) {
    checkPart(part);
    return claimed.get(part);
  }

  int partCount() {
    return partCount;
  }

  private void checkPart(int part) {
    if (part < 0 || part >= partCount) {
      throw new IndexOutOfBoundsException("part " + part + " of " + partCount);
    }
  }
}
