package dev.latchwork.benchmarks.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JMH result (one benchmark method with one parameter combination), as read from JMH's JSON.
 *
 * @param benchmarkClass simple name of the benchmark class: one section of the results page
 * @param method the {@code @Benchmark} method
 * @param impl which implementation this row measures: the {@code impl} parameter if the benchmark
 *     has one, else the method name ({@code latchwork} is latchwork, everything else an alternative)
 * @param scenario every parameter except {@code impl}, sorted by name
 * @param mode JMH mode ({@code thrpt}, {@code avgt}, {@code ss}, {@code sample})
 * @param secondary secondary metrics by name (GC profiler, aux counters)
 * @param jdk JDK version and VM that produced the row
 */
record Result(
    String benchmarkClass,
    String method,
    String impl,
    Map<String, String> scenario,
    String mode,
    Metric primary,
    Map<String, Metric> secondary,
    String jdk) {

  /** A score, its error (99.9% half-width, NaN with a single iteration) and its unit. */
  record Metric(double score, double error, String unit) {}

  /** True if a larger score is better (throughput), false for times. */
  boolean higherIsBetter() {
    return mode.equals("thrpt");
  }

  static List<Result> fromJmhJson(String json) {
    List<Result> out = new java.util.ArrayList<>();
    for (Object o : Json.array(Json.parse(json))) {
      Map<String, Object> r = Json.object(o);
      String fqn = (String) r.get("benchmark");
      int lastDot = fqn.lastIndexOf('.');
      String method = fqn.substring(lastDot + 1);
      String cls = fqn.substring(fqn.lastIndexOf('.', lastDot - 1) + 1, lastDot);
      Map<String, String> params = new TreeMap<>();
      Object p = r.get("params");
      if (p != null) {
        Json.object(p).forEach((k, v) -> params.put(k, String.valueOf(v)));
      }
      String impl = params.containsKey("impl") ? params.remove("impl") : method;
      Map<String, Metric> secondary = new LinkedHashMap<>();
      Object s = r.get("secondaryMetrics");
      if (s != null) {
        Json.object(s).forEach((k, v) -> secondary.put(k, metric(Json.object(v))));
      }
      String jdk = r.get("jdkVersion") + " (" + r.get("vmName") + ")";
      out.add(
          new Result(
              cls,
              method,
              impl,
              Collections.unmodifiableMap(params),
              (String) r.get("mode"),
              metric(Json.object(r.get("primaryMetric"))),
              Collections.unmodifiableMap(secondary),
              jdk));
    }
    return out;
  }

  private static Metric metric(Map<String, Object> m) {
    Object error = m.get("scoreError");
    return new Metric(
        Json.number(m.get("score")),
        error == null ? Double.NaN : Json.number(error),
        (String) m.get("scoreUnit"));
  }

  /** True if every parameter this row and {@code other} both have is equal. */
  boolean sameScenarioAs(Result other) {
    for (Map.Entry<String, String> e : scenario.entrySet()) {
      String v = other.scenario.get(e.getKey());
      if (v != null && !v.equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  String scenarioLabel() {
    if (scenario.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    scenario.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
    return sb.toString();
  }
}
