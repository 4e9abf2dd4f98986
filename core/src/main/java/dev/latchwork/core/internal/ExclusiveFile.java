package dev.latchwork.core.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file held exclusively by one owner in any process: locked with {@link FileChannel#tryLock()}
 * and registered in this JVM, so that a second owner, in this process or another, is refused with
 * a {@link FileInUseException}, and refusing one never drops the lock. I/O goes through {@link
 * #file()}, a {@link RandomAccessFile} whose reads, writes and {@code getFD().sync()} no interrupt
 * can abort. The lock dies with the process, so a crashed owner never blocks its own recovery.
 *
 * <p>Not API: public only so that the other latchwork modules can use it. {@link #acquire} and
 * {@link #close} are safe from any thread; the file itself is the owner's to coordinate.
 */
public final class ExclusiveFile implements Closeable {
  /*
   * Implementation notes.
   *
   * POSIX record locks belong to the process, and closing any descriptor of a file drops all of
   * them: a second owner in this process that merely opened and closed the file to find it
   * locked would release the first owner's lock. HELD is therefore the JVM-wide set of file keys
   * (device and inode; the real path where the file system has no keys) of held files: a key is
   * taken before the file is opened and given back after it is closed, so a second owner in this
   * process is refused before it opens a descriptor. Within this process a held file is only
   * deleted by its owner, so between taking the key and opening the file its inode cannot change;
   * the key is checked again after locking in case another process replaced the file.
   *
   * The FileChannel is used only to take the lock, with the caller's interrupt status cleared, so
   * no interrupt can close it (which would drop the lock).
   */

  private static final Set<Object> HELD = ConcurrentHashMap.newKeySet();

  private final Object key;
  private final FileChannel channel;
  private final FileLock lock;
  private final RandomAccessFile file;

  private ExclusiveFile(Object key, FileChannel channel, FileLock lock, RandomAccessFile file) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
    this.file = file;
  }

  /**
   * Opens and locks {@code path}, creating it owner-only ({@link FileOps#createOwnerOnly}) if
   * {@code create} and it does not exist.
   *
   * @param path the file
   * @param create whether to create a missing file
   * @return the held file
   * @throws NoSuchFileException if the file does not exist and {@code create} is false
   * @throws FileInUseException if another owner holds the file, in this process or another
   * @throws IOException on I/O failure
   */
  public static ExclusiveFile acquire(Path path, boolean create) throws IOException {
    for (;;) {
      Object key;
      try {
        key = keyOf(path);
      } catch (NoSuchFileException e) {
        if (!create) {
          throw e;
        }
        try {
          FileOps.createOwnerOnly(path);
        } catch (FileAlreadyExistsException raced) {
          // someone else created it first: lock theirs (or be refused)
        }
        continue;
      }
      if (!HELD.add(key)) {
        throw inUse(path);
      }
      ExclusiveFile owned = null;
      try {
        owned = lockKeyed(path, key);
      } finally {
        if (owned == null) {
          HELD.remove(key);
        }
      }
      if (owned != null) {
        return owned;
      } // else the file was replaced under us (by another process): look again
    }
  }

  /** Opens and locks the file whose key the caller holds; null if the path no longer names it. */
  private static ExclusiveFile lockKeyed(Path path, Object key) throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      return null; // deleted by another process since we looked
    }
    RandomAccessFile raf = null;
    try {
      FileLock lock;
      boolean interrupted = Thread.interrupted(); // an interrupt would close the channel
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // cannot happen while we hold the key; treated as in use
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      if (lock == null) {
        throw inUse(path); // another process: closing our descriptor drops nothing of ours
      }
      raf = new RandomAccessFile(path.toFile(), "rw");
      Object now;
      try {
        now = keyOf(path);
      } catch (NoSuchFileException e) {
        now = null;
      }
      if (!key.equals(now)) {
        raf.close();
        ch.close();
        return null;
      }
      return new ExclusiveFile(key, ch, lock, raf);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(e, raf);
      closeQuietly(e, ch);
      throw e;
    }
  }

  private static Object keyOf(Path path) throws IOException {
    Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    return key != null ? key : path.toRealPath();
  }

  private static FileInUseException inUse(Path path) {
    return new FileInUseException(path);
  }

  private static void closeQuietly(Throwable primary, Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        primary.addSuppressed(e);
      }
    }
  }

  /**
   * Closes after a failure of the caller, adding close failures to it.
   *
   * @param primary the caller's failure
   */
  public void release(Throwable primary) {
    try {
      close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  /**
   * The file, for positional I/O with {@code seek}; its operations are not interruptible.
   *
   * @return the open file
   */
  public RandomAccessFile file() {
    return file;
  }

  /**
   * Releases the lock, closes the file and gives the name back to this process; call it once.
   *
   * @throws IOException if closing fails (the lock and the registration are released anyway)
   */
  @Override
  public void close() throws IOException {
    try {
      try {
        lock.release();
      } finally {
        try {
          file.close();
        } finally {
          channel.close();
        }
      }
    } finally {
      HELD.remove(key);
    }
  }
}
