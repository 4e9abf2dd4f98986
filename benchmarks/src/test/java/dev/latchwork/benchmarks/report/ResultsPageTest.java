package dev.latchwork.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsPageTest {

  private static String row(
      String benchmark, String mode, String params, double score, double error, String unit,
      String secondary) {
    return "{ \"jmhVersion\" : \"1.37\", \"benchmark\" : \"dev.latchwork.benchmarks." + benchmark + "\","
        + " \"mode\" : \"" + mode + "\", \"threads\" : 1, \"forks\" : 1,"
        + " \"jdkVersion\" : \"17.0.15\", \"vmName\" : \"OpenJDK 64-Bit Server VM\","
        + (params.isEmpty() ? "" : " \"params\" : {" + params + "},")
        + " \"primaryMetric\" : { \"score\" : " + score + ", \"scoreError\" : "
        + (Double.isNaN(error) ? "\"NaN\"" : String.valueOf(error))
        + ", \"scoreUnit\" : \"" + unit + "\", \"rawData\" : [[1.0, 2.0]] },"
        + " \"secondaryMetrics\" : {" + secondary + "} }";
  }

  private static String aux(String name, double value) {
    return "\"" + name + "\" : { \"score\" : " + value + ", \"scoreError\" : \"NaN\", \"scoreUnit\" : \"#\" }";
  }

  @Test
  void jmhNaNStringsAreReadAsNaNAndBadJsonIsRejectedByName() {
    List<Result> rows =
        Result.fromJmhJson(
            "[" + row("latch.LatchBenchmark.latchwork", "thrpt", "\"label\" : \"x\\\"y\\u0041\"", 2, 0.1, "ops/us", aux("wakeups", 3)) + "]");
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).scenario()).containsEntry("label", "x\"yA");
    assertThat(rows.get(0).secondary().get("wakeups").error()).isNaN();
    assertThatThrownBy(() -> Result.fromJmhJson("[1, 2")).hasMessageContaining("JMH result JSON");
    assertThatThrownBy(() -> Result.fromJmhJson("[] x")).hasMessageContaining("JMH result JSON");
    assertThatThrownBy(() -> Result.fromJmhJson("{}")).hasMessageContaining("expected an array");
  }

  @Test
  void implComesFromTheImplParameterOrElseTheMethodName() {
    List<Result> rows =
        Result.fromJmhJson(
            "["
                + row("tracer.TracerBenchmark.latchwork", "avgt", "\"config\" : \"off\"", 2, 0.1, "ns/op", "")
                + ","
                + row("latch.LatchAwaitAfterOpenBenchmark.awaitAfterOpen", "avgt",
                    "\"impl\" : \"countDownLatch\"", 1, 0.1, "ns/op", "")
                + "]");
    assertThat(rows.get(0).impl()).isEqualTo("latchwork");
    assertThat(rows.get(0).benchmarkClass()).isEqualTo("TracerBenchmark");
    assertThat(rows.get(0).scenario()).containsExactly(Map.entry("config", "off"));
    assertThat(rows.get(1).impl()).isEqualTo("countDownLatch");
    assertThat(rows.get(1).scenario()).isEmpty();
  }

  @Test
  void aLaterMeasurementOfTheSameRowReplacesTheEarlierOne() {
    List<Result> rows =
        Result.fromJmhJson(
            "["
                + row("x.A.m", "avgt", "\"impl\" : \"latchwork\"", 2, 0, "ns/op", "")
                + ","
                + row("x.B.m", "avgt", "\"impl\" : \"latchwork\"", 5, 0, "ns/op", "")
                + ","
                + row("x.A.m", "avgt", "\"impl\" : \"latchwork\"", 3, 0, "ns/op", "")
                + "]");
    List<Result> kept = ResultsPage.latestOfEach(rows);
    assertThat(kept).extracting(r -> r.benchmarkClass() + "=" + r.primary().score())
        .containsExactly("A=3.0", "B=5.0");
  }

  @Test
  void speedUpIsOrientedSoThatAboveOneMeansLatchworkIsFaster() {
    List<Result> times =
        Result.fromJmhJson(
            "["
                + row("x.A.m", "avgt", "\"impl\" : \"latchwork\"", 2, 0, "ns/op", "")
                + ","
                + row("x.A.m", "avgt", "\"impl\" : \"other\"", 6, 0, "ns/op", "")
                + "]");
    assertThat(ResultsPage.speedUp(times.get(0), times.get(1))).isEqualTo(3.0);
    List<Result> rates =
        Result.fromJmhJson(
            "["
                + row("x.A.m", "thrpt", "\"impl\" : \"latchwork\"", 2, 0, "ops/us", "")
                + ","
                + row("x.A.m", "thrpt", "\"impl\" : \"other\"", 8, 0, "ops/us", "")
                + "]");
    assertThat(ResultsPage.speedUp(rates.get(0), rates.get(1))).isEqualTo(0.25);
  }

  @Test
  void pageEvaluatesTargetsFromTheSameRunAndExplainsMisses(@TempDir Path dir) throws Exception {
    String json =
        "["
            + row("latch.LatchAwaitAfterOpenBenchmark.awaitAfterOpen", "avgt",
                "\"impl\" : \"latchwork\"", 0.7, 0.01, "ns/op", "")
            + ","
            + row("latch.LatchAwaitAfterOpenBenchmark.awaitAfterOpen", "avgt",
                "\"impl\" : \"countDownLatch\"", 0.9, 0.01, "ns/op", "")
            + ","
            + row("notifier.NotifierWaitersBenchmark.advance", "thrpt",
                "\"impl\" : \"latchwork\", \"producerWork\" : \"200\", \"waiters\" : \"256\"", 1, 0.1,
                "ops/us", aux("wakeUps", 100) + "," + aux("advances", 100) + ","
                    + aux("served", 100) + "," + aux("stepsLate", 50))
            + ","
            + row("notifier.NotifierWaitersBenchmark.advance", "thrpt",
                "\"impl\" : \"lockCondition\", \"producerWork\" : \"200\", \"waiters\" : \"256\"", 2,
                0.1, "ops/us", aux("wakeUps", 500) + "," + aux("advances", 200) + ","
                    + aux("served", 10) + "," + aux("stepsLate", 5000))
            + ","
            + row("tracer.TracerBenchmark.latchwork", "avgt", "\"config\" : \"off\"", 3.5, 0.1,
                "ns/op", "\"gc.alloc.rate.norm\" : { \"score\" : 0.001, \"scoreError\" : \"NaN\", \"scoreUnit\" : \"B/op\" }")
            + ","
            + row("tracer.TracerBenchmark.slf4jGuard", "avgt", "\"config\" : \"off\"", 1.0, 0.1,
                "ns/op", "")
            + "]";
    Path in = Files.writeString(dir.resolve("run.json"), json);
    Path notes =
        Files.writeString(
            dir.resolve("notes.properties"), "tracer.time=the span check is not inlined\n");
    Path out = dir.resolve("RESULTS.md");
    Path merged = dir.resolve("latest.json");
    ResultsPage.main(
        new String[] {
          "--out", out.toString(), "--charts", dir.resolve("charts").toString(),
          "--notes", notes.toString(), "--merged-json", merged.toString(), in.toString()
        });
    String page = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(page)
        .contains("| latch `await()` after open no slower than `CountDownLatch` | 0.700 ± 0.010 ns/op vs 0.900 ± 0.010 ns/op (speed-up 1.29×) | **met** |")
        // 1 wake-up/advance against 2.5: 2.5x fewer, under the 10x target.
        .contains("1.00 vs 2.50 wake-ups/advance: 2.50× fewer; waiters served 0.500 vs 500.0 steps late | **missed** |")
        .contains("speed-up 0.500×) | **missed** |")
        .contains("2.50 ns difference | **missed** | the span check is not inlined |")
        .contains("1.00e-03 B/op (JMH GC profiler) | **met** |")
        .contains("| on-demand time to first byte at 90% ≥10× lower than sequential | - | not measured | benchmark not in this run |")
        .contains("![NotifierWaitersBenchmark](charts/NotifierWaitersBenchmark.svg)");
    assertThat(dir.resolve("charts/TracerBenchmark.svg")).exists();
    assertThat(Files.readString(dir.resolve("charts/TracerBenchmark.svg"))).startsWith("<svg");
    assertThat(Result.fromJmhJson(Files.readString(merged))).hasSize(6);
  }

  private static String workloadRow(String impl, String budget, double opsPerSecond, double opens,
      double ttfbNanos, double downloaded) {
    return row("fetch.FetchCacheWorkloadBenchmark.openReadRangeClose", "thrpt",
        "\"impl\" : \"" + impl + "\", \"budgetPercent\" : \"" + budget + "\"", opsPerSecond,
        Double.NaN, "ops/s", aux("opens", opens) + "," + aux("ttfbNanos", ttfbNanos) + ","
            + aux("bytesRead", opens * 1048576) + "," + aux("downloadedBytes", downloaded));
  }

  @Test
  void cacheWorkloadRowsGetTimeToFirstByteAndDownloadTablesAndTargetsPerBudget(@TempDir Path dir)
      throws Exception {
    String json = "["
        + workloadRow("latchwork", "50", 80, 400, 400 * 40e6, 400 * 1048576 * 1.5) + ","
        + workloadRow("storePerOpen", "50", 16, 80, 80 * 320e6, 80 * 1048576 * 8.0) + ","
        + workloadRow("storePerOpenSharedBudget", "50", 60, 300, 300 * 30e6, 300 * 1048576 * 2.0)
        + ","
        + workloadRow("latchwork", "100", 320, 1600, 1600 * 12e6, 1600 * 1048576 * 0.25) + ","
        + workloadRow("storePerOpen", "100", 16, 80, 80 * 320e6, 80 * 1048576 * 8.0)
        + "]";
    Path in = Files.writeString(dir.resolve("run.json"), json);
    Path out = dir.resolve("RESULTS.md");
    ResultsPage.main(new String[] {
        "--out", out.toString(), "--charts", dir.resolve("charts").toString(), in.toString()});
    String page = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(page)
        // 40 ms against 320 and 30 ms per open; 1.5 against 8 and 2 bytes downloaded per byte read.
        .contains("| budgetPercent=50 | 40.00 | 320.0 | **8.00×** | 30.00 | **0.750×** |")
        .contains("| budgetPercent=50 | 1.50 | 8.00 | **5.33×** | 2.00 | **1.33×** |")
        .contains("| budgetPercent=100 | 12.00 | 320.0 | **26.67×** | - | - |")
        // Faster than both at 50% but a longer first byte than the shared budget's: missed.
        .contains("(budgetPercent=50) | 80.00 ops/s vs 16.00 ops/s (storePerOpen): 5.00×;"
            + " 80.00 ops/s vs 60.00 ops/s (storePerOpenSharedBudget): 1.33× | **met** |")
        .contains("40.00 vs 30.00 ms (storePerOpenSharedBudget): 0.750× lower | **missed** |")
        // An alternative missing from the run leaves the target unmeasured, never met.
        .contains("(budgetPercent=100) | - | not measured |");
  }
}
