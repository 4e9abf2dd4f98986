package dev.latchwork.fetch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Interim stand-in for core's internal FileOps (same names and semantics, subset), until core's
 * lands.
 */
final class FileOps {
  private FileOps() {}

  static Path createTempOwnerOnly(Path dir, String prefix, String suffix) throws IOException {
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return Files.createTempFile(dir, prefix, suffix,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    return Files.createTempFile(dir, prefix, suffix);
  }

  static void moveDurably(Path from, Path to) throws IOException {
    Path toDir = to.toAbsolutePath().getParent();
    syncFile(from);
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException crossDevice) {
      Path sibling = null;
      try {
        sibling = createTempOwnerOnly(toDir, "." + to.getFileName() + ".", ".moving");
        Files.copy(from, sibling, StandardCopyOption.REPLACE_EXISTING);
        syncFile(sibling);
        Files.move(sibling, to, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException | RuntimeException e) {
        if (sibling != null) {
          Files.deleteIfExists(sibling);
        }
        throw new IOException("moving " + from + " to " + to + " (another file system) failed;"
            + " the file is still at " + from, e);
      }
      syncDirectory(toDir);
      Files.delete(from);
      syncDirectory(from.toAbsolutePath().getParent());
      return;
    } catch (IOException e) {
      throw new IOException("moving " + from + " to " + to + " failed; the file is still at "
          + from, e);
    }
    syncDirectory(toDir);
  }

  private static void syncFile(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.getFD().sync();
    }
  }

  static void syncDirectory(Path dir) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      for (;;) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
          ch.force(true);
          return;
        } catch (ClosedByInterruptException e) {
          interrupted |= Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
