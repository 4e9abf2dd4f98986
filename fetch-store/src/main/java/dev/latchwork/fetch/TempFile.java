package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.PositionalWriter;
import dev.latchwork.core.ShutdownGate;
import dev.latchwork.core.internal.FileOps;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's temp file: the one object through which the object's bytes are written and read, and
 * which ends exactly once, deleted or moved to its target, when the store closes and nothing is
 * using it any more.
 *
 * <p>{@link #write} and {@link #read} may be called by any number of threads at once; each enters
 * a {@link ShutdownGate} for the duration of its I/O and throws {@link ClosedStoreException} once
 * the file is closed, so no I/O ever touches a deleted or moved file. {@link #close} (the store's
 * close) closes the gate and the last operation to leave deletes the file; {@link
 * #closeForMove} followed by {@link #moveTo} closes it and then moves it on the calling thread,
 * once the operations in flight have left. An operation that must finish even if the store closes
 * meanwhile (a cache entry's part from its last write to its journaling) {@link #hold holds} the
 * file and does its I/O with the {@code held} forms, which a close does not refuse.
 *
 * <p>Memory consistency effects: actions of a thread before its {@code write} or {@code read}
 * returns, and before {@code close} or {@code closeForMove}, happen-before the file is deleted or
 * moved, and that happens-before {@link #terminated()} opens (or fails).
 */
final class TempFile {
  /*
   * Implementation notes.
   *
   * The gate counts the reads and writes in flight. The disposition (DELETE, or the move target)
   * is claimed by CAS before the gate closes, so close() and closeForMove() race for it and
   * exactly one wins; the loser's store is already closed.
   *
   * Delete: the gate's ending action closes the writer and deletes the file, on whichever thread
   * drains the gate (the closer, or the last read or write to leave). Deleting needs no channel
   * and closing an idle writer looks at no interrupt status, so that thread may be interrupted.
   *
   * Move: the ending action does nothing; moveTo()'s own thread waits for the drain and then
   * forces, closes and moves the file. A move is work that must complete: it must not run on a
   * reader that a server is interrupting (that lost whole downloads), and it must not fail because
   * of the calling thread's interrupt status either, so moveTo waits for the drain without giving
   * up on an interrupt (the operations it waits for are single local file reads and writes) and
   * does the file work with the interrupt status cleared, restoring it before returning. A failed
   * move leaves the temp file where it is: it is the only complete copy.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);
  private static final String PREFIX = "latchwork-fetch-";
  private static final String SUFFIX = ".part";
  private static final Object DELETE = new Object();

  private final int store;
  private final Path path;
  private final PositionalWriter writer;
  private final ShutdownGate gate = new ShutdownGate(this::ended);
  /** A cache entry's file: closing keeps it instead of deleting it. */
  private final boolean keep;
  /** null while open, then DELETE or the Path to move the file to; set once. */
  private final AtomicReference<Object> disposition = new AtomicReference<>();
  /** Opens when the file is gone (deleted or moved); failed if that failed. */
  private final BroadcastLatch terminated = new BroadcastLatch();

  private TempFile(int store, Path path, PositionalWriter writer, boolean keep) {
    this.store = store;
    this.path = path;
    this.writer = writer;
    this.keep = keep;
  }

  /**
   * Opens (creating it owner-only if missing) a cache entry's file at {@code path}, sized sparsely
   * to {@code size} bytes; closing it keeps the file. A file created here is deleted if this
   * throws; an existing one is left as it was.
   *
   * @param store the store's instance number, for logs
   * @throws IOException if the file cannot be created, sized or opened
   */
  static TempFile openKept(Path path, long size, int store) throws IOException {
    boolean created = false;
    if (!Files.exists(path)) {
      FileOps.createOwnerOnly(path);
      created = true;
    }
    try {
      return openSized(path, size, store, true);
    } catch (IOException | RuntimeException | Error e) {
      if (created) {
        Files.deleteIfExists(path);
      }
      throw e;
    }
  }

  /** Opens the writer over {@code path} and sizes the file (sparsely) to at least {@code size}. */
  private static TempFile openSized(Path path, long size, int store, boolean keep)
      throws IOException {
    PositionalWriter writer =
        PositionalWriter.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (size > 0 && Files.size(path) < size) {
        // One byte at the end, overwritten by the last part.
        writer.write(ByteBuffer.allocate(1), size - 1);
      }
      return new TempFile(store, path, writer, keep);
    } catch (IOException | RuntimeException | Error e) {
      writer.close();
      throw e;
    }
  }

  /**
   * Holds the file open (as a read or write in flight does) until {@link #release()}; false if it
   * is closed already. A close meanwhile takes effect, but the file is not released (deleted,
   * moved, or for a kept file closed, and {@link #terminated()} does not open) before the release.
   */
  boolean hold() {
    return gate.enter();
  }

  /** Ends a {@link #hold()}. */
  void release() {
    gate.exit();
  }

  /**
   * Forces the bytes written so far to storage unless the file is closed, holding it meanwhile.
   *
   * @return false if the file was closed (nothing was forced)
   * @throws IOException if the force failed
   */
  boolean forceIfOpen() throws IOException {
    if (!hold()) {
      return false;
    }
    try {
      forceHeld();
      return true;
    } finally {
      release();
    }
  }

  /**
   * Forces the bytes written so far to storage (not the metadata); only while {@link #hold held}.
   *
   * @throws IOException if the force failed
   */
  void forceHeld() throws IOException {
    writer.force(false);
  }

  /**
   * Creates an owner-only temp file in {@code dir}, sized (sparsely) to {@code size} bytes, so
   * that a file system that cannot hold the object fails here, not in the middle of the download.
   * Nothing is left behind if this throws.
   *
   * @param store the store's instance number, for logs
   * @throws IOException if the file cannot be created, sized or opened
   */
  static TempFile create(Path dir, long size, int store) throws IOException {
    Path path = FileOps.createTempOwnerOnly(dir, PREFIX, SUFFIX);
    try {
      return openSized(path, size, store, false);
    } catch (IOException | RuntimeException | Error e) {
      Files.deleteIfExists(path);
      throw e;
    }
  }

  /** Returns the file's path. */
  Path path() {
    return path;
  }

  /**
   * Writes all of {@code src} at {@code position}.
   *
   * @throws ClosedStoreException if the file is closed (nothing was written)
   * @throws TempFileException if the write failed
   */
  void write(ByteBuffer src, long position) throws IOException {
    write(src, position, false);
  }

  /**
   * Writes all of {@code src} at {@code position}; with {@code held} the caller {@linkplain #hold
   * holds} the file, and the write runs even if the file was closed since.
   *
   * @throws ClosedStoreException if not {@code held} and the file is closed (nothing was written)
   * @throws TempFileException if the write failed
   */
  void write(ByteBuffer src, long position, boolean held) throws IOException {
    enter(held);
    try {
      writer.write(src, position);
    } catch (IOException e) {
      throw new TempFileException("writing temp file " + path + " at " + position + " failed", e);
    } finally {
      exit(held);
    }
  }

  /** Enters the gate for one operation, unless the caller holds the file already. */
  private void enter(boolean held) throws ClosedStoreException {
    if (!held && !gate.enter()) {
      throw new ClosedStoreException("fetch aborted: store closed");
    }
  }

  private void exit(boolean held) {
    if (!held) {
      gate.exit();
    }
  }

  /**
   * Copies up to {@code count} bytes of {@code src}, from {@code srcPosition}, to {@code position}
   * of the file with the kernel's file-to-file copy ({@code FileChannel.transferTo}, sendfile on
   * Linux), through a channel of its own opened inside the gate (the writer's channel has no
   * position of its own to give, and the gate keeps the path this file's while it is open). With
   * {@code held} the caller {@linkplain #hold holds} the file, as for {@link #write(ByteBuffer,
   * long, boolean)}.
   *
   * @return bytes copied; 0 only if {@code src} has none at {@code srcPosition}
   * @throws ClosedStoreException if not {@code held} and the file is closed (nothing was written)
   * @throws TempFileException if writing failed
   * @throws IOException if reading {@code src} failed
   */
  long transferFrom(FileChannel src, long srcPosition, long count,
      long position, boolean held) throws IOException {
    enter(held);
    try (FileChannel out =
        FileChannel.open(path, StandardOpenOption.WRITE)) {
      out.position(position);
      return src.transferTo(srcPosition, count, out);
    } catch (ClosedChannelException e) {
      // The source was closed by an abort (or an interrupt): the source's failure, not ours.
      throw e;
    } catch (IOException e) {
      throw new TempFileException("copying into temp file " + path + " at " + position
          + " failed", e);
    } finally {
      exit(held);
    }
  }

  /**
   * Reads exactly {@code len} bytes at {@code position} into {@code dst}, which must have that
   * many remaining; the caller knows they are present.
   *
   * @param hook run inside the gate before the read (a test seam), or null
   * @return {@code len}
   * @throws ClosedStoreException if the file is closed (nothing was read)
   * @throws TempFileException if the file ended early
   * @throws IOException if the read failed (an interrupted reader's as {@link
   *     PositionalWriter#read} says)
   */
  int read(ByteBuffer dst, long position, int len, Runnable hook) throws IOException {
    if (!gate.enter()) {
      throw new ClosedStoreException("read at " + position + ": store closed");
    }
    try {
      return readHeld(dst, position, len, hook);
    } finally {
      gate.exit();
    }
  }

  /**
   * Reads as {@link #read} does while the caller {@linkplain #hold holds} the file (so even if it
   * was closed since).
   */
  int readHeld(ByteBuffer dst, long position, int len, Runnable hook) throws IOException {
    int oldLimit = dst.limit();
    try {
      if (hook != null) {
        hook.run();
      }
      dst.limit(dst.position() + len);
      for (int total = 0; total < len; ) {
        int n = writer.read(dst, position + total);
        if (n < 0) {
          throw new TempFileException("temp file " + path + " ended at " + (position + total)
              + ", before the present range ending at " + (position + len), null);
        }
        total += n;
      }
      return len;
    } finally {
      dst.limit(oldLimit);
    }
  }

  /** Returns true once the file is closed (by {@link #close} or {@link #closeForMove}). */
  boolean isClosed() {
    return disposition.get() != null;
  }

  /**
   * Closes the file for deletion: nothing enters any more, and the last operation to leave (or
   * this call) deletes it. Returns false, changing nothing, if it was already closed.
   */
  boolean close() {
    if (!disposition.compareAndSet(null, DELETE)) {
      return false;
    }
    gate.close();
    return true;
  }

  /**
   * Closes the file for a move to {@code target}, which {@link #moveTo} then performs. Returns
   * false, changing nothing, if it was already closed.
   */
  boolean closeForMove(Path target) {
    if (!disposition.compareAndSet(null, target)) {
      return false;
    }
    gate.close();
    return true;
  }

  /**
   * Performs the move claimed by {@link #closeForMove}, on this thread: waits for the operations
   * in flight to leave, then makes the file durable and moves it to the target (see {@link
   * FileOps#moveDurably}). Not interruptible: an interrupt while this runs is kept (the interrupt
   * status is set on return) and does not stop or fail the move.
   *
   * @throws IOException if the move failed; the message says where the bytes are, and the temp
   *     file is kept if it still holds them
   */
  void moveTo() throws IOException {
    Path target = (Path) disposition.get();
    boolean interrupted = false;
    try {
      for (;;) {
        try {
          gate.drained().await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      interrupted |= Thread.interrupted();
      // Through the writer, which remembers a failed fsync (a write-behind flush's, say): a new
      // descriptor's fsync could report success for pages the kernel dropped after that failure.
      IOException unflushed = null;
      try {
        interrupted |= forceUninterruptibly();
      } catch (IOException e) {
        unflushed = e;
      }
      try {
        writer.close();
      } catch (IOException e) {
        LOG.warn("[FetchStore #{}] closing temp file {} failed", store, path, e);
      }
      if (unflushed != null) {
        throw new IOException("flushing " + path + " to storage before moving it to " + target
            + " failed, so it was not moved; the file is still at " + path, unflushed);
      }
      FileOps.moveDurably(path, target);
      terminated.open();
    } catch (IOException | RuntimeException | Error e) {
      terminated.fail(e);
      throw e;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Forces the file through the writer, waiting out interrupts (a force waiting for another
   * thread's fsync is interruptible); returns whether this thread was interrupted meanwhile, its
   * status cleared.
   */
  private boolean forceUninterruptibly() throws IOException {
    boolean interrupted = false;
    for (;;) {
      try {
        writer.force(false);
        return Thread.interrupted() || interrupted;
      } catch (InterruptedIOException e) {
        interrupted = true;
        Thread.interrupted();
      }
    }
  }

  /** Returns the latch that opens once the file is gone, failed if deleting or moving it failed. */
  BroadcastLatch terminated() {
    return terminated;
  }

  /** The gate's ending action: the file is closed and nothing uses it any more. */
  private void ended() {
    if (disposition.get() != DELETE) {
      return; // moveTo's thread does the rest
    }
    try {
      writer.close();
    } catch (IOException e) {
      LOG.warn("[FetchStore #{}] closing temp file {} failed", store, path, e);
    }
    if (keep) {
      terminated.open();
      return;
    }
    try {
      Files.deleteIfExists(path);
      terminated.open();
    } catch (IOException | RuntimeException e) {
      LOG.warn("[FetchStore #{}] deleting temp file {} failed", store, path, e);
      terminated.fail(e);
    }
  }

  @Override
  public String toString() {
    return path + (isClosed() ? " (closed)" : "");
  }

  /** A failure of the temp file itself, not of the source: never retried. */
  static final class TempFileException extends IOException {
    private static final long serialVersionUID = 1L;

    TempFileException(String message, IOException cause) {
      super(message, cause);
    }
  }
}
