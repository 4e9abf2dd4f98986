package dev.latchwork.writer;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child JVM of {@link CheckpointLockTest}: tries to lock the checkpoint file named by its
 * argument, as another process resuming the write would, and prints {@code held} if some other
 * process holds the lock or {@code free} if it could take it (and then releases it at once).
 */
public final class LockProbeChild {
  private LockProbeChild() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        System.out.println("held");
      } else {
        lock.release();
        System.out.println("free");
      }
    }
  }
}
