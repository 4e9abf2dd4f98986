package dev.latchwork.writer;

import dev.latchwork.core.internal.FileInUseException;
import dev.latchwork.core.internal.RecordLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint of an unfinished chunk write: a layout header followed by a {@link RecordLog} of
 * records {@code (chunk index, chunk CRC32C)} for chunks whose bytes are durable in the data file.
 * Appends are made by one thread at a time (the writer's checkpoint rounds are single-flight).
 */
final class Checkpoint implements Closeable {
  /*
   * Implementation notes.
   *
   * File: a 64-byte layout header (FramedFormat.encodeHeader with CHECKPOINT_MAGIC), then the
   * RecordLog's fixed framing of 12-byte records, [0,8) index, [8,12) chunk CRC32C, each followed
   * by the CRC32C of those 12 bytes xor RECORD_SALT: 16 bytes a record.
   *
   * A record naming an index out of range is corrupt like one that fails its checksum: the
   * RecordLog cuts the log there. A later record for the same index overrides an earlier one (a
   * chunk rewritten after a resume).
   *
   * The RecordLog holds an exclusive lock on the checkpoint for the writer's lifetime, so a second
   * writer - another process or this one - cannot resume the same write at the same time, and
   * refusing one in this process does not drop the lock.
   */

  static final int RECORD_SIZE = 16;
  private static final RecordLog.Framing FRAMING = RecordLog.Framing.fixed(12, 0x4c57434b); // "LWCK"

  private final RecordLog log;

  private Checkpoint(RecordLog log) {
    this.log = log;
  }

  /** The records recovered from an existing checkpoint. */
  record Recovered(Checkpoint checkpoint, ChunkLayout layout, Map<Long, Integer> crcByIndex, long droppedBytes) {}

  /**
   * Creates (or truncates a stale) checkpoint for a new write, owner-only, and makes its header
   * durable.
   */
  static Checkpoint create(Path path, ChunkLayout layout) throws IOException {
    try {
      return new Checkpoint(RecordLog.create(path, FRAMING, FramedFormat.encodeHeader(FramedFormat.CHECKPOINT_MAGIC, layout)));
    } catch (FileInUseException e) {
      throw inUse(e, path);
    }
  }

  /**
   * Opens an existing checkpoint, validates its header, recovers its valid records and truncates
   * a torn or corrupt tail.
   */
  static Recovered open(Path path) throws IOException {
    Map<Long, Integer> crcs = new LinkedHashMap<>();
    ChunkLayout[] layout = new ChunkLayout[1];
    RecordLog log;
    try {
      log = RecordLog.open(path, FRAMING, FramedFormat.HEADER_SIZE, new RecordLog.Recovery() {
        @Override
        public void header(ByteBuffer header) throws IOException {
          layout[0] = FramedFormat.decodeHeader(header, FramedFormat.CHECKPOINT_MAGIC, "checkpoint", path);
        }

        @Override
        public boolean record(ByteBuffer record) {
          long index = record.getLong();
          if (index < 0 || index >= layout[0].chunkCount()) {
            return false;
          }
          crcs.put(index, record.getInt());
          return true;
        }
      });
    } catch (FileInUseException e) {
      throw inUse(e, path);
    }
    return new Recovered(new Checkpoint(log), layout[0], crcs, log.droppedBytes());
  }

  /** Appends {@code n} records and forces them to storage. */
  void append(long[] indices, int[] crcs, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(12);
    for (int i = 0; i < n; i++) {
      b.clear();
      b.putLong(indices[i]).putInt(crcs[i]).flip();
      log.append(b);
    }
    log.force();
  }

  Path path() {
    return log.path();
  }

  /** Deletes the checkpoint while still holding its lock, then releases it; retryable. */
  void delete() throws IOException {
    log.deleteAndClose();
  }

  /** Releases the lock and closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    log.close();
  }

  private static IOException inUse(FileInUseException e, Path path) {
    return new IOException("the unfinished write " + path + " is in use by another ChunkWriter", e);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + path() + "]";
  }
}
