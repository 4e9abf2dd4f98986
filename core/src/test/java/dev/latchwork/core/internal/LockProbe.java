package dev.latchwork.core.internal;

import dev.latchwork.core.testing.ChildJvm;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Asks another process whether a file is locked: {@link #probe} runs {@link #main} in a child JVM,
 * which tries to lock the file and prints {@code held} or {@code free}.
 */
public final class LockProbe {
  private LockProbe() {}

  /** Child side: tries the lock on {@code args[0]} and releases it at once if it got it. */
  public static void main(String[] args) throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      if (lock != null) {
        lock.release();
      }
      System.out.println(lock == null ? "held" : "free");
    }
  }

  /** Parent side: "held" or "free", as another process sees {@code file}. */
  static String probe(Path file) throws Exception {
    String java = ChildJvm.java();
    Process child = new ProcessBuilder(java, "-cp", ChildJvm.classPath(LockProbe.class), LockProbe.class.getName(),
            file.toString())
        .redirectErrorStream(true)
        .start();
    try {
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the lock probe did not finish");
      }
      return new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    } finally {
      child.destroyForcibly();
    }
  }
}
