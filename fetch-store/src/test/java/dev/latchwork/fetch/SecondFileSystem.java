package dev.latchwork.fetch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A directory on another file system than {@code java.io.tmpdir}, for tests of moves across file
 * systems: a small tmpfs mounted for the test (needs root), else a directory under {@code
 * /dev/shm} if that is another file system; a test that can have neither is skipped by an
 * assumption that says why. Unmounted (or deleted) on close.
 */
final class SecondFileSystem implements AutoCloseable {
  private final Path dir;
  private final boolean mounted;

  private SecondFileSystem(Path dir, boolean mounted) {
    this.dir = dir;
    this.mounted = mounted;
  }

  /** Mounts (or finds) a second file system of at least {@code size} (mount syntax: "64m"). */
  static SecondFileSystem create(String size) throws IOException, InterruptedException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path dir = Files.createTempDirectory(tmp, "latchwork-second-fs-");
    String why = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=700", "tmpfs",
        dir.toString());
    if (why == null) {
      return new SecondFileSystem(dir, true);
    }
    Files.delete(dir);
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(tmp))) {
      return new SecondFileSystem(Files.createTempDirectory(shm, "latchwork-second-fs-"), false);
    }
    Assumptions.abort("no second file system: mounting a tmpfs failed (" + why
        + ") and /dev/shm is missing or on the same file system as " + tmp);
    throw new AssertionError("unreachable");
  }

  /**
   * Mounts a tmpfs of exactly {@code size} (mount syntax: "8m"), for tests that must fill a file
   * system; a test where mounting is impossible (not root) is skipped by an assumption that says
   * why. Unlike {@link #create} it never falls back to {@code /dev/shm}, whose size is not the
   * test's to choose.
   */
  static SecondFileSystem mountTmpfs(String size) throws IOException, InterruptedException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path dir = Files.createTempDirectory(tmp, "latchwork-small-fs-");
    String why = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=700", "tmpfs",
        dir.toString());
    if (why != null) {
      Files.delete(dir);
      Assumptions.abort("cannot mount a tmpfs of " + size + ": " + why);
    }
    return new SecondFileSystem(dir, true);
  }

  /** The directory, on a file system other than {@code java.io.tmpdir}'s. */
  Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (mounted) {
      // Lazy: detaches at once even if a failed test left a file open on it.
      String why = run("umount", "-l", dir.toString());
      if (why != null) {
        throw new IOException("umount " + dir + " failed: " + why);
      }
      Files.delete(dir);
    } else {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /** Runs a command; returns null on success, else what it said. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.toString();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return command[0] + " did not finish within 60 s";
    }
    return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
  }
}
