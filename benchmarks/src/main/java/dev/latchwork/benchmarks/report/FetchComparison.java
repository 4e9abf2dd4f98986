package dev.latchwork.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the whole-process download comparison of {@code scripts/bench-fetch.sh} (curl, aria2c,
 * cp and FetchStore, each a separate process) as a Markdown section and an SVG chart, and splices
 * the section into {@code RESULTS.md} between its markers (replacing an earlier one, or appended).
 * {@link ResultsPage} keeps the section when it re-renders the page.
 *
 * <pre>
 * java -cp benchmarks.jar dev.latchwork.benchmarks.report.FetchComparison \
 *     --raw runs.tsv --machine machine.txt --out benchmarks/results/fetch-comparison.md \
 *     --chart benchmarks/results/charts/FetchComparison.svg --page benchmarks/RESULTS.md
 * </pre>
 *
 * <p>{@code runs.tsv} has one line per measured run: {@code scenario tool run wall_s user_s sys_s
 * max_rss_kib}, tab-separated. Every figure of the table is the median over the runs of a
 * (scenario, tool) pair; ratios divide medians of the same scenario.
 */
public final class FetchComparison {
  /*
   * Implementation notes: the section is self-contained Markdown; the chart shows median wall
   * time per scenario and tool on BarChart's log scale. Rows keep the order of first appearance in
   * the TSV, which the script fixes (alternatives first, FetchStore last).
   */

  static final String START = "<!-- fetch-comparison:start -->";
  static final String END = "<!-- fetch-comparison:end -->";

  private FetchComparison() {}

  /** One measured run. */
  record Run(String scenario, String tool, double wall, double cpu, double rssMiB) {}

  /**
   * Renders and splices.
   *
   * @param args see the class comment
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    Map<String, Path> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], Path.of(args[i + 1]));
    }
    for (String required : List.of("--raw", "--out", "--chart")) {
      if (!opts.containsKey(required)) {
        throw new IllegalArgumentException("missing " + required + "; usage: FetchComparison"
            + " --raw TSV --out MD --chart SVG [--machine TXT] [--page RESULTS.md]");
      }
    }
    List<Run> runs = parse(Files.readAllLines(opts.get("--raw"), StandardCharsets.UTF_8));
    String machine = opts.containsKey("--machine")
        ? Files.readString(opts.get("--machine"), StandardCharsets.UTF_8) : "";
    Path chart = opts.get("--chart");
    Path out = opts.get("--out");
    Files.createDirectories(chart.toAbsolutePath().getParent());
    Files.writeString(chart, chart(runs), StandardCharsets.UTF_8);
    String section = section(runs, machine,
        out.toAbsolutePath().getParent().getParent().relativize(chart.toAbsolutePath()).toString());
    Files.writeString(out, section, StandardCharsets.UTF_8);
    Path page = opts.get("--page");
    if (page != null) {
      String text = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : "";
      Files.writeString(page, splice(text, section), StandardCharsets.UTF_8);
    }
  }

  static List<Run> parse(List<String> lines) {
    List<Run> runs = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 7) {
        throw new IllegalArgumentException("expected 7 tab-separated fields: " + line);
      }
      runs.add(new Run(f[0], f[1], Double.parseDouble(f[3]),
          Double.parseDouble(f[4]) + Double.parseDouble(f[5]), Double.parseDouble(f[6]) / 1024));
    }
    return runs;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Medians per scenario and tool: {wall, cpu, rss, runs, fastest wall}. */
  static Map<String, Map<String, double[]>> medians(List<Run> runs) {
    Map<String, Map<String, List<Run>>> grouped = new LinkedHashMap<>();
    for (Run r : runs) {
      grouped.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>())
          .computeIfAbsent(r.tool(), k -> new ArrayList<>()).add(r);
    }
    Map<String, Map<String, double[]>> result = new LinkedHashMap<>();
    grouped.forEach((scenario, tools) -> {
      Map<String, double[]> m = new LinkedHashMap<>();
      tools.forEach((tool, rs) -> m.put(tool, new double[] {
          median(rs.stream().mapToDouble(Run::wall).toArray()),
          median(rs.stream().mapToDouble(Run::cpu).toArray()),
          median(rs.stream().mapToDouble(Run::rssMiB).toArray()), rs.size(),
          rs.stream().mapToDouble(Run::wall).min().orElseThrow()}));
      Map<String, double[]> ordered = new LinkedHashMap<>();
      m.keySet().stream().sorted(java.util.Comparator.comparingInt(FetchComparison::rank)
          .thenComparing(t -> t)).forEach(t -> ordered.put(t, m.get(t)));
      result.put(scenario, ordered);
    });
    return result;
  }

  /** Alternatives first (the baseline leading), then latchwork's rows. */
  private static int rank(String tool) {
    return tool.equals("curl") || tool.equals("cp") ? 0 : tool.startsWith("FetchStore") ? 2 : 1;
  }

  static String section(List<Run> runs, String machine, String chartPath) {
    StringBuilder md = new StringBuilder(START).append('\n');
    md.append("## Fetch: whole-process downloads against curl, aria2c and cp\n\n");
    md.append("Generated by `scripts/bench-fetch.sh` (renderer: "
        + "`dev.latchwork.benchmarks.report.FetchComparison`). Every row is a separate process"
        + " (JVM start included) downloading one object from a real nginx on loopback (or copying"
        + " a local file), output on the same disk; figures are medians over alternating runs;"
        + " CPU is user + system time, RSS the peak resident set (`/usr/bin/time`). Ratios divide"
        + " medians of the same scenario. FetchStore uses 8 MiB parts. FetchStore's `moveTo`"
        + " returns only once the file and its directory entry are on disk (`fsync`); curl, aria2c"
        + " and cp return with the bytes in the page cache, so the `+ fsync` rows give curl and cp"
        + " the same guarantee (`sync FILE` after them, in the same process group and timing)."
        + " FetchStore flushes while fetching (`flushWhileFetching(true)`: an fsync every 32 MiB"
        + " written, overlapping the download); the `flush at end` rows leave the whole fsync to"
        + " `moveTo`. Runs on a shared virtual machine fall into a fast and a slow mode (system"
        + " time roughly doubles in the slow runs of every tool, curl's included), so a median can"
        + " land in either: the `fastest` columns give each row's least disturbed run.\n\n");
    for (String line : machine.strip().lines().toList()) {
      if (!line.isBlank()) {
        md.append("- ").append(line.strip()).append('\n');
      }
    }
    md.append("\n![FetchComparison](").append(chartPath).append(")\n\n");
    md.append("| scenario | tool | runs | wall (s) | CPU (s) | peak RSS (MiB) | wall / curl"
        + " | CPU / curl | fastest wall (s) | fastest / curl's |\n"
        + "|---|---|---|---|---|---|---|---|---|---|\n");
    medians(runs).forEach((scenario, tools) -> {
      double[] base = tools.getOrDefault("curl", tools.get("cp"));
      tools.forEach((tool, m) -> md.append(String.format(Locale.ROOT,
          "| %s | %s | %d | %.2f | %.2f | %.0f | %s | %s | %.2f | %s |\n", scenario, tool,
          (int) m[3], m[0], m[1], m[2], ratio(m[0], base, 0), ratio(m[1], base, 1), m[4],
          ratio(m[4], base, 4))));
    });
    md.append("\n(In the local-file scenario the ratios are to `cp`.)\n");
    return md.append(END).append('\n').toString();
  }

  private static String ratio(double value, double[] base, int index) {
    return base == null || base[index] <= 0 ? "" : String.format(Locale.ROOT, "%.2f×",
        value / base[index]);
  }

  static String chart(List<Run> runs) {
    Map<String, Map<String, double[]>> medians = medians(runs);
    List<String> tools = new ArrayList<>();
    medians.values().forEach(m -> m.keySet().forEach(t -> {
      if (!tools.contains(t)) {
        tools.add(t);
      }
    }));
    // latchwork first (BarChart's series 0 is always the same blue).
    tools.sort(java.util.Comparator.comparing((String t) -> t));
    tools.sort((a, b) -> Boolean.compare(!a.startsWith("FetchStore"), !b.startsWith("FetchStore")));
    BarChart chart = new BarChart("Whole-process download, median wall time", "seconds", tools);
    medians.forEach((scenario, m) -> chart.group(scenario, tools.stream()
        .mapToDouble(t -> m.containsKey(t) ? m.get(t)[0] : Double.NaN).toArray()));
    return chart.toSvg();
  }

  /** Replaces the marked section of {@code page}, or appends it. */
  static String splice(String page, String section) {
    int start = page.indexOf(START);
    int end = page.indexOf(END);
    if (start >= 0 && end > start) {
      return page.substring(0, start) + section + page.substring(end + END.length()).stripLeading();
    }
    return page.isEmpty() || page.endsWith("\n\n") ? page + section
        : page + (page.endsWith("\n") ? "\n" : "\n\n") + section;
  }
}
