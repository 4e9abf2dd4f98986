package dev.latchwork.benchmarks.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Scratch directories for the file benchmarks. The parent is the system property
 * {@code latchwork.bench.dir}, else {@code java.io.tmpdir}; each benchmark trial gets its own
 * directory and deletes it, with everything in it, in its trial tear-down.
 */
public final class BenchFiles {
  private BenchFiles() {}

  /** A new empty directory for one benchmark trial. */
  public static Path newScratchDirectory(String prefix) throws IOException {
    String parent = System.getProperty("latchwork.bench.dir", System.getProperty("java.io.tmpdir"));
    Path dir = Paths.get(parent);
    Files.createDirectories(dir);
    return Files.createTempDirectory(dir, "latchwork-bench-" + prefix + "-");
  }

  /** Deletes {@code dir} and everything below it; a missing directory is fine. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  /** Deletes every entry directly inside {@code dir}, keeping {@code dir} itself. */
  public static void deleteChildren(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      list.forEach(
          p -> {
            try {
              deleteRecursively(p);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }
}
