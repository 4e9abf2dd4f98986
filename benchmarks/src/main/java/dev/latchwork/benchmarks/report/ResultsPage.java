package dev.latchwork.benchmarks.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Renders {@code benchmarks/RESULTS.md} and one SVG chart per benchmark from JMH JSON result files.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.latchwork.benchmarks.report.ResultsPage \
 *     --out benchmarks/RESULTS.md --charts benchmarks/results/charts \
 *     [--machine machine.txt] [--notes benchmarks/results/notes.properties] \
 *     [--merged-json all.json] result.json...
 * </pre>
 *
 * <p>Every ratio compares rows of the same JSON run (same class, same scenario parameters).
 * "Speed-up" is how many times faster latchwork is than the alternative: alternative time divided by
 * latchwork time, or latchwork throughput divided by alternative throughput; above 1 latchwork is
 * faster. The targets of issue 7 are evaluated from the same rows; {@code --notes} supplies, per
 * target id, the explanation printed when a target is missed. With several inputs, a row measured
 * again by a later input replaces the earlier one on the page; {@code --merged-json} still holds
 * every input's rows, concatenated.
 */
public final class ResultsPage {
  /*
   * Implementation notes: rows are kept in JSON order (JMH sorts benchmarks and parameters), which
   * fixes the column order of alternatives and the group order of charts. A target whose rows are
   * absent (benchmark not run, or not in the run) is reported as "not measured", never as met.
   */

  private static final String LATCHWORK = "latchwork";

  /** Title and explanation of each benchmark class; unknown classes get their name only. */
  private static final Map<String, String[]> SECTIONS = new LinkedHashMap<>();

  static {
    section(
        "LatchAwaitAfterOpenBenchmark",
        "Latch: await() after open (fast path)",
        "`await()` on a latch that is already open. Alternatives: `CountDownLatch(1).await()` and"
            + " `CompletableFuture.get()`.");
    section(
        "LatchOpenToWakeBenchmark",
        "Latch: open-to-wake latency",
        "N waiters parked in `await()` on a fresh gate; the operation opens it and ends when every"
            + " waiter has returned (the opener yields, so its own wake-up is not counted). Platform"
            + " waiters always; virtual waiters only when the run had a JDK 21+.");
    section(
        "NotifierAdvanceBenchmark",
        "Progress notifier: advanceTo with no waiter (the downloader's hot path)",
        "`advanceTo(v + 1)` with nobody waiting. Alternatives: lock + `Condition.signalAll`,"
            + " `synchronized` + `notifyAll`, atomic value + `Phaser`.");
    section(
        "NotifierWaitersBenchmark",
        "Progress notifier: one producer, N waiters at spread targets",
        "One producer advances one step at a time, burning `producerWork` tokens of"
            + " `Blackhole.consumeCPU` per step (200 ≈ 1 µs: faster than a thread can be woken;"
            + " 10000 ≈ 30 µs; 100000 ≈ 300 µs: a download advancing 64 KiB at ~200 MB/s); N"
            + " waiters wait at targets spread over the next N steps and, once served, wait N steps"
            + " further. Score: producer advances per microsecond. Wake-ups: latchwork's `wakeUpCount()` (unparks performed); for the"
            + " alternatives every return from their blocking call.");
    section(
        "TracerBenchmark",
        "Tracer: enter + close around one operation",
        "`config=off`: logging and in-flight tracking off; `tracking`: tracking on, logging off;"
            + " `logging`: every level on, to the benchmarks' rendering no-op appender (messages are"
            + " formatted, then discarded; see `BenchLogging`). Alternative: two hand-written"
            + " `if (log.isDebugEnabled()) log.debug(...)` statements carrying the same fields. The"
            + " guard has no tracking feature, hence no `tracking` row. B/op from JMH's GC profiler.");
    section(
        "PositionalWriteBenchmark",
        "Positional writer: many threads writing chunks into one file",
        "One operation writes a 64 MiB region as chunks from `threads` workers (page cache, same"
            + " region rewritten). Alternatives: a mutex around seek + write; a single writer thread"
            + " fed by a queue; `latchworkOverlapGuard` (REJECT_OVERLAPS on) shows the guard's cost;"
            + " `singleThreadFileChannelLoop` is one thread writing the same bytes with"
            + " `FileChannel.write(buf, pos)`, the machine's practical limit.");
    section(
        "ChunkWriterBenchmark",
        "Chunk writer: write and commit a 256 MiB FRAMED file",
        "Workers write every chunk (CRC32C computed by the writer), then `commit()` (footer, header,"
            + " force, atomic rename), with `ChunkWriter`'s default options (a checkpoint, which"
            + " forces the data, every second). Alternative: the same bytes written with raw positional writes"
            + " from the same number of workers, then forced (same durability, no format, no CRCs).");
    section(
        "ChunkCommitBenchmark",
        "Chunk writer: commit() time by chunk count",
        "All chunks written and checkpointed (forced) before the measured `commit()`, so the number"
            + " shows what commit itself costs as the chunk count and chunk size grow.");
    section(
        "FetchThroughputBenchmark",
        "Fetch store: full fetch throughput",
        "Fetch a whole object into the temp store and wait for completion, by parallelism, from a"
            + " local file (`PathRangeSource`) and from a loopback HTTP server with a per-connection"
            + " bandwidth cap. Alternative: one sequential stream copied to a file.");
    section(
        "FetchTimeToFirstByteBenchmark",
        "Fetch store: time to first byte at 90% of a 256 MiB object",
        "Open the store and read one byte at 90% of the object over the bandwidth-capped loopback"
            + " HTTP server: on-demand (latchwork moves the reader's part to the front) against a"
            + " strictly sequential download that serves the read when the stream gets there.");
    section(
        "FetchInsidePartBenchmark",
        "Fetch store: time to first byte inside a part in flight",
        "Open a store on an object served at 256 KiB/s per connection in 8 MiB parts (parallelism"
            + " 1) and read the first 4 KiB of the first part: the reader is served as soon as its"
            + " bytes have landed, not when the whole part has (which would take about 32 s).");
    section(
        "FetchCacheWorkloadBenchmark",
        "Fetch cache: many readers of many objects (FUSE-like workload)",
        "8 reader threads each open a random one of 20 objects of 8 MiB, read a random 1 MiB range"
            + " in 128 KiB reads, check it and close, over the loopback HTTP server with 32 MiB/s"
            + " per connection, 128 MiB/s for all connections together and 10 ms before every"
            + " response (HEAD included); 1 MiB parts. latchwork: one `FetchCache` shared by all"
            + " readers (parallelism 8 across all objects, a disk budget of `budgetPercent` of the"
            + " objects' total, filled by the warm-up iteration; at 50 entries are evicted and"
            + " fetched again). Alternatives, the design it replaces:"
            + " every open creates its own `FetchStore` (no sharing, nothing kept after close),"
            + " with parallelism 8 per store (`storePerOpen`) or 8 per store sharing one"
            + " `FetchBudget` of 8 (`storePerOpenSharedBudget`: the cache's total). Score: opens"
            + " per second (× 1 MiB = bytes read per second). `budgetPercent` changes nothing for"
            + " the stores, which keep nothing after close; they are run under each value so that"
            + " every ratio compares one run's rows.");
  }

  private static void section(String cls, String title, String text) {
    SECTIONS.put(cls, new String[] {title, text});
  }

  private final List<Result> results;
  private final Properties notes;

  private ResultsPage(List<Result> results, Properties notes) {
    this.results = results;
    this.notes = notes;
  }

  public static void main(String[] args) throws IOException {
    Path out = null;
    Path charts = null;
    Path machine = null;
    Path notesFile = null;
    Path mergedJson = null;
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Paths.get(args[++i]);
        case "--charts" -> charts = Paths.get(args[++i]);
        case "--machine" -> machine = Paths.get(args[++i]);
        case "--notes" -> notesFile = Paths.get(args[++i]);
        case "--merged-json" -> mergedJson = Paths.get(args[++i]);
        default -> {
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + args[i]);
          }
          inputs.add(Paths.get(args[i]));
        }
      }
    }
    if (out == null || charts == null || inputs.isEmpty()) {
      throw new IllegalArgumentException(
          "usage: ResultsPage --out RESULTS.md --charts DIR [--machine FILE] [--notes FILE]"
              + " [--merged-json FILE] JSON...");
    }
    List<Result> all = new ArrayList<>();
    List<String> arrays = new ArrayList<>();
    for (Path in : inputs) {
      String json = Files.readString(in, StandardCharsets.UTF_8);
      List<Result> rows = Result.fromJmhJson(json);
      all.addAll(rows);
      if (!rows.isEmpty()) {
        String body = json.strip();
        arrays.add(body.substring(1, body.length() - 1).strip());
      }
    }
    if (mergedJson != null) {
      // Every input is a JSON array (checked by the parse above): concatenate their elements.
      Files.writeString(
          mergedJson, "[\n" + String.join(",\n", arrays) + "\n]\n", StandardCharsets.UTF_8);
    }
    Properties notes = new Properties();
    if (notesFile != null && Files.exists(notesFile)) {
      try (Reader r = Files.newBufferedReader(notesFile, StandardCharsets.UTF_8)) {
        notes.load(r);
      }
    }
    String machineText =
        machine != null && Files.exists(machine)
            ? Files.readString(machine, StandardCharsets.UTF_8)
            : "";
    Files.createDirectories(charts);
    ResultsPage page = new ResultsPage(latestOfEach(all), notes);
    String md = page.render(machineText, inputs, out.toAbsolutePath().getParent(), charts);
    // The whole-process fetch comparison (scripts/bench-fetch.sh) is measured apart from JMH:
    // keep its section, rendered by FetchComparison, at the end of the page.
    Path comparison = charts.toAbsolutePath().getParent().resolve("fetch-comparison.md");
    if (Files.exists(comparison)) {
      md = FetchComparison.splice(md, Files.readString(comparison, StandardCharsets.UTF_8));
    }
    Files.writeString(out, md, StandardCharsets.UTF_8);
  }

  /**
   * Drops rows that a later input measured again (same class, method, implementation, scenario and
   * JDK), so that re-running one benchmark replaces its rows instead of duplicating them.
   */
  static List<Result> latestOfEach(List<Result> rows) {
    Map<String, Result> byKey = new LinkedHashMap<>();
    for (Result r : rows) {
      String key =
          r.benchmarkClass() + '.' + r.method() + '|' + r.impl() + '|' + r.scenario() + '|' + r.jdk();
      byKey.remove(key);
      byKey.put(key, r);
    }
    List<Result> kept = new ArrayList<>(byKey.values());
    // Keep JSON order per class for tables and charts: a stable sort by first appearance of class.
    List<String> classOrder = new ArrayList<>();
    rows.forEach(r -> {
      if (!classOrder.contains(r.benchmarkClass())) {
        classOrder.add(r.benchmarkClass());
      }
    });
    kept.sort(java.util.Comparator.comparingInt(r -> classOrder.indexOf(r.benchmarkClass())));
    return kept;
  }

  private String render(String machineText, List<Path> inputs, Path pageDir, Path charts)
      throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# latchwork benchmark results\n\n");
    md.append("Generated by `scripts/bench.sh` (renderer: `dev.latchwork.benchmarks.report.ResultsPage`)")
        .append(" from ");
    for (int i = 0; i < inputs.size(); i++) {
      md.append(i == 0 ? "" : ", ").append('`').append(rel(pageDir, inputs.get(i))).append('`');
    }
    md.append(".\n\n");
    if (!machineText.isBlank()) {
      md.append("## Machine and run\n\n");
      for (String line : machineText.strip().lines().toList()) {
        String l = line.strip();
        if (l.startsWith("---")) {
          // bench.sh's separator before the machine notes of an appended run
          md.append("\n*").append(l.replace("-", " ").strip()).append(":*\n\n");
        } else {
          md.append("- ").append(l).append('\n');
        }
      }
      md.append('\n');
    }
    Set<String> jdks = new LinkedHashSet<>();
    results.forEach(r -> jdks.add(r.jdk()));
    md.append("JDK(s) of the measured JVMs: ").append(String.join("; ", jdks)).append(".\n\n");
    md.append(
        "**How to read the tables.** Every ratio compares rows of the same run. *Speed-up* is how"
            + " many times faster latchwork is than the alternative in that column (alternative time"
            + " / latchwork time, or latchwork throughput / alternative throughput): above 1"
            + " latchwork is faster, below 1 slower. Errors are JMH's 99.9% confidence half-widths"
            + " (blank with a single measured iteration). Charts use a log scale.\n\n");

    renderTargets(md);

    Map<String, List<Result>> byClass = new LinkedHashMap<>();
    for (String cls : SECTIONS.keySet()) {
      byClass.put(cls, new ArrayList<>());
    }
    for (Result r : results) {
      byClass.computeIfAbsent(r.benchmarkClass(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Result>> e : byClass.entrySet()) {
      String cls = e.getKey();
      List<Result> rows = e.getValue();
      String[] section = SECTIONS.getOrDefault(cls, new String[] {cls, ""});
      md.append("## ").append(section[0]).append("\n\n");
      md.append("`").append(cls).append("`. ").append(section[1]).append("\n\n");
      if (rows.isEmpty()) {
        md.append("**Not in this run.**\n\n");
        continue;
      }
      Path chart = charts.resolve(cls + ".svg");
      Files.writeString(chart, chart(cls, rows), StandardCharsets.UTF_8);
      md.append("![").append(cls).append("](").append(rel(pageDir, chart)).append(")\n\n");
      ratioTable(md, rows);
      if (cls.equals("NotifierWaitersBenchmark")) {
        derivedTable(md, rows, "Wake-ups per producer advance", ResultsPage::wakeUpsPerAdvance);
        Path wakeChart = charts.resolve(cls + "-wakeups.svg");
        Files.writeString(wakeChart, wakeUpChart(rows), StandardCharsets.UTF_8);
        md.append("![wake-ups per advance](").append(rel(pageDir, wakeChart)).append(")\n\n");
        derivedTable(
            md,
            rows,
            "How late waiters are served: steps past its target the producer had made when a"
                + " served waiter returned, mean over waits",
            ResultsPage::stepsLatePerServedWait);
      }
      if (cls.equals("FetchCacheWorkloadBenchmark")) {
        derivedTable(md, rows, "Mean time to first byte per open, ms (from calling open to the"
            + " first 128 KiB read returning)", ResultsPage::meanTimeToFirstByteMillis);
        derivedTable(md, rows, "Bytes downloaded per byte read (what the server sent, over what"
            + " the readers read)", ResultsPage::downloadAmplification);
      }
      allRowsTable(md, rows);
    }
    return md.toString();
  }

  private static String rel(Path pageDir, Path p) {
    Path abs = p.toAbsolutePath().normalize();
    return pageDir == null ? abs.toString() : pageDir.normalize().relativize(abs).toString();
  }

  // ---------------------------------------------------------------- tables and charts

  private static List<String> impls(List<Result> rows) {
    Set<String> impls = new LinkedHashSet<>();
    impls.add(LATCHWORK);
    rows.forEach(r -> impls.add(r.impl()));
    List<String> list = new ArrayList<>(impls);
    if (rows.stream().noneMatch(r -> r.impl().equals(LATCHWORK))) {
      list.remove(LATCHWORK);
    }
    return list;
  }

  /** The latchwork rows, each with its same-scenario alternatives and speed-ups. */
  private static void ratioTable(StringBuilder md, List<Result> rows) {
    List<String> impls = impls(rows);
    List<Result> lw = rows.stream().filter(r -> r.impl().equals(LATCHWORK)).toList();
    if (lw.isEmpty() || impls.size() < 2) {
      return;
    }
    md.append("| scenario | latchwork |");
    for (String alt : impls.subList(1, impls.size())) {
      md.append(' ').append(alt).append(" | speed-up vs ").append(alt).append(" |");
    }
    md.append("\n|---|---|");
    md.append("---|---|".repeat(impls.size() - 1)).append('\n');
    for (Result l : lw) {
      md.append("| ").append(l.scenarioLabel()).append(" | ").append(score(l.primary())).append(" |");
      for (String alt : impls.subList(1, impls.size())) {
        Optional<Result> a = match(rows, l, alt);
        if (a.isEmpty()) {
          md.append(" - | - |");
        } else {
          md.append(' ').append(score(a.get().primary())).append(" | **")
              .append(fmt(speedUp(l, a.get()))).append("×** |");
        }
      }
      md.append('\n');
    }
    md.append('\n');
  }

  /** A table of a derived per-row quantity where lower is better, with alternative / latchwork. */
  private static void derivedTable(
      StringBuilder md, List<Result> rows, String caption, ToDoubleFunction<Result> metric) {
    List<String> impls = impls(rows);
    md.append(caption).append(" (lower is better; *× less* = alternative / latchwork):\n\n");
    md.append("| scenario | latchwork |");
    for (String alt : impls.subList(1, impls.size())) {
      md.append(' ').append(alt).append(" | × less than ").append(alt).append(" |");
    }
    md.append("\n|---|---|").append("---|---|".repeat(impls.size() - 1)).append('\n');
    for (Result l : rows) {
      if (!l.impl().equals(LATCHWORK)) {
        continue;
      }
      double lwValue = metric.applyAsDouble(l);
      md.append("| ").append(l.scenarioLabel()).append(" | ").append(fmt(lwValue)).append(" |");
      for (String alt : impls.subList(1, impls.size())) {
        Optional<Result> a = match(rows, l, alt);
        if (a.isEmpty()) {
          md.append(" - | - |");
        } else {
          double altValue = metric.applyAsDouble(a.get());
          md.append(' ').append(fmt(altValue)).append(" | **").append(fmt(altValue / lwValue))
              .append("×** |");
        }
      }
      md.append('\n');
    }
    md.append('\n');
  }

  static double stepsLatePerServedWait(Result r) {
    return ratio(r, "stepsLate", "served");
  }

  private static double ratio(Result r, String numerator, String denominator) {
    Result.Metric n = r.secondary().get(numerator);
    Result.Metric d = r.secondary().get(denominator);
    if (n == null || d == null || d.score() == 0) {
      return Double.NaN;
    }
    return n.score() / d.score();
  }

  static double meanTimeToFirstByteMillis(Result r) {
    return ratio(r, "ttfbNanos", "opens") / 1e6;
  }

  static double downloadAmplification(Result r) {
    return ratio(r, "downloadedBytes", "bytesRead");
  }

  static double wakeUpsPerAdvance(Result r) {
    return ratio(r, "wakeUps", "advances");
  }

  private static void allRowsTable(StringBuilder md, List<Result> rows) {
    boolean gc = rows.stream().anyMatch(r -> r.secondary().containsKey("gc.alloc.rate.norm"));
    md.append("<details><summary>All rows</summary>\n\n");
    md.append("| method | impl | scenario | mode | score | error | unit |").append(gc ? " B/op |" : "");
    md.append("\n|---|---|---|---|---|---|---|").append(gc ? "---|" : "").append('\n');
    for (Result r : rows) {
      md.append("| ").append(r.method()).append(" | ").append(r.impl()).append(" | ")
          .append(r.scenarioLabel()).append(" | ").append(r.mode()).append(" | ")
          .append(fmt(r.primary().score())).append(" | ").append(fmt(r.primary().error()))
          .append(" | ").append(r.primary().unit()).append(" |");
      if (gc) {
        Result.Metric m = r.secondary().get("gc.alloc.rate.norm");
        md.append(' ').append(m == null ? "-" : fmt(m.score())).append(" |");
      }
      md.append('\n');
    }
    md.append("\n</details>\n\n");
  }

  private static String chart(String cls, List<Result> rows) {
    List<String> impls = impls(rows);
    String unit = rows.get(0).primary().unit();
    String better = rows.get(0).higherIsBetter() ? "higher is better" : "lower is better";
    BarChart chart =
        new BarChart(SECTIONS.getOrDefault(cls, new String[] {cls})[0], unit + ", " + better, impls);
    for (String scenario : scenarios(rows)) {
      double[] vs = new double[impls.size()];
      for (int i = 0; i < vs.length; i++) {
        String impl = impls.get(i);
        vs[i] =
            rows.stream()
                .filter(r -> r.impl().equals(impl) && r.scenarioLabel().equals(scenario))
                .mapToDouble(r -> r.primary().score())
                .findFirst()
                .orElse(Double.NaN);
      }
      chart.group(scenario, vs);
    }
    return chart.toSvg();
  }

  private static String wakeUpChart(List<Result> rows) {
    List<String> impls = impls(rows);
    BarChart chart =
        new BarChart("Wake-ups per producer advance", "wake-ups/advance, lower is better", impls);
    for (String scenario : scenarios(rows)) {
      double[] vs = new double[impls.size()];
      for (int i = 0; i < vs.length; i++) {
        String impl = impls.get(i);
        vs[i] =
            rows.stream()
                .filter(r -> r.impl().equals(impl) && r.scenarioLabel().equals(scenario))
                .mapToDouble(ResultsPage::wakeUpsPerAdvance)
                .findFirst()
                .orElse(Double.NaN);
      }
      chart.group(scenario, vs);
    }
    return chart.toSvg();
  }

  private static List<String> scenarios(List<Result> rows) {
    Set<String> s = new LinkedHashSet<>();
    rows.forEach(r -> s.add(r.scenarioLabel()));
    return new ArrayList<>(s);
  }

  private static Optional<Result> match(List<Result> rows, Result lw, String alt) {
    return rows.stream().filter(r -> r.impl().equals(alt) && lw.sameScenarioAs(r)).findFirst();
  }

  /** How many times faster {@code lw} is than {@code alt}. */
  static double speedUp(Result lw, Result alt) {
    return lw.higherIsBetter()
        ? lw.primary().score() / alt.primary().score()
        : alt.primary().score() / lw.primary().score();
  }

  private static String score(Result.Metric m) {
    String s = fmt(m.score());
    if (!Double.isNaN(m.error())) {
      s += " ± " + fmt(m.error());
    }
    return s + " " + m.unit();
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "-∞";
    }
    double a = Math.abs(v);
    if (a == 0) {
      return "0";
    }
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    if (a >= 0.01) {
      return String.format(Locale.ROOT, "%.3f", v);
    }
    return String.format(Locale.ROOT, "%.2e", v);
  }

  // ---------------------------------------------------------------- targets

  private Optional<Result> find(String cls, String impl, Predicate<Result> where) {
    return results.stream()
        .filter(r -> r.benchmarkClass().equals(cls) && r.impl().equals(impl) && where.test(r))
        .findFirst();
  }

  private static Predicate<Result> param(String name, String value) {
    return r -> value.equals(r.scenario().get(name));
  }

  private final List<String[]> targetRows = new ArrayList<>();

  private void target(String id, String target, String measured, Boolean met) {
    String status = met == null ? "not measured" : met ? "**met**" : "**missed**";
    String why = "";
    if (met == null || !met) {
      why = notes.getProperty(id, met == null ? "benchmark not in this run" : "not analysed");
    } else if (notes.containsKey(id + ".met")) {
      why = notes.getProperty(id + ".met");
    }
    targetRows.add(new String[] {target, measured, status, why});
  }

  /** A "latchwork no slower than the alternative" target: met if faster or equal within error. */
  private void noSlower(String id, String t, Optional<Result> lw, Optional<Result> alt) {
    if (lw.isEmpty() || alt.isEmpty()) {
      target(id, t, "-", null);
      return;
    }
    Result.Metric l = lw.get().primary();
    Result.Metric c = alt.get().primary();
    boolean within = l.score() <= c.score() || overlaps(l, c);
    target(
        id,
        t,
        String.format(
            Locale.ROOT,
            "%s vs %s (speed-up %s×%s)",
            score(l),
            score(c),
            fmt(speedUp(lw.get(), alt.get())),
            l.score() <= c.score() ? "" : within ? ", equal within error" : ""),
        within);
  }

  private void renderTargets(StringBuilder md) {
    evaluateTargets();
    md.append("## Targets\n\n");
    md.append("| target | measured (same run) | result | why / note |\n|---|---|---|---|\n");
    for (String[] row : targetRows) {
      md.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    md.append('\n');
  }

  private void evaluateTargets() {
    // Latch fast path no slower than CountDownLatch.
    {
      noSlower(
          "latch.fastPath",
          "latch `await()` after open no slower than `CountDownLatch`",
          find("LatchAwaitAfterOpenBenchmark", LATCHWORK, r -> true),
          find("LatchAwaitAfterOpenBenchmark", "countDownLatch", r -> true));
    }
    // Notifier, 256 waiters: >= 10x fewer wake-ups than signalAll and higher producer throughput.
    Set<String> works = new LinkedHashSet<>();
    results.stream()
        .filter(r -> r.benchmarkClass().equals("NotifierWaitersBenchmark"))
        .forEach(r -> works.add(r.scenario().getOrDefault("producerWork", "?")));
    if (works.isEmpty()) {
      works.add("any");
    }
    for (String work : works) {
      Predicate<Result> w = param("waiters", "256").and(param("producerWork", work));
      Optional<Result> lw = find("NotifierWaitersBenchmark", LATCHWORK, w);
      Optional<Result> sig = find("NotifierWaitersBenchmark", "lockCondition", w);
      String suffix = " (256 waiters, producerWork=" + work + ")";
      if (lw.isPresent() && sig.isPresent()) {
        double l = wakeUpsPerAdvance(lw.get());
        double s = wakeUpsPerAdvance(sig.get());
        target(
            "notifier.wakeUps." + work,
            "notifier ≥10× fewer wake-ups than lock + `signalAll`" + suffix,
            String.format(
                Locale.ROOT,
                "%s vs %s wake-ups/advance: %s× fewer; waiters served %s vs %s steps late",
                fmt(l),
                fmt(s),
                fmt(s / l),
                fmt(stepsLatePerServedWait(lw.get())),
                fmt(stepsLatePerServedWait(sig.get()))),
            s / l >= 10);
        target(
            "notifier.throughput." + work,
            "notifier producer throughput higher than lock + `signalAll`" + suffix,
            String.format(
                Locale.ROOT,
                "%s vs %s (speed-up %s×)",
                score(lw.get().primary()),
                score(sig.get().primary()),
                fmt(speedUp(lw.get(), sig.get()))),
            speedUp(lw.get(), sig.get()) > 1);
      } else {
        target("notifier.wakeUps." + work, "notifier ≥10× fewer wake-ups than `signalAll`" + suffix, "-", null);
        target("notifier.throughput." + work, "notifier producer throughput higher" + suffix, "-", null);
      }
    }
    // Hand-off wake-ups: a fast producer keeps its speed and still serves its waiters on time.
    {
      Predicate<Result> w = param("waiters", "256").and(param("producerWork", "200"));
      Optional<Result> lw = find("NotifierWaitersBenchmark", LATCHWORK, w);
      Optional<Result> sig = find("NotifierWaitersBenchmark", "lockCondition", w);
      String t = "notifier producer ≥1.0× lock + `signalAll` while serving waiters ≤50 steps late"
          + " (256 waiters, producerWork=200)";
      if (lw.isPresent() && sig.isPresent()) {
        double ratio = speedUp(lw.get(), sig.get());
        double late = stepsLatePerServedWait(lw.get());
        target(
            "notifier.handoff.200",
            t,
            String.format(
                Locale.ROOT,
                "%s vs %s (%s×); latchwork's waiters served %s steps late (lock + signalAll: %s)",
                score(lw.get().primary()),
                score(sig.get().primary()),
                fmt(ratio),
                fmt(late),
                fmt(stepsLatePerServedWait(sig.get()))),
            ratio >= 1.0 && late <= 50);
      } else {
        target("notifier.handoff.200", t, "-", null);
      }
    }
    // Latch open-to-wake with 64 platform waiters no slower than CountDownLatch.
    {
      Predicate<Result> w = param("waiters", "64").and(param("threadKind", "platform"));
      noSlower(
          "latch.openToWake.64",
          "latch open-to-wake of 64 platform waiters no slower than `CountDownLatch`",
          find("LatchOpenToWakeBenchmark", LATCHWORK, w),
          find("LatchOpenToWakeBenchmark", "countDownLatch", w));
    }
    // Tracer disabled within 2 ns of the guard, 0 B/op.
    {
      Optional<Result> lw = find("TracerBenchmark", LATCHWORK, param("config", "off"));
      Optional<Result> g = find("TracerBenchmark", "slf4jGuard", param("config", "off"));
      if (lw.isPresent() && g.isPresent()) {
        double diff = lw.get().primary().score() - g.get().primary().score();
        target(
            "tracer.time",
            "tracer disabled within 2 ns of the bare `isDebugEnabled()` guard",
            String.format(
                Locale.ROOT,
                "%s vs %s: %s ns difference",
                score(lw.get().primary()),
                score(g.get().primary()),
                fmt(diff)),
            diff <= 2.0);
        Result.Metric alloc = lw.get().secondary().get("gc.alloc.rate.norm");
        target(
            "tracer.alloc",
            "tracer disabled allocates 0 bytes per operation",
            alloc == null ? "run without -prof gc" : fmt(alloc.score()) + " B/op (JMH GC profiler)",
            alloc == null ? null : alloc.score() < 0.5);
      } else {
        target("tracer.time", "tracer disabled within 2 ns of the guard", "-", null);
        target("tracer.alloc", "tracer disabled allocates 0 bytes per operation", "-", null);
      }
    }
    // Positional writer at 2+ threads, 1 MiB chunks.
    for (String threads : new String[] {"2", "4"}) {
      Predicate<Result> w = param("chunkSize", "1048576").and(param("threads", threads));
      Optional<Result> lw = find("PositionalWriteBenchmark", LATCHWORK, w);
      Optional<Result> mutex = find("PositionalWriteBenchmark", "mutexSeekWrite", w);
      Optional<Result> queue = find("PositionalWriteBenchmark", "queueWriterThread", w);
      Optional<Result> raw =
          find("PositionalWriteBenchmark", "singleThreadFileChannelLoop", param("chunkSize", "1048576"));
      String suffix = " (1 MiB chunks, " + threads + " threads)";
      if (lw.isPresent() && mutex.isPresent() && queue.isPresent()) {
        double sm = speedUp(lw.get(), mutex.get());
        double sq = speedUp(lw.get(), queue.get());
        target(
            "positional.replaced." + threads,
            "positional writer at least as fast as mutex+seek and queue+writer thread" + suffix,
            String.format(
                Locale.ROOT, "speed-up %s× vs mutex, %s× vs queue", fmt(sm), fmt(sq)),
            sm >= 1 && sq >= 1);
      } else {
        target("positional.replaced." + threads, "positional writer vs replaced designs" + suffix, "-", null);
      }
      if (lw.isPresent() && raw.isPresent()) {
        double share = speedUp(lw.get(), raw.get());
        target(
            "positional.raw." + threads,
            "positional writer ≥90% of the single-threaded raw `FileChannel` loop" + suffix,
            String.format(Locale.ROOT, "%s%% of the raw loop's speed", fmt(share * 100)),
            share >= 0.9);
      } else {
        target("positional.raw." + threads, "positional writer ≥90% of raw loop" + suffix, "-", null);
      }
    }
    // Chunk writer >= 85% of raw positional writes.
    {
      List<Result> lws =
          results.stream()
              .filter(r -> r.benchmarkClass().equals("ChunkWriterBenchmark") && r.impl().equals(LATCHWORK))
              .toList();
      if (lws.isEmpty()) {
        target("chunk.raw", "chunk writer ≥85% of raw positional writes", "-", null);
      }
      for (Result lw : lws) {
        Optional<Result> raw =
            results.stream()
                .filter(
                    r ->
                        r.benchmarkClass().equals("ChunkWriterBenchmark")
                            && r.impl().equals("rawPositional")
                            && lw.sameScenarioAs(r))
                .findFirst();
        String t = "chunk writer ≥85% of raw positional writes (" + lw.scenarioLabel() + ")";
        String id = "chunk.raw." + lw.scenario().getOrDefault("workers", "?");
        if (raw.isPresent()) {
          double share = speedUp(lw, raw.get());
          target(
              id,
              t,
              String.format(Locale.ROOT, "%s%% of raw positional writes", fmt(share * 100)),
              share >= 0.85);
        } else {
          target(id, t, "-", null);
        }
      }
    }
    // Commit time must not grow with the payload: same chunk count, 16x the payload.
    {
      List<Result> small =
          results.stream()
              .filter(
                  r ->
                      r.benchmarkClass().equals("ChunkCommitBenchmark")
                          && "4096".equals(r.scenario().get("chunkSize")))
              .toList();
      if (small.isEmpty()) {
        target(
            "chunk.commit", "commit time does not grow with the payload size", "-", null);
      }
      for (Result s4k : small) {
        String count = s4k.scenario().get("chunkCount");
        Optional<Result> big =
            find(
                "ChunkCommitBenchmark",
                s4k.impl(),
                param("chunkCount", count).and(param("chunkSize", "65536")));
        String t =
            "commit time does not grow with the payload size ("
                + count
                + " chunks: 64 KiB against 4 KiB chunks, 16× the payload; met if under 1.5×)";
        if (big.isPresent()) {
          double growth = big.get().primary().score() / s4k.primary().score();
          target(
              "chunk.commit." + count,
              t,
              String.format(
                  Locale.ROOT,
                  "%s vs %s: %s×",
                  score(big.get().primary()),
                  score(s4k.primary()),
                  fmt(growth)),
              growth < 1.5);
        } else {
          target("chunk.commit." + count, t, "-", null);
        }
      }
    }
    // Fetch store: on-demand TTFB >= 10x lower than sequential.
    {
      Optional<Result> lw = find("FetchTimeToFirstByteBenchmark", LATCHWORK, r -> true);
      Optional<Result> seq = find("FetchTimeToFirstByteBenchmark", "sequential", r -> true);
      String t = "on-demand time to first byte at 90% ≥10× lower than sequential";
      if (lw.isPresent() && seq.isPresent()) {
        double s = speedUp(lw.get(), seq.get());
        target(
            "fetch.ttfb",
            t,
            String.format(
                Locale.ROOT,
                "%s vs %s: %s× lower",
                score(lw.get().primary()),
                score(seq.get().primary()),
                fmt(s)),
            s >= 10);
      } else {
        target("fetch.ttfb", t, "-", null);
      }
    }
    evaluateCacheTargets();
  }

  /**
   * The cache's FUSE-like workload, per scenario: throughput above and mean time to first byte
   * below each store-per-open design's, from rows of the same scenario.
   */
  private void evaluateCacheTargets() {
    String cls = "FetchCacheWorkloadBenchmark";
    List<String> alts = List.of("storePerOpen", "storePerOpenSharedBudget");
    List<Result> lws = results.stream()
        .filter(r -> r.benchmarkClass().equals(cls) && r.impl().equals(LATCHWORK)).toList();
    if (lws.isEmpty()) {
      target("cache.throughput", "cache workload throughput higher than one `FetchStore` per open",
          "-", null);
      target("cache.ttfb", "cache workload time to first byte lower than one `FetchStore` per open",
          "-", null);
    }
    for (Result lw : lws) {
      String suffix = " (" + lw.scenarioLabel() + ")";
      String id = lw.scenario().getOrDefault("budgetPercent", "?");
      StringBuilder thr = new StringBuilder();
      StringBuilder ttfb = new StringBuilder();
      Boolean thrMet = true;
      Boolean ttfbMet = true;
      double lwTtfb = meanTimeToFirstByteMillis(lw);
      for (String altName : alts) {
        Optional<Result> alt = match(results, lw, altName);
        if (alt.isEmpty()) {
          thrMet = null;
          ttfbMet = null;
          break;
        }
        double s = speedUp(lw, alt.get());
        double altTtfb = meanTimeToFirstByteMillis(alt.get());
        thrMet &= s > 1;
        ttfbMet &= lwTtfb < altTtfb;
        thr.append(thr.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
            "%s vs %s (%s): %s×", score(lw.primary()), score(alt.get().primary()), altName,
            fmt(s)));
        ttfb.append(ttfb.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
            "%s vs %s ms (%s): %s× lower", fmt(lwTtfb), fmt(altTtfb), altName,
            fmt(altTtfb / lwTtfb)));
      }
      target("cache.throughput." + id, "cache workload throughput higher than one `FetchStore`"
          + " per open, with and without a shared budget" + suffix,
          thrMet == null ? "-" : thr.toString(), thrMet);
      target("cache.ttfb." + id, "cache workload mean time to first byte lower than one"
          + " `FetchStore` per open, with and without a shared budget" + suffix,
          ttfbMet == null ? "-" : ttfb.toString(), ttfbMet);
    }
  }

  /** True if the two confidence intervals overlap (false when either error is unknown). */
  private static boolean overlaps(Result.Metric a, Result.Metric b) {
    if (Double.isNaN(a.error()) || Double.isNaN(b.error())) {
      return false;
    }
    return a.score() - a.error() <= b.score() + b.error()
        && b.score() - b.error() <= a.score() + a.error();
  }
}
