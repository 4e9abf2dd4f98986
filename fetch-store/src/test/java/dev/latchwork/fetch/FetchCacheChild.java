package dev.latchwork.fetch;

import java.nio.file.Path;

/**
 * The child JVM of {@link FetchCacheLockTest}: {@code probe <dir>} tries to open a cache on
 * {@code dir} and prints {@code refused} (another process holds it) or {@code opened <entries>}.
 */
public final class FetchCacheChild {
  /** Prefixes the child's answers on its stdout. */
  static final String ANSWER = "child: ";

  private FetchCacheChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    try (FetchCache c = FetchCache.builder(dir).open()) {
      System.out.println(ANSWER + "opened " + c.stats().entries());
    } catch (java.io.IOException e) {
      System.out.println(ANSWER + (e.getMessage().contains("in use") ? "refused" : "failed " + e));
    }
  }
}
