package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.PositionalWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifetime of a store's temp file: counts the threads that may touch the file right now (a
 * reader inside its file read, a fetch inside a write), and once the store is closed and the last
 * of them has left, closes the writer and deletes the file or moves it to its target, exactly once.
 *
 * <p>A thread uses {@link #writer()} only between an {@link #enter()} that returned true and the
 * matching {@link #leave()}. Actions of every thread before its {@code leave()} (and of the thread
 * that called {@link #shutOut}) happen-before the file is closed and disposed of, and that
 * happens-before {@link #terminated()} opens (or fails, if the move failed).
 */
final class TempFileLifetime {
  /*
   * Implementation notes.
   *
   * users counts the users in units of 2; bit 0 is the closed flag. enter() increments unless
   * closed; shutOut() sets the flag. Exactly one thread sees "closed and no users" (shutOut()
   * itself if there were none, else the last leave()) and it closes the writer and deletes or
   * moves the temp file. Nothing can enter after the flag is set, so nothing can touch the file
   * after it is gone; that is the whole argument for the reader-enters-while-closing race.
   *
   * disposition is null while the store is open, then DELETE or the Path to move the file to; it is
   * set once, before the flag, by whichever of close() and moveTo() wins.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);
  private static final long CLOSED = 1L;
  private static final long USER = 2L;
  private static final Object DELETE = new Object();

  private final int store;
  private final Path tempFile;
  private final PositionalWriter writer;
  private final AtomicLong users = new AtomicLong();
  /** null while open, then DELETE or the Path to move the temp file to; set once. */
  private final AtomicReference<Object> disposition = new AtomicReference<>();
  /** Opens when the temp file is gone (deleted or moved); failed if the move failed. */
  private final BroadcastLatch terminated = new BroadcastLatch();

  /**
   * @param store the store's instance number, for logs
   * @param tempFile the temp file, owned from now on
   * @param writer the open writer over {@code tempFile}, owned from now on
   */
  TempFileLifetime(int store, Path tempFile, PositionalWriter writer) {
    this.store = store;
    this.tempFile = tempFile;
    this.writer = writer;
  }

  Path tempFile() {
    return tempFile;
  }

  /** The temp file's writer; use it only between a successful {@link #enter()} and its leave. */
  PositionalWriter writer() {
    return writer;
  }

  /** Returns the latch that opens once the temp file is gone, failed if the move failed. */
  BroadcastLatch terminated() {
    return terminated;
  }

  /** Returns true once the store is closed (a close or a move has claimed the file). */
  boolean isDisposed() {
    return disposition.get() != null;
  }

  /** Claims the file for deletion; false if a close or move claimed it first. */
  boolean disposeByDeleting() {
    return disposition.compareAndSet(null, DELETE);
  }

  /** Claims the file for a move to {@code target}; false if a close or move claimed it first. */
  boolean disposeByMovingTo(Path target) {
    return disposition.compareAndSet(null, target);
  }

  /** Registers a user of the file; false (and no user registered) if the store is closed. */
  boolean enter() {
    for (;;) {
      long s = users.get();
      if ((s & CLOSED) != 0) {
        return false;
      }
      if (users.compareAndSet(s, s + USER)) {
        return true;
      }
    }
  }

  /** Unregisters a user; the last user to leave a closed store disposes of the file. */
  void leave() {
    if (users.addAndGet(-USER) == CLOSED) {
      terminate();
    }
  }

  /**
   * Closes the file to new users, runs {@code whileClosing}, and disposes of the file if nobody was
   * using it (else the last user to leave does). Called once, after a dispose method won.
   */
  void shutOut(Runnable whileClosing) {
    long previous = users.getAndUpdate(s -> s | CLOSED);
    whileClosing.run();
    if (previous == 0) {
      terminate();
    }
  }

  /** Runs exactly once, when the store is closed and nothing can touch the temp file. */
  private void terminate() {
    // This may run on a fetch thread that close() just interrupted (shutdownNow of the owned
    // executor). Nothing uses the writer any more, so its close() has nothing to wait for and
    // does not look at the interrupt status.
    try {
      writer.close();
    } catch (IOException e) {
      LOG.warn("[FetchStore #{}] closing temp file {} failed", store, tempFile, e);
    }
    Object target = disposition.get();
    try {
      if (target instanceof Path moveTarget) {
        move(moveTarget);
      }
      Files.deleteIfExists(tempFile);
      terminated.open();
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tempFile);
      terminated.fail(e);
      if (!(target instanceof Path)) {
        LOG.warn("[FetchStore #{}] deleting temp file {} failed", store, tempFile, e);
      }
    }
  }

  private void move(Path target) throws IOException {
    try {
      Files.move(tempFile, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(target.toAbsolutePath().getParent());
    } catch (AtomicMoveNotSupportedException crossDevice) {
      Path dir = target.toAbsolutePath().getParent();
      Path sibling = Files.createTempFile(dir, ".latchwork-move-", ".part");
      try {
        Files.copy(tempFile, sibling, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch =
            FileChannel.open(sibling, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(sibling, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException | RuntimeException e) {
        deleteQuietly(sibling);
        throw e;
      }
      syncDirectory(dir);
    }
  }

  /** Makes a rename durable where the platform allows syncing a directory (Linux does). */
  private void syncDirectory(Path dir) {
    if (dir == null) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("[FetchStore #{}] cannot sync directory {} (not supported here?)", store, dir, e);
    }
  }

  private void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("[FetchStore #{}] could not delete {}", store, file, e);
    }
  }
}
