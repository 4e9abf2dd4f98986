package dev.latchwork.writer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A data file on a disk that fills up: writes succeed until {@code budget} bytes have been
 * written in total, then the write that crosses it writes what still fits and fails with "No
 * space left on device", as a real pwrite does (ENOSPC after a short write).
 */
final class FullDiskDataFile extends ChannelDataFile {
  private final AtomicLong budget;

  private FullDiskDataFile(Path file, AtomicLong budget) throws IOException {
    super(file);
    this.budget = budget;
  }

  /** An opener whose files share one budget of {@code bytes}. */
  static DataFile.Opener withBudget(long bytes) {
    AtomicLong budget = new AtomicLong(bytes);
    return file -> new FullDiskDataFile(file, budget);
  }

  @Override
  public void write(ByteBuffer src, long position) throws IOException {
    int want = src.remaining();
    long before = budget.getAndAdd(-want);
    int allowed = (int) Math.max(0, Math.min(want, before));
    if (allowed > 0) {
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + allowed);
      long at = position;
      while (part.hasRemaining()) {
        at += channel.write(part, at);
      }
      src.position(src.position() + allowed);
    }
    if (allowed < want) {
      throw new IOException("No space left on device");
    }
  }
}
