package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.SignalFailedException;
import dev.latchwork.fetch.MemorySource.Behavior;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * A part's trace tells its outcome: an attempt that failed and was retried is a RETRY line, and
 * the part's EXIT says FAILED only when the part was not fetched (the fetch-store logger is at
 * DEBUG in these tests, see simplelogger.properties). Each test looks only at its own store's
 * lines: a store of an earlier test, closed while it fetched, may still log into the capture. The
 * capture replaces System.err, so it holds the SYSTEM_ERR lock (for parallel test runs).
 */
@Timeout(30)
@ResourceLock(Resources.SYSTEM_ERR)
class RetryTracingTest {
  private static final int PART = 64 << 10;
  private static final Pattern INSTANCE = Pattern.compile("^FetchStore#(\\d+)\\[");

  @TempDir Path dir;

  private FetchStore open(MemorySource source, RetryPolicy policy) throws IOException {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).parallelism(1)
        .retryPolicy(policy).backoff(new StoreTesting.RecordingBackoff()).open();
  }

  /** The prefix of {@code store}'s log lines, "[FetchStore #n] ". */
  private static String prefixOf(FetchStore store) {
    Matcher m = INSTANCE.matcher(store.toString());
    assertThat(m.find()).as("instance number in %s", store).isTrue();
    return "[FetchStore #" + m.group(1) + "] ";
  }

  @Test
  void aPartThatSucceedsAfterA503IsTracedAsARetryAndNotAsFailed() throws Exception {
    MemorySource source = new MemorySource(bytes(2 * PART, 61));
    source.fault = (start, end, n) -> {
      if (n == 0) {
        throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT, "injected: 503");
      }
      return Behavior.normal();
    };
    List<String> lines;
    String prefix;
    try (LogCapture log = new LogCapture()) {
      try (FetchStore store = open(source, FAST)) {
        prefix = prefixOf(store);
        store.awaitComplete();
        assertThat(store.progress().retries()).isEqualTo(1);
        // The part's EXIT is logged before the part is present, so before awaitComplete returns.
        lines = log.lines();
      }
    }
    assertThat(lines).filteredOn(l -> l.contains(prefix + "fetchPart RETRY part=0 attempt=1"))
        .singleElement().asString().contains("503");
    assertThat(lines).filteredOn(l -> l.contains(prefix + "fetchPart EXIT part=0 "))
        .singleElement().asString().doesNotContain("FAILED");
  }

  /**
   * The failed part's EXIT is logged before the store fails: before the store's WARN line, and
   * before awaitComplete sees the failure and logs its own EXIT. The lines are read once the
   * store's progress has failed, which the store does after logging its WARN line.
   */
  @Test
  void aPartThatFailsForGoodIsTracedAsFailedWithTheLastFailure() throws Exception {
    MemorySource source = new MemorySource(bytes(PART, 62));
    source.fault = (start, end, n) -> {
      throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT, "injected: 503 #" + n);
    };
    List<String> lines;
    String prefix;
    try (LogCapture log = new LogCapture()) {
      try (FetchStore store = open(source, FAST.withMaxAttempts(2))) {
        prefix = prefixOf(store);
        assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
            .hasMessageContaining("failed 2 times");
        // awaitComplete may see the failure before the store has logged it and stopped.
        assertThatThrownBy(() -> store.download.bytesPresent().awaitAtLeast(PART))
            .isInstanceOf(SignalFailedException.class);
        lines = log.lines();
      }
    }
    String all = String.join("\n", lines);
    assertThat(lines).as(all).filteredOn(l -> l.contains(prefix + "fetchPart RETRY part=0"))
        .singleElement().asString().contains("503 #0");
    int exit = indexOf(lines, prefix + "fetchPart EXIT part=0 ");
    int storeFailed = indexOf(lines, prefix + "download of ");
    int awaitExit = indexOf(lines, prefix + "awaitComplete EXIT ");
    assertThat(exit).as("the part's EXIT line in:%n%s", all).isNotNegative();
    assertThat(lines.get(exit)).contains("FAILED").contains("503 #1");
    assertThat(storeFailed).as("the store's failure line in:%n%s", all).isNotNegative();
    assertThat(awaitExit).as("awaitComplete's EXIT line in:%n%s", all).isNotNegative();
    assertThat(exit).as("the part's EXIT before the store fails, in:%n%s", all)
        .isLessThan(storeFailed).isLessThan(awaitExit);
  }

  /** The index of the only line containing {@code text}, or -1; fails if several do. */
  private static int indexOf(List<String> lines, String text) {
    int[] found = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains(text))
        .toArray();
    assertThat(found).as("lines containing %s", text).hasSizeLessThanOrEqualTo(1);
    return found.length == 0 ? -1 : found[0];
  }
}
