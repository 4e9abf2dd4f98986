package dev.latchwork.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FetchComparisonTest {
  private static final List<String> TSV = List.of(
      "# scenario\ttool\trun\twall\tuser\tsys\trss",
      "1 GiB\tcurl\t1\t2.0\t0.1\t1.0\t11000",
      "1 GiB\tcurl\t2\t4.0\t0.1\t1.1\t11000",
      "1 GiB\tcurl\t3\t3.0\t0.1\t0.9\t12000",
      "1 GiB\tFetchStore p4\t1\t1.5\t0.7\t0.5\t80000",
      "1 GiB\tFetchStore p4\t2\t9.0\t0.8\t0.6\t90000",
      "1 GiB\tFetchStore p4\t3\t1.8\t0.6\t0.7\t70000");

  @Test
  void tableShowsMediansAndRatiosToCurlOfTheSameScenario() {
    String md = FetchComparison.section(FetchComparison.parse(TSV), "uptime: load 1.0", "c.svg");
    // curl: walls 2,4,3 -> 3.00; CPU 1.1,1.2,1.0 -> 1.10. FetchStore: walls 1.5,9,1.8 -> 1.80;
    // CPU 1.2,1.4,1.3 -> 1.30; RSS 80000,90000,70000 KiB -> 78 MiB. Fastest walls: curl 2.0,
    // FetchStore 1.5 -> 0.75x.
    assertThat(md).contains("| 1 GiB | curl | 3 | 3.00 | 1.10 | 11 | 1.00× | 1.00× | 2.00 | 1.00× |")
        .contains("| 1 GiB | FetchStore p4 | 3 | 1.80 | 1.30 | 78 | 0.60× | 1.18× | 1.50 | 0.75× |")
        .contains("- uptime: load 1.0").startsWith(FetchComparison.START)
        .endsWith(FetchComparison.END + "\n");
  }

  @Test
  void spliceReplacesAnEarlierSectionAndKeepsTheRestOfThePage() {
    String first = FetchComparison.splice("# page\n\ntext\n", "<!-- fetch-comparison:start -->\nA\n"
        + "<!-- fetch-comparison:end -->\n");
    assertThat(first).isEqualTo("# page\n\ntext\n\n<!-- fetch-comparison:start -->\nA\n"
        + "<!-- fetch-comparison:end -->\n");
    String second = FetchComparison.splice(first + "tail\n", "<!-- fetch-comparison:start -->\nB\n"
        + "<!-- fetch-comparison:end -->\n");
    assertThat(second).contains("\nB\n").doesNotContain("\nA\n").startsWith("# page")
        .endsWith("tail\n");
  }

  @Test
  void chartHasOneBarPerToolWithFetchStoreFirst() {
    String svg = FetchComparison.chart(FetchComparison.parse(TSV));
    assertThat(svg).startsWith("<svg").contains("FetchStore p4").contains("curl");
    assertThat(svg.indexOf("FetchStore p4")).isLessThan(svg.indexOf(">curl<"));
  }
}
