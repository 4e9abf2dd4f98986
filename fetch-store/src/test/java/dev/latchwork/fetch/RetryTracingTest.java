package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.fetch.MemorySource.Behavior;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A part's trace tells its outcome: an attempt that failed and was retried is a RETRY line, and
 * the part's EXIT says FAILED only when the part was not fetched (the fetch-store logger is at
 * DEBUG in these tests, see simplelogger.properties).
 */
class RetryTracingTest {
  private static final int PART = 64 << 10;

  @TempDir Path dir;

  private FetchStore open(MemorySource source, RetryPolicy policy) throws IOException {
    return FetchStore.builder(source).tempDirectory(dir).partSize(PART).parallelism(1)
        .retryPolicy(policy).backoff(new StoreTesting.RecordingBackoff()).open();
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
    try (LogCapture log = new LogCapture()) {
      try (FetchStore store = open(source, FAST)) {
        store.awaitComplete();
        assertThat(store.progress().retries()).isEqualTo(1);
      }
      lines = log.lines();
    }
    assertThat(lines).filteredOn(l -> l.contains("fetchPart RETRY part=0 attempt=1"))
        .singleElement().asString().contains("503");
    List<String> exits = lines.stream().filter(l -> l.contains("fetchPart EXIT part=0 ")).toList();
    assertThat(exits).singleElement().asString().doesNotContain("FAILED");
  }

  @Test
  @Disabled("intermittent in full-suite runs: no RETRY line captured although the part failed"
      + " after two attempts; suspected System.err capture racing the fetch thread; see the note")
  void aPartThatFailsForGoodIsTracedAsFailedWithTheLastFailure() throws Exception {
    MemorySource source = new MemorySource(bytes(PART, 62));
    source.fault = (start, end, n) -> {
      throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT, "injected: 503 #" + n);
    };
    List<String> lines;
    try (LogCapture log = new LogCapture()) {
      try (FetchStore store = open(source, FAST.withMaxAttempts(2))) {
        assertThatThrownBy(store::awaitComplete).isInstanceOf(IOException.class)
            .hasMessageContaining("failed 2 times");
      }
      lines = log.lines();
    }
    assertThat(lines).filteredOn(l -> l.contains("fetchPart RETRY part=0")).hasSize(1);
    assertThat(lines).filteredOn(l -> l.contains("fetchPart EXIT part=0 ")).singleElement()
        .asString().contains("FAILED").contains("503 #1");
  }
}
