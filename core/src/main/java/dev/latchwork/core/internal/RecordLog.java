package dev.latchwork.core.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An append-only log of self-checksummed records in one file, owned by one {@code RecordLog} in
 * any process at a time: a fixed header, then records that {@link #append} buffers and {@link
 * #force} writes and makes durable in group commits. {@link #open} recovers an existing log:
 * it hands the header and every valid record to a {@link Recovery}, and cuts off a torn or
 * corrupt tail (the first record that is short, fails its checksum or is rejected, and everything
 * after it), so that later appends are not hidden behind it.
 *
 * <p><b>Record format.</b> With {@link Framing#fixed} every record is {@code length} payload bytes
 * followed by the CRC32C of the payload xor the framing's salt; with {@link Framing#variable} a
 * record is a 4-byte big-endian payload length, the payload, then the CRC32C of the length and
 * payload bytes xor the salt. The salt makes an all-zero record (what some file systems show
 * after a crash for space that was allocated but never written) fail its check.
 *
 * <p><b>Ownership.</b> The log holds its file as an {@link ExclusiveFile} (an exclusive {@link
 * java.nio.channels.FileChannel#tryLock() lock}) until it is closed, so a second owner, in another
 * process or in this one, is refused with a {@link FileInUseException}. Refusing never opens the
 * file a second time in this process: POSIX record locks belong to the process, and closing any
 * descriptor of the file would drop them. The lock dies with the process, so a crashed owner
 * never blocks its own recovery.
 *
 * <p><b>Thread safety and memory effects.</b> {@link #append} and {@link #force} are safe from any
 * number of threads. Actions in a thread prior to {@code append(r)} happen-before {@code r} is
 * handed to a {@link Recovery} by a later {@link #open} in this process, and an {@code append}
 * that returned before {@code force()} was called is durable when that {@code force()} returns.
 * {@code force()} callers that arrive while a force runs share the next one. The I/O runs on a
 * descriptor that interrupts cannot close, with the leader's interrupt status cleared and
 * restored, so the callers' interrupts never abort a force that others wait for; a caller waiting
 * for another caller's force is interruptible.
 *
 * <p>Not API: public only so that the other latchwork modules can use it.
 */
public final class RecordLog implements Closeable {
  /*
   * Implementation notes.
   *
   * append() frames the record into `pending` under `lock` (a memory copy, no I/O) and bumps
   * `appended`, the byte count of everything ever appended. force() notes `appended` on arrival;
   * it is done once `durable` (bytes written and fsynced) reaches that. If no force is running it
   * becomes the leader: it takes `pending`, releases the lock, writes the batch at `end` and
   * fsyncs, then takes the lock again to publish `durable` and wake the waiters; the others wait
   * on `changed`. A batch is written in one piece at the end of the file by the single leader, so
   * the file is always a prefix of the appended records: never a hole before a durable record.
   *
   * A failed force (IOException) is sticky: the batch may be half written and, after a failed
   * fsync, Linux may have dropped the dirty pages, so the log refuses every later force; reopening
   * recovers what is valid. An Error is not an I/O failure: the batch goes back in front of
   * `pending` (rewriting it at the same offset is harmless), the Error propagates as itself and
   * the next force tries again.
   *
   * The file is an ExclusiveFile: locked, registered JVM-wide so that a second owner in this
   * process is refused before it opens a descriptor, with I/O through a RandomAccessFile whose
   * reads, writes and FileDescriptor.sync() are not interruptible. deleteAndClose unlinks before
   * releasing, so a log file is only ever deleted by its owner. Recovery is RecordScan.
   */

  private final Path path;
  private final Framing framing;
  private final ExclusiveFile owned;
  private final RandomAccessFile file;
  private final long recoveredRecords;
  private final long droppedBytes;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private byte[] pending = new byte[64];
  private int pendingLength;
  private long appended; // bytes ever appended (after recovery)
  private long durable; // of those, bytes written and forced
  private long end; // file offset of the next batch; written only by the leader
  private boolean running;
  private int waiting;
  private long syncs;
  private IOException failure;
  private boolean closed;
  private volatile IoHook beforeWrite = () -> {}; // a seam for tests: fail or block a force

  /** Test seam: runs in the force leader before its write. */
  interface IoHook {
    void run() throws IOException;
  }

  private RecordLog(Path path, Framing framing, ExclusiveFile owned, long end, long recoveredRecords, long droppedBytes) {
    this.path = path;
    this.framing = framing;
    this.owned = owned;
    this.file = owned.file();
    this.end = end;
    this.recoveredRecords = recoveredRecords;
    this.droppedBytes = droppedBytes;
  }

  /**
   * How records are framed in a log; part of the file format, so a log must be opened with the
   * framing it was created with.
   *
   * @param recordLength the payload length of every record, or 0 for variable-length records
   * @param maxLength the largest payload length accepted
   * @param salt xored into every record's checksum; pick one per kind of log
   */
  public record Framing(int recordLength, int maxLength, int salt) {
    /**
     * Validates the framing.
     *
     * @param recordLength the payload length of every record, or 0 for variable-length records
     * @param maxLength the largest payload length accepted (positive)
     * @param salt xored into every record's checksum
     * @throws IllegalArgumentException if a length is negative or {@code recordLength} exceeds
     *     {@code maxLength}
     */
    public Framing {
      if (recordLength < 0 || maxLength <= 0 || recordLength > maxLength) {
        throw new IllegalArgumentException("bad framing: recordLength " + recordLength + ", maxLength " + maxLength);
      }
    }

    /**
     * Records of exactly {@code length} bytes, stored as the payload and a 4-byte checksum.
     *
     * @param length the payload length of every record (positive)
     * @param salt xored into every record's checksum
     * @return the framing
     */
    public static Framing fixed(int length, int salt) {
      if (length <= 0) {
        throw new IllegalArgumentException("record length must be positive: " + length);
      }
      return new Framing(length, length, salt);
    }

    /**
     * Records of 0 to {@code maxLength} bytes, stored as a 4-byte length, the payload and a 4-byte
     * checksum.
     *
     * @param maxLength the largest payload length (positive); a longer length on recovery is
     *     corruption
     * @param salt xored into every record's checksum
     * @return the framing
     */
    public static Framing variable(int maxLength, int salt) {
      return new Framing(0, maxLength, salt);
    }

    boolean isFixed() {
      return recordLength > 0;
    }
  }

  /** What {@link #open} hands the recovered contents of a log to. */
  public interface Recovery {
    /**
     * Receives the header; throw to refuse the file (nothing is truncated then).
     *
     * @param header the header bytes (position 0, limit the header length); may be shorter than
     *     the header length if the file is
     * @throws IOException to refuse the file, for example a corrupt header
     */
    void header(ByteBuffer header) throws IOException;

    /**
     * Receives one record whose checksum matched, in log order.
     *
     * @param record the payload (position 0, limit its length), valid during the call only
     * @return false to treat the record as corrupt: the log is cut before it
     * @throws IOException to refuse the file (nothing is truncated then)
     */
    boolean record(ByteBuffer record) throws IOException;
  }

  /**
   * Creates a log at {@code path}, or empties a stale one nobody holds, writes {@code header} and
   * forces it; the new log is locked. A new file is created owner-only ({@link
   * FileOps#createOwnerOnly}); the caller syncs the directory if the file's existence must be
   * durable.
   *
   * @param path the log file
   * @param framing the record framing
   * @param header the header bytes (its remaining bytes; position not moved)
   * @return the empty log
   * @throws FileInUseException if another log holds the file, in this or another process
   * @throws IOException on I/O failure
   */
  public static RecordLog create(Path path, Framing framing, ByteBuffer header) throws IOException {
    Objects.requireNonNull(framing, "framing");
    ExclusiveFile owned = ExclusiveFile.acquire(path, true);
    try {
      byte[] h = new byte[header.remaining()];
      header.duplicate().get(h);
      RandomAccessFile f = owned.file();
      f.setLength(0);
      f.seek(0);
      f.write(h);
      f.getFD().sync();
      return new RecordLog(path, framing, owned, h.length, 0, 0);
    } catch (IOException | RuntimeException | Error e) {
      owned.release(e);
      throw e;
    }
  }

  /**
   * Opens and recovers an existing log: hands the first {@code headerLength} bytes and then every
   * valid record to {@code recovery}, truncates a torn or corrupt tail, and returns the locked
   * log, ready for appends after the last valid record.
   *
   * @param path the log file
   * @param framing the framing it was created with
   * @param headerLength the header length
   * @param recovery receives the header and the records
   * @return the recovered log
   * @throws NoSuchFileException if there is no file at {@code path}
   * @throws FileInUseException if another log holds the file, in this or another process
   * @throws IOException if {@code recovery} refused the file, or on I/O failure
   */
  public static RecordLog open(Path path, Framing framing, int headerLength, Recovery recovery) throws IOException {
    Objects.requireNonNull(framing, "framing");
    Objects.requireNonNull(recovery, "recovery");
    ExclusiveFile owned = ExclusiveFile.acquire(path, false);
    try {
      RandomAccessFile f = owned.file();
      long size = f.length();
      byte[] h = new byte[(int) Math.min(headerLength, size)];
      f.seek(0);
      f.readFully(h);
      recovery.header(ByteBuffer.wrap(h).asReadOnlyBuffer());
      RecordScan scan = RecordScan.scan(f, framing, headerLength, size, recovery);
      long dropped = size - scan.end();
      if (dropped > 0) {
        f.setLength(scan.end());
        f.getFD().sync();
      }
      return new RecordLog(path, framing, owned, scan.end(), scan.records(), dropped);
    } catch (IOException | RuntimeException | Error e) {
      owned.release(e);
      throw e;
    }
  }

  /**
   * Appends one record (its remaining bytes; the buffer's position is not moved). No I/O: the
   * record becomes durable with the next {@link #force} that begins after this call returns.
   *
   * @param record the payload: exactly the framing's record length, or at most its maximum
   * @throws IllegalArgumentException if the record has the wrong length
   * @throws IllegalStateException if the log is closed
   */
  public void append(ByteBuffer record) {
    int length = record.remaining();
    if (framing.isFixed() ? length != framing.recordLength() : length > framing.maxLength()) {
      throw new IllegalArgumentException("record of " + length + " bytes does not fit " + framing + " of " + path);
    }
    int headerBytes = framing.isFixed() ? 0 : 4;
    int total = headerBytes + length + 4;
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("record log " + path + " is closed");
      }
      if (pending.length - pendingLength < total) {
        pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + total));
      }
      int at = pendingLength;
      ByteBuffer b = ByteBuffer.wrap(pending, at, total);
      if (headerBytes > 0) {
        b.putInt(length);
      }
      b.put(record.duplicate());
      b.putInt(Crc32c.of(pending, at, headerBytes + length) ^ framing.salt());
      pendingLength += total;
      appended += total;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes every record appended before this call durable: returns once a write and fsync that
   * began after this call began has succeeded. Callers arriving while one runs share the next.
   *
   * @throws IOException if the write or fsync failed (to every caller it covered), or an earlier
   *     one did (sticky: reopen the log to recover what is valid)
   * @throws InterruptedIOException if interrupted while waiting for another caller's force; the
   *     interrupt status is then set
   */
  public void force() throws IOException {
    byte[] batch;
    int batchLength;
    long batchEnd;
    long writeAt;
    lock.lock();
    try {
      long arrival = appended;
      for (;;) {
        if (failure != null) {
          throw new IOException("an earlier write or fsync of the record log " + path + " failed", failure);
        }
        if (closed) {
          throw new IOException("record log " + path + " is closed");
        }
        if (durable >= arrival) {
          return;
        }
        if (!running) {
          break;
        }
        waiting++;
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw (InterruptedIOException) new InterruptedIOException(
              "interrupted while waiting for a force of " + path).initCause(e);
        } finally {
          waiting--;
        }
      }
      running = true;
      batch = pending;
      batchLength = pendingLength;
      batchEnd = appended;
      writeAt = end;
      pending = new byte[Math.max(64, batchLength)];
      pendingLength = 0;
    } finally {
      lock.unlock();
    }
    boolean interrupted = Thread.interrupted(); // the force is not a wait: others depend on it
    Throwable thrown = null;
    try {
      beforeWrite.run();
      file.seek(writeAt);
      file.write(batch, 0, batchLength);
      file.getFD().sync();
    } catch (IOException | RuntimeException | Error e) {
      thrown = e;
      throw e;
    } finally {
      lock.lock();
      try {
        running = false;
        if (thrown == null) {
          syncs++;
          end = writeAt + batchLength;
          durable = batchEnd;
        } else if (thrown instanceof IOException io) {
          failure = io;
        } else {
          // not an I/O failure: keep the batch for the next force, in front of what came since
          byte[] merged = Arrays.copyOf(batch, batchLength + pendingLength);
          System.arraycopy(pending, 0, merged, batchLength, pendingLength);
          pending = merged;
          pendingLength += batchLength;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The file of this log.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  /**
   * How many valid records {@link #open} recovered (0 for a created log).
   *
   * @return the number of records handed to the recovery
   */
  public long recoveredRecords() {
    return recoveredRecords;
  }

  /**
   * How many bytes of torn or corrupt tail {@link #open} cut off (0 for a created log).
   *
   * @return the number of bytes truncated
   */
  public long droppedBytes() {
    return droppedBytes;
  }

  /**
   * Releases the lock and closes the file; records appended since the last {@link #force} are
   * lost. Idempotent.
   *
   * @throws IOException if closing fails (the lock is released regardless)
   */
  @Override
  public void close() throws IOException {
    if (markClosed()) {
      owned.close();
    }
  }

  /**
   * Deletes the file and closes this log. The file is unlinked while the lock is still held
   * (where the platform allows deleting an open file), so nobody can take over a log that is
   * about to vanish. If the deletion fails the log stays open and locked, so that the call can
   * be retried.
   *
   * @throws IOException if the file cannot be deleted or closed
   */
  public void deleteAndClose() throws IOException {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Some platforms refuse to delete an open file: close first, then delete.
      close();
      Files.deleteIfExists(path);
      return;
    }
    close();
  }

  private boolean markClosed() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  void beforeWrite(IoHook hook) {
    beforeWrite = hook;
  }

  /** For tests: callers waiting for another caller's force, and forces that succeeded. */
  int waiting() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  long syncs() {
    lock.lock();
    try {
      return syncs;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RecordLog[" + path + "]";
  }
}
