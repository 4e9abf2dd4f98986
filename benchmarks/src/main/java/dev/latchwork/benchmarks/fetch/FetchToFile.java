package dev.latchwork.benchmarks.fetch;

import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.HttpRangeSource;
import dev.latchwork.fetch.PathRangeSource;
import dev.latchwork.fetch.RangeSource;
import java.net.URI;
import java.nio.file.Path;

/**
 * A command-line download through {@link FetchStore}, for whole-process comparisons with curl,
 * aria2c and cp ({@code scripts/bench-fetch.sh}): opens a store on a URL or a local file, waits for
 * the whole object and moves it to the output file.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.latchwork.benchmarks.fetch.FetchToFile SOURCE OUT
 * PARALLELISM [PART_MIB]}, where {@code SOURCE} is an http(s) URL or a file path and the temp file
 * is created next to {@code OUT}. The store flushes while fetching ({@code
 * FetchStore.Builder.flushWhileFetching}), as a download that is kept should; with {@code
 * -Dlatchwork.bench.flushAtEnd=true} it does not, and {@code moveTo} flushes everything at the end.
 */
public final class FetchToFile {
  private FetchToFile() {}

  /**
   * Runs one download.
   *
   * @param args source, output file, parallelism, optional part size in MiB (default 8)
   * @throws Exception if the download fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: FetchToFile SOURCE OUT PARALLELISM [PART_MIB]");
      System.exit(2);
    }
    String from = args[0];
    Path out = Path.of(args[1]).toAbsolutePath();
    int parallelism = Integer.parseInt(args[2]);
    long partBytes = (args.length > 3 ? Long.parseLong(args[3]) : 8) << 20;
    boolean flush = !Boolean.getBoolean("latchwork.bench.flushAtEnd");
    RangeSource source = from.startsWith("http://") || from.startsWith("https://")
        ? HttpRangeSource.of(URI.create(from))
        : PathRangeSource.of(Path.of(from));
    try (FetchStore store = FetchStore.builder(source).tempDirectory(out.getParent())
        .parallelism(parallelism).partSize(partBytes).flushWhileFetching(flush).open()) {
      store.awaitComplete();
      store.moveTo(out);
    }
  }
}
