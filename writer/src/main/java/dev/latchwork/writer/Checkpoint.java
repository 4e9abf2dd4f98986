package dev.latchwork.writer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint of an unfinished chunk write: a layout header followed by an append-only log of
 * records {@code (chunk index, chunk CRC32C)} for chunks whose bytes are durable in the data file.
 * Appends are made by one thread at a time (the writer's checkpoint rounds are single-flight).
 */
final class Checkpoint implements Closeable {
  /*
   * Implementation notes.
   *
   * File: a 64-byte layout header (FramedFormat.encodeHeader with CHECKPOINT_MAGIC), then 16-byte
   * records: [0,8) index, [8,12) chunk CRC32C, [12,16) CRC32C of bytes [0,12) xor RECORD_SALT.
   * The salt makes an all-zero record (what some file systems show after a crash for space that
   * was allocated but never written) fail its check, as well as any other torn write.
   *
   * Recovery reads records until the first one that is short, fails its checksum, or names an
   * index out of range; everything from there on is a torn or corrupt tail, never trusted, and
   * is truncated away so that later appends are not hidden behind it. A later record for the
   * same index overrides an earlier one (a chunk rewritten after a resume).
   *
   * The writer holds an exclusive lock on the checkpoint (FileChannel.tryLock) for its lifetime,
   * so a second writer - another process or this one - cannot resume the same write at the same
   * time. The lock dies with the process, so a crashed writer never blocks its own recovery.
   */

  static final int RECORD_SIZE = 16;
  private static final int RECORD_SALT = 0x4c57434b; // "LWCK"

  private final Path path;
  private final FileChannel channel;
  private final FileLock lock;
  private long end; // confined to the appending thread; rounds are ordered by the writer

  private Checkpoint(Path path, FileChannel channel, FileLock lock, long end) {
    this.path = path;
    this.channel = channel;
    this.lock = lock;
    this.end = end;
  }

  /** The records recovered from an existing checkpoint. */
  record Recovered(Checkpoint checkpoint, ChunkLayout layout, Map<Long, Integer> crcByIndex, long droppedBytes) {}

  /** Creates (or truncates a stale) checkpoint for a new write and makes its header durable. */
  static Checkpoint create(Path path, ChunkLayout layout, FileAttribute<?>... attributes) throws IOException {
    FileChannel ch = FileChannel.open(
        path, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE), attributes);
    try {
      FileLock lock = lock(ch, path);
      ch.truncate(0);
      FileIo.writeFully(ch, FramedFormat.encodeHeader(FramedFormat.CHECKPOINT_MAGIC, layout), 0);
      ch.force(true);
      return new Checkpoint(path, ch, lock, FramedFormat.HEADER_SIZE);
    } catch (IOException | RuntimeException e) {
      FileIo.closeQuietly(ch, e);
      throw e;
    }
  }

  /**
   * Opens an existing checkpoint, validates its header, recovers its valid records and truncates
   * a torn or corrupt tail.
   */
  static Recovered open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FileLock lock = lock(ch, path);
      long size = ch.size();
      ByteBuffer header = FileIo.readAt(ch, FramedFormat.HEADER_SIZE, 0);
      ChunkLayout layout = FramedFormat.decodeHeader(header, FramedFormat.CHECKPOINT_MAGIC, "checkpoint", path);
      long count = layout.chunkCount();
      Map<Long, Integer> crcs = new LinkedHashMap<>();
      long at = FramedFormat.HEADER_SIZE;
      ByteBuffer block = ByteBuffer.allocate(RECORD_SIZE * 4096);
      scan:
      while (at < size) {
        block.clear();
        FileIo.readUpTo(ch, block, at);
        block.flip();
        if (block.remaining() < RECORD_SIZE) {
          break;
        }
        while (block.remaining() >= RECORD_SIZE) {
          int from = block.position();
          long index = block.getLong();
          int crc = block.getInt();
          int check = block.getInt();
          int expected = Crc32c.of(block.array(), from, 12) ^ RECORD_SALT;
          if (check != expected || index < 0 || index >= count) {
            break scan;
          }
          crcs.put(index, crc);
          at += RECORD_SIZE;
        }
      }
      long dropped = size - at;
      if (dropped > 0) {
        ch.truncate(at);
        ch.force(true);
      }
      return new Recovered(new Checkpoint(path, ch, lock, at), layout, crcs, dropped);
    } catch (IOException | RuntimeException e) {
      FileIo.closeQuietly(ch, e);
      throw e;
    }
  }

  /** Appends {@code n} records and forces them to storage. */
  void append(long[] indices, int[] crcs, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n * RECORD_SIZE);
    for (int i = 0; i < n; i++) {
      int from = b.position();
      b.putLong(indices[i]).putInt(crcs[i]);
      b.putInt(Crc32c.of(b.array(), from, 12) ^ RECORD_SALT);
    }
    b.flip();
    FileIo.writeFully(channel, b, end);
    channel.force(true);
    end += (long) n * RECORD_SIZE;
  }

  Path path() {
    return path;
  }

  /** Releases the lock and closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      try {
        lock.release();
      } finally {
        channel.close(); // releases the lock too, if release() failed
      }
    }
  }

  private static FileLock lock(FileChannel ch, Path path) throws IOException {
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw new IOException("the unfinished write " + path + " is in use by another ChunkWriter");
    }
    return lock;
  }

  @Override
  public String toString() {
    return "Checkpoint[" + path + "]";
  }
}
