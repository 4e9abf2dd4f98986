package dev.latchwork.jcstress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.grading.TestGrading;
import org.openjdk.jcstress.infra.runners.TestList;

/**
 * The CI gate on a jcstress run: reads the binary results file jcstress wrote
 * ({@code jcstress-results-*.bin.gz}) and fails, with exit status 1, when
 *
 * <ul>
 *   <li>a latchwork harness that should have run (every {@code dev.latchwork.*} test compiled into
 *       this jar that matches the run's test filter) has no result at all: a harness that was
 *       skipped, for example because it needs more CPUs than the machine has, proves nothing;
 *   <li>a harness ended in an error (exception, VM crash, timeout, API mismatch) or recorded no
 *       sample;
 *   <li>a harness observed a FORBIDDEN (or unlisted) outcome, i.e. jcstress graded it failed;
 *   <li>a negative control (package {@code dev.latchwork.jcstress.negative}) did <em>not</em>
 *       observe its ACCEPTABLE_INTERESTING outcome: a suite that cannot catch the broken designs
 *       it exists to catch is not evidence that the real primitives are correct.
 * </ul>
 *
 * <p>Usage: {@code java -cp jcstress.jar dev.latchwork.jcstress.ResultCheck <results.bin.gz>
 * [<test regexp>]}; the regexp is the one the run was given with {@code -t} (default: all tests).
 * Exit status 0: pass; 1: a check failed; 2: bad usage or an unreadable results file.
 */
public final class ResultCheck {
  /*
   * Implementation notes. jcstress 0.16 serialises every TestResult (one per test, JVM
   * configuration and fork) into the results file; ReportUtils.mergedByName folds them per test
   * and TestGrading applies the harness's @Outcome annotations, exactly as jcstress's own console
   * and HTML reports do, so this check and the report can never disagree about what was observed.
   * The list of tests that should have run comes from META-INF/TestList of the same jar (the one
   * the annotation processor wrote), not from the results, so a missing test is noticed.
   */

  static final String LATCHWORK_PREFIX = "dev.latchwork.";
  static final String NEGATIVE_CONTROL_PACKAGE = "dev.latchwork.jcstress.negative.";

  private ResultCheck() {}

  public static void main(String[] args) {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: ResultCheck <jcstress-results-*.bin.gz> [<test regexp given to -t>]");
      System.exit(2);
    }
    Path resultsFile = Path.of(args[0]);
    Pattern filter = Pattern.compile(args.length == 2 ? args[1] : ".*");
    List<String> expected = new ArrayList<>();
    for (String name : TestList.tests()) {
      if (name.startsWith(LATCHWORK_PREFIX) && filter.matcher(name).find()) {
        expected.add(name);
      }
    }
    expected.sort(null);
    Map<String, TestResult> results;
    try {
      results = readResults(resultsFile);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      System.err.println("ResultCheck: cannot read jcstress results from " + resultsFile + ": " + e);
      System.exit(2);
      return;
    }
    List<String> failures = check(expected, results, System.out);
    if (failures.isEmpty()) {
      System.out.printf("ResultCheck: PASS (%d latchwork harnesses checked)%n", expected.size());
      System.exit(0);
    }
    System.out.printf("ResultCheck: FAIL (%d problems)%n", failures.size());
    for (String failure : failures) {
      System.out.println("  - " + failure);
    }
    System.exit(1);
  }

  /** Reads a jcstress results file and merges its results per test name. */
  static Map<String, TestResult> readResults(Path resultsFile) throws IOException, ClassNotFoundException {
    if (!Files.isRegularFile(resultsFile)) {
      throw new IOException("no such file");
    }
    InProcessCollector collector = new InProcessCollector();
    DiskReadCollector reader = new DiskReadCollector(resultsFile.toString(), collector);
    try {
      reader.dump();
    } finally {
      reader.close();
    }
    Map<String, TestResult> byName = new TreeMap<>();
    for (TestResult result : ReportUtils.mergedByName(collector.getTestResults())) {
      byName.put(result.getName(), result);
    }
    return byName;
  }

  /**
   * Checks every expected test against the merged results, prints one line per test and returns
   * the failures (empty: pass).
   */
  static List<String> check(List<String> expected, Map<String, TestResult> results, PrintStream out) {
    List<String> failures = new ArrayList<>();
    if (expected.isEmpty()) {
      failures.add("no latchwork harness matched the filter: 0 tests is not a pass");
      return failures;
    }
    for (String name : expected) {
      TestResult result = results.get(name);
      boolean negativeControl = name.startsWith(NEGATIVE_CONTROL_PACKAGE);
      if (result == null) {
        failures.add(name + ": not run (no result in the results file)");
        out.printf("MISSING   %s%n", name);
        continue;
      }
      List<String> problems = new ArrayList<>();
      if (result.status() != Status.NORMAL) {
        problems.add("status " + result.status() + messages(result));
      }
      if (result.getTotalCount() == 0) {
        problems.add("no samples recorded");
      }
      TestGrading grading = result.grading();
      long interesting = 0;
      StringBuilder counts = new StringBuilder();
      for (GradingResult outcome : grading.gradingResults.values()) {
        if (outcome.count == 0) {
          continue;
        }
        counts.append(counts.length() == 0 ? "" : ", ")
            .append('[').append(outcome.id).append("]=").append(outcome.count);
        if (outcome.expect == Expect.ACCEPTABLE_INTERESTING) {
          interesting += outcome.count;
        }
        if (outcome.expect == Expect.FORBIDDEN) {
          problems.add("FORBIDDEN outcome [" + outcome.id + "] observed " + outcome.count
              + " times: " + outcome.description);
        }
      }
      if (!grading.isPassed && problems.isEmpty()) {
        problems.add("jcstress graded it failed: " + String.join("; ", grading.failureMessages));
      }
      if (negativeControl && interesting == 0) {
        problems.add("negative control NOT caught: its ACCEPTABLE_INTERESTING outcome (the hang or"
            + " lost signal of the broken design) was never observed, so this run could not have"
            + " caught a lost wake-up");
      }
      String verdict = !problems.isEmpty() ? "FAIL" : negativeControl ? "CAUGHT" : "OK";
      out.printf("%-9s %s  {%s}%s%n", verdict, name, counts,
          negativeControl ? "  interesting samples: " + interesting : "");
      for (String problem : problems) {
        failures.add(name + ": " + problem);
      }
    }
    return failures;
  }

  private static String messages(TestResult result) {
    List<String> lines = new ArrayList<>();
    for (String message : result.getMessages()) {
      if (!ReportUtils.skipMessage(message)) {
        lines.add(message);
      }
    }
    lines.addAll(result.getVmErr());
    if (lines.isEmpty()) {
      return "";
    }
    String joined = String.join(" | ", lines);
    return ": " + (joined.length() > 2000 ? joined.substring(0, 2000) + " ..." : joined);
  }
}
