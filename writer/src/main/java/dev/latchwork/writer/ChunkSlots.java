package dev.latchwork.writer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The state and CRC32C of every chunk of one write, one atomic slot per chunk. A chunk is {@link
 * #EMPTY} (missing), {@link #CLAIMED} (a write is in flight), {@link #WRITTEN} (its write
 * returned) or {@link #RECORDED} (durable and recorded in the checkpoint). Lock-free; safe for use
 * by any number of threads. Actions prior to a slot update happen-before a read that observes it
 * (volatile semantics of {@link AtomicLongArray}).
 */
final class ChunkSlots {
  /*
   * Implementation notes.
   *
   * Per-chunk state lives in one AtomicLongArray slot: state in the high 32 bits, the chunk's
   * CRC32C in the low 32 bits. A writer computes the CRC first and claims the slot with one CAS
   * EMPTY -> CLAIMED|crc, so a second write of the index fails (or, with verifyDuplicates, is
   * compared by CRC) before a byte is written; the claim publishes the CRC with it. After the
   * pwrite the slot becomes WRITTEN; a failed pwrite puts it back to EMPTY, so the chunk is simply
   * missing again and can be retried. A checkpoint round moves WRITTEN -> RECORDED by a CAS that
   * carries the same CRC.
   *
   * Invariants: only the thread whose claim succeeded moves a slot out of CLAIMED (to WRITTEN, or
   * back to EMPTY); a non-EMPTY slot's CRC never changes; RECORDED is final.
   */

  static final long EMPTY = 0;
  static final long CLAIMED = 1;
  static final long WRITTEN = 2;
  static final long RECORDED = 3;

  private final AtomicLongArray slots;

  /** All chunks EMPTY except {@code recorded} (index to CRC32C), which are RECORDED. */
  ChunkSlots(int chunkCount, Map<Long, Integer> recorded) {
    this.slots = new AtomicLongArray(chunkCount);
    for (Map.Entry<Long, Integer> e : recorded.entrySet()) {
      slots.set(e.getKey().intValue(), slot(RECORDED, e.getValue()));
    }
  }

  /** The number of chunks. */
  int length() {
    return slots.length();
  }

  /** The current slot of chunk {@code i}; decode with {@link #state} and {@link #crc}. */
  long get(int i) {
    return slots.get(i);
  }

  /** Claims an EMPTY chunk for a write of content {@code crc}; false if it is not EMPTY. */
  boolean claim(int i, int crc) {
    return slots.compareAndSet(i, EMPTY, slot(CLAIMED, crc));
  }

  /** By the claiming thread: the write failed, the chunk is missing again. */
  void release(int i) {
    slots.set(i, EMPTY);
  }

  /** By the claiming thread: the write returned. */
  void written(int i, int crc) {
    slots.set(i, slot(WRITTEN, crc));
  }

  /** By a checkpoint round: a WRITTEN chunk is now durable and recorded. */
  void recorded(int i, int crc) {
    slots.compareAndSet(i, slot(WRITTEN, crc), slot(RECORDED, crc));
  }

  /** Whether chunk {@code i} is missing (neither written nor being written). */
  boolean isEmpty(int i) {
    return state(slots.get(i)) == EMPTY;
  }

  /** The indices of the EMPTY chunks, ascending; a snapshot. */
  long[] missing() {
    long[] missing = new long[16];
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (isEmpty(i)) {
        if (n == missing.length) {
          missing = Arrays.copyOf(missing, n * 2);
        }
        missing[n++] = i;
      }
    }
    return Arrays.copyOf(missing, n);
  }

  /** Every chunk's CRC32C; exact only when no chunk is EMPTY or CLAIMED. */
  int[] crcs() {
    int[] crcs = new int[slots.length()];
    for (int i = 0; i < crcs.length; i++) {
      crcs[i] = crc(slots.get(i));
    }
    return crcs;
  }

  static long state(long slot) {
    return slot >>> 32;
  }

  static int crc(long slot) {
    return (int) slot;
  }

  private static long slot(long state, int crc) {
    return (state << 32) | (crc & 0xffffffffL);
  }
}
