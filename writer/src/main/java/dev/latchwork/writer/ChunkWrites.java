package dev.latchwork.writer;

import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.ShutdownGate;
import dev.latchwork.core.internal.Crc32c;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write path of one {@link ChunkWriter}: checks a chunk, claims its slot, writes it at its
 * position while registered as in flight with the {@link WriterPhases}, and counts it. Safe for
 * use by any number of threads; writes of different chunks never wait for each other.
 *
 * <p>Memory consistency effects: actions prior to a write that returned happen-before a progress
 * await that observes the count including it, and (through the phases) the action of the phase
 * that follows.
 */
final class ChunkWrites {
  /*
   * Implementation notes.
   *
   * The CRC is computed before the claim so that a duplicate is refused (or, with
   * verifyDuplicates, compared) without a byte written. A failed pwrite puts the slot back to
   * EMPTY: the chunk is missing again. The progress notifiers are advanced while the write is
   * still in flight, so they are never ended under it: the writer ends them only from a phase's
   * action, after every write has left, and callers hold read-only views.
   */

  private final Path target;
  private final ChunkLayout layout;
  private final boolean verifyDuplicates;
  private final DataFile data;
  private final ChunkSlots slots;
  private final WriterPhases phases;
  private final CheckpointRounds rounds;
  private final ProgressNotifier chunks;
  private final ProgressNotifier bytes;
  private final AtomicLong landed;

  ChunkWrites(Path target, ChunkLayout layout, boolean verifyDuplicates, DataFile data, ChunkSlots slots,
      WriterPhases phases, CheckpointRounds rounds, ProgressNotifier chunks, ProgressNotifier bytes) {
    this.target = target;
    this.layout = layout;
    this.verifyDuplicates = verifyDuplicates;
    this.data = data;
    this.slots = slots;
    this.phases = phases;
    this.rounds = rounds;
    this.chunks = chunks;
    this.bytes = bytes;
    this.landed = new AtomicLong(chunks.get());
  }

  /** Whether every chunk has landed (recovered or written). */
  boolean allLanded() {
    return landed.get() == slots.length();
  }

  /**
   * Writes chunk {@code index} from the remaining bytes of {@code src}; see {@link
   * ChunkWriter#write}.
   *
   * @return true if this write landed the last missing chunk
   */
  boolean write(long index, ByteBuffer src) throws IOException {
    int len = layout.chunkLength(index);
    if (src.remaining() != len) {
      throw new IllegalArgumentException(
          "chunk " + index + " of " + target + " must be " + len + " bytes, got " + src.remaining());
    }
    int i = (int) index;
    int crc = Crc32c.of(src);
    int phase = phases.get();
    if (phase == WriterPhases.ABORTED || phase == WriterPhases.CLOSED) {
      throw phases.notOpen(phase, "write chunk " + index);
    }
    long s = slots.get(i);
    if (ChunkSlots.state(s) != ChunkSlots.EMPTY) {
      duplicate(index, s, crc);
      return false;
    }
    ShutdownGate entered = phases.enter(index);
    boolean last;
    try {
      if (!slots.claim(i, crc)) {
        duplicate(index, slots.get(i), crc);
        return false;
      }
      boolean ok = false;
      try {
        data.write(src.duplicate(), layout.chunkOffset(index));
        ok = true;
      } finally {
        if (!ok) {
          slots.release(i);
        }
      }
      slots.written(i, crc);
      chunks.add(1);
      bytes.add(len);
      last = landed.incrementAndGet() == slots.length();
    } finally {
      WriterPhases.exit(entered);
    }
    src.position(src.limit());
    rounds.chunkWritten();
    return last;
  }

  private void duplicate(long index, long s, int crc) {
    int stored = ChunkSlots.crc(s);
    if (verifyDuplicates) {
      if (stored == crc) {
        return;
      }
      throw new IllegalStateException(
          "chunk " + index + " of " + target + " was already written with different content (CRC32C "
              + FramedFormat.hex(stored) + ", this write " + FramedFormat.hex(crc) + ")");
    }
    throw new IllegalStateException("chunk " + index + " of " + target + " was already written"
        + (ChunkSlots.state(s) == ChunkSlots.CLAIMED ? " (that write is still in flight)" : ""));
  }
}
