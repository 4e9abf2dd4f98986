package dev.latchwork.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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

  /** Strict: trailing content after the array is an error, not silently ignored. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  /**
   * Reads the rows of a JMH result file ({@code -rf json}).
   *
   * @throws IllegalArgumentException if {@code json} is not JSON, or not an array of JMH results
   */
  static List<Result> fromJmhJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("JMH result JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException("JMH result JSON: expected an array of results");
    }
    List<Result> out = new java.util.ArrayList<>();
    for (JsonNode r : root) {
      String fqn = text(r, "benchmark");
      int lastDot = fqn.lastIndexOf('.');
      String method = fqn.substring(lastDot + 1);
      String cls = fqn.substring(fqn.lastIndexOf('.', lastDot - 1) + 1, lastDot);
      Map<String, String> params = new TreeMap<>();
      r.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
      String impl = params.containsKey("impl") ? params.remove("impl") : method;
      Map<String, Metric> secondary = new LinkedHashMap<>();
      r.path("secondaryMetrics").properties().forEach(e -> secondary.put(e.getKey(), metric(e.getValue())));
      String jdk = r.path("jdkVersion").asText() + " (" + r.path("vmName").asText() + ")";
      out.add(
          new Result(
              cls,
              method,
              impl,
              Collections.unmodifiableMap(params),
              text(r, "mode"),
              metric(r.path("primaryMetric")),
              Collections.unmodifiableMap(secondary),
              jdk));
    }
    return out;
  }

  private static Metric metric(JsonNode m) {
    JsonNode error = m.get("scoreError");
    return new Metric(
        number(m.get("score"), "score"),
        error == null ? Double.NaN : number(error, "scoreError"),
        text(m, "scoreUnit"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("JMH result JSON: no text field '" + field + "' in " + node);
    }
    return value.asText();
  }

  /** A JSON number, or one of the strings JMH writes for NaN and infinities, as a double. */
  static double number(JsonNode value, String field) {
    if (value != null && value.isNumber()) {
      return value.doubleValue();
    }
    if (value != null && value.isTextual()) {
      try {
        return Double.parseDouble(value.asText());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("JMH result JSON: '" + field + "' is not a number: " + value, e);
      }
    }
    throw new IllegalArgumentException("JMH result JSON: '" + field + "' is not a number: " + value);
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
