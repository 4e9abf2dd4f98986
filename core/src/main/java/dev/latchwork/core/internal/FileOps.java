package dev.latchwork.core.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * Durable file-system steps shared by latchwork's modules: syncing a directory, creating files
 * only their owner can read, and moving a file so that the move survives a crash.
 *
 * <p><b>Not API.</b> This package is public only so that latchwork's own modules can share it;
 * it may change in any release. Use {@code dev.latchwork.core} instead.
 *
 * <p><b>Interrupts.</b> Every method runs to completion whatever the interrupt status of the
 * calling thread, and whatever other threads do: it uses no channel that an interrupt could close
 * under it except the directory channel of {@link #syncDirectory}, around which the caller's
 * interrupt status is cleared and restored (and a sync cut short by an interrupt that arrives
 * during it is retried). A caller's interrupt status is the same on return (normal or abrupt) as
 * on entry, or set if it was interrupted meanwhile. Work that must complete (a move, an fsync)
 * therefore never depends on any thread's interrupt status.
 *
 * <p>All methods are safe to call from any number of threads; they take no lock.
 */
public final class FileOps {
  /*
   * Implementation notes.
   *
   * Regular files are synced through RandomAccessFile.getFD().sync(): fsync(2) on a descriptor that
   * is not an InterruptibleChannel, so neither this thread's interrupt status nor an interrupt
   * arriving during the call can close it or turn a successful fsync into
   * ClosedByInterruptException. Files.move, Files.copy (without ExtendedCopyOption.INTERRUPTIBLE)
   * and Files.delete are plain system calls, not interruptible either. A directory cannot be
   * opened by RandomAccessFile, so syncDirectory uses FileChannel.force and protects it by
   * clearing the interrupt status first (begin() would otherwise close the channel at once) and
   * retrying on a fresh channel if an interrupt lands during the fsync; the status is restored in
   * a finally block.
   *
   * moveDurably never deletes the only complete copy: the source is deleted only after the target
   * is complete, fsynced and renamed into place and its directory is synced; a failure before that
   * deletes only the sibling temp file this method created.
   */

  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private FileOps() {}

  /**
   * Flushes a directory to storage, so that the creation, deletion or renaming of its entries
   * survives a crash (fsync of the directory, on platforms that allow it).
   *
   * @param dir the directory
   * @return {@code true} if the directory was synced; {@code false} if this platform or file
   *     system does not let a directory be opened or synced (Windows, some network and FUSE file
   *     systems), where entries are as durable as the file system makes them
   * @throws NoSuchFileException if {@code dir} does not exist
   * @throws NotDirectoryException if {@code dir} is not a directory
   * @throws IOException if the sync itself reported an I/O error
   * @throws NullPointerException if {@code dir} is null
   */
  public static boolean syncDirectory(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    if (!Files.isDirectory(dir)) {
      if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(dir.toString(), null, "cannot sync a missing directory");
      }
      throw new NotDirectoryException(dir.toString());
    }
    boolean interrupted = Thread.interrupted();
    try {
      for (;;) {
        FileChannel channel;
        try {
          channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (FileSystemException | UnsupportedOperationException e) {
          return false; // the platform refuses to open a directory
        }
        try (channel) {
          channel.force(true);
          return true;
        } catch (ClosedByInterruptException e) {
          interrupted |= Thread.interrupted(); // someone interrupted us during the fsync: again
        } catch (IOException e) {
          if (isUnsupported(e)) {
            return false;
          }
          throw e;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Creates a new, empty file that only its owner can read and write ({@code rw-------} where the
   * file system supports POSIX permissions; elsewhere the file system's defaults).
   *
   * @param file the file to create
   * @return {@code file}
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists
   * @throws IOException if the file cannot be created
   * @throws NullPointerException if {@code file} is null
   */
  public static Path createOwnerOnly(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    return Files.createFile(file, ownerOnly(file));
  }

  /**
   * Creates a new, empty file with a fresh name in {@code dir} that only its owner can read and
   * write, as {@link Files#createTempFile(Path, String, String, FileAttribute...)} does with
   * {@code rw-------} (where the file system supports POSIX permissions).
   *
   * @param dir the directory to create it in
   * @param prefix the start of the file name, or {@code null}
   * @param suffix the end of the file name, or {@code null} for {@code ".tmp"}
   * @return the new file
   * @throws IOException if the file cannot be created
   * @throws NullPointerException if {@code dir} is null
   */
  public static Path createTempOwnerOnly(Path dir, String prefix, String suffix)
      throws IOException {
    Objects.requireNonNull(dir, "dir");
    return Files.createTempFile(dir, prefix, suffix, ownerOnly(dir));
  }

  /**
   * Moves the regular file {@code from} to {@code to}, replacing {@code to} if it exists, so that
   * once this method returns the move survives a crash: {@code to} then has all of {@code from}'s
   * bytes on storage and {@code from} is gone.
   *
   * <p>On one file system: {@code from} is fsynced, atomically renamed onto {@code to}, and the
   * directories of both are synced. Across file systems (where an atomic rename is impossible):
   * {@code from} is copied to a new hidden sibling of {@code to}, the copy is fsynced and
   * atomically renamed onto {@code to}, {@code to}'s directory is synced, and only then is {@code
   * from} deleted (and its directory synced). So {@code to} is never seen half-written, and at
   * every moment one complete copy exists.
   *
   * <p>A failed move never deletes the source: if this method throws, {@code from} still holds
   * every byte (the exception names it), unless the exception says that the rename onto {@code to}
   * already happened, in which case the bytes are at {@code to}. A sibling copy this method created
   * is deleted again on failure. Runs to completion whatever the interrupt status of any thread
   * (see the class comment).
   *
   * @param from the file to move, a regular file
   * @param to where it goes; its directory must exist
   * @throws NoSuchFileException if {@code from} does not exist
   * @throws IOException if the move failed; the message says where the complete bytes are
   * @throws NullPointerException if {@code from} or {@code to} is null
   */
  public static void moveDurably(Path from, Path to) throws IOException {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Path toDir = parentOf(to);
    Path fromDir = parentOf(from);
    syncFile(from, false);
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException crossDevice) {
      copyThenRename(from, to, toDir, fromDir);
      return;
    } catch (IOException e) {
      throw new IOException("moving " + from + " to " + to + " failed; the file is still at "
          + from, e);
    }
    syncDirectoryAfterRename(toDir, to, to);
    if (!fromDir.equals(toDir)) {
      syncDirectoryAfterRename(fromDir, to, to);
    }
  }

  private static void copyThenRename(Path from, Path to, Path toDir, Path fromDir)
      throws IOException {
    Path sibling = null;
    try {
      sibling = createTempOwnerOnly(toDir, "." + to.getFileName() + ".", ".moving");
      Files.copy(from, sibling, StandardCopyOption.REPLACE_EXISTING);
      syncFile(sibling, true);
      Files.move(sibling, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException | Error e) {
      if (sibling != null) {
        try {
          Files.deleteIfExists(sibling);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      if (e instanceof IOException) {
        throw new IOException("moving " + from + " to " + to + " (another file system) failed;"
            + " the file is still at " + from, e);
      }
      throw e;
    }
    syncDirectoryAfterRename(toDir, to, from);
    try {
      Files.delete(from);
    } catch (IOException e) {
      throw new IOException("moved " + from + " to " + to + " (complete and synced), but could"
          + " not delete the original at " + from, e);
    }
    syncDirectoryAfterRename(fromDir, to, to);
  }

  private static void syncDirectoryAfterRename(Path dir, Path to, Path bytesAlsoAt)
      throws IOException {
    try {
      syncDirectory(dir);
    } catch (IOException e) {
      String where = bytesAlsoAt.equals(to) ? to.toString() : to + " (and still at " + bytesAlsoAt
          + ")";
      throw new IOException("renamed onto " + to + " but syncing directory " + dir
          + " failed, so the rename may not survive a crash; the file is at " + where, e);
    }
  }

  /** fsync of a regular file, on a descriptor no interrupt can close. */
  private static void syncFile(Path file, boolean writable) throws IOException {
    if (!Files.isRegularFile(file)) {
      if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(file.toString());
      }
      throw new IOException("not a regular file: " + file);
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), writable ? "rw" : "r")) {
      raf.getFD().sync();
    }
  }

  private static Path parentOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException("no parent directory: " + file);
    }
    return parent;
  }

  /** EINVAL and friends: the file system does not implement fsync on a directory. */
  private static boolean isUnsupported(IOException e) {
    String message = e.getMessage();
    return message != null
        && (message.contains("Invalid argument") || message.contains("not supported"));
  }

  private static FileAttribute<?>[] ownerOnly(Path anyPathOnFileSystem) {
    return anyPathOnFileSystem.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {OWNER_ONLY}
        : new FileAttribute<?>[0];
  }
}
