package dev.latchwork.jcstress.positional;

import dev.latchwork.core.PositionalWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One temporary file per harness class and forked VM, shared by all of that harness's
 * {@code @State} objects: each state claims its own slot (a fixed-size region), the actors write
 * inside it, and the arbiter reads it, zeroes it and gives it back. jcstress builds a fresh state
 * right after each arbiter call, so slots are recycled at once and the file stays as small as the
 * number of states alive at a time, with no file opened or created per iteration.
 */
final class SlotFile {
  /*
   * Implementation notes. A slot is owned by exactly one live state between claim() (its
   * constructor) and release() (its arbiter, the last code touching it); jcstress runs a state's
   * arbiter after both of its actors, so a zeroed, released slot is never written by a stale actor.
   * Zeroing before release makes every state start from zeros, so a lost write cannot be masked by
   * the bytes of the slot's previous owner. The file is deleted when the forked VM exits.
   */

  private final PositionalWriter writer;
  private final int slotSize;
  private final ConcurrentLinkedQueue<Long> free = new ConcurrentLinkedQueue<>();
  private final AtomicLong nextSlot = new AtomicLong();

  private SlotFile(PositionalWriter writer, int slotSize) {
    this.writer = writer;
    this.slotSize = slotSize;
  }

  /** Creates the shared file; it is closed and deleted when the VM exits. */
  static SlotFile create(String name, int slotSize, OpenOption... options) {
    try {
      Path file = Files.createTempFile("latchwork-jcstress-" + name + "-", ".bin");
      file.toFile().deleteOnExit();
      PositionalWriter writer = PositionalWriter.open(file, options);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(writer), "close " + file));
      return new SlotFile(writer, slotSize);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeQuietly(PositionalWriter writer) {
    try {
      writer.close();
    } catch (IOException e) {
      // The VM is exiting and the file is deleted next; nothing left to protect.
      System.err.println("latchwork-jcstress: closing the shared file failed: " + e);
    }
  }

  PositionalWriter writer() {
    return writer;
  }

  /** Claims a slot and returns its file position. */
  long claim() {
    Long recycled = free.poll();
    return recycled != null ? recycled : nextSlot.getAndIncrement() * slotSize;
  }

  /** Reads the whole slot; bytes past the end of the file read as zero. */
  byte[] read(long slot) {
    ByteBuffer dst = ByteBuffer.allocate(slotSize);
    try {
      while (dst.hasRemaining()) {
        if (writer.read(dst, slot + dst.position()) < 0) {
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dst.array();
  }

  /** Zeroes the slot and makes it available to the next state. */
  void release(long slot) {
    try {
      writer.write(ByteBuffer.allocate(slotSize), slot);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    free.add(slot);
  }

  /** A buffer of {@code length} bytes all equal to {@code value}. */
  static ByteBuffer filled(int length, byte value) {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      buffer.put(value);
    }
    return buffer.flip();
  }

  /**
   * Classifies {@code bytes[from, to)}: {@code 0} all zero (nothing written), {@code 1} all
   * {@code 'A'}, {@code 2} all {@code 'B'}, {@code 9} anything else (a torn or mixed range).
   */
  static int classify(byte[] bytes, int from, int to) {
    byte first = bytes[from];
    for (int i = from + 1; i < to; i++) {
      if (bytes[i] != first) {
        return 9;
      }
    }
    return switch (first) {
      case 0 -> 0;
      case 'A' -> 1;
      case 'B' -> 2;
      default -> 9;
    };
  }
}
