package dev.latchwork.fetch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link FetchCacheLockTest} and {@link FetchCacheCrashTest}.
 *
 * <ul>
 *   <li>{@code probe <dir>} tries to open a cache on {@code dir} and prints {@code refused}
 *       (another process holds it) or {@code opened <entries>}.
 *   <li>{@code download <dir> <partSize> <parallelism> <key> <uri> [<key> <uri> ...]} opens a
 *       cache on {@code dir} and downloads every object into it, one thread per object; it prints
 *       {@code ready} once the cache is open, {@code complete <key>} for every object downloaded,
 *       then waits to be killed (it never closes the cache).
 * </ul>
 */
public final class FetchCacheChild {
  /** Prefixes the child's answers on its stdout. */
  static final String ANSWER = "child: ";

  private FetchCacheChild() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("download")) {
      download(args);
      return;
    }
    Path dir = Path.of(args[1]);
    try (FetchCache c = FetchCache.builder(dir).open()) {
      System.out.println(ANSWER + "opened " + c.stats().entries());
    } catch (java.io.IOException e) {
      System.out.println(ANSWER + (e.getMessage().contains("in use") ? "refused" : "failed " + e));
    }
  }

  private static void download(String[] args) throws Exception {
    FetchCache cache = FetchCache.builder(Path.of(args[1])).partSize(Long.parseLong(args[2]))
        .parallelism(Integer.parseInt(args[3])).open();
    System.out.println(ANSWER + "ready");
    List<Thread> downloads = new ArrayList<>();
    for (int i = 4; i + 1 < args.length; i += 2) {
      String key = args[i];
      URI uri = URI.create(args[i + 1]);
      Thread t = new Thread(() -> {
        try {
          FetchCache.Handle h = cache.open(key, HttpRangeSource.of(uri));
          if (h.awaitComplete(Duration.ofMinutes(5))) {
            System.out.println(ANSWER + "complete " + key);
          }
        } catch (Exception e) {
          System.out.println(ANSWER + "failed " + key + ": " + e);
        }
      }, "download-" + key);
      t.start();
      downloads.add(t);
    }
    for (Thread t : downloads) {
      t.join();
    }
    // Wait to be killed: never close the cache.
    while (System.in.read() >= 0) {
      // until the parent kills this JVM or closes its stdin
    }
  }
}
