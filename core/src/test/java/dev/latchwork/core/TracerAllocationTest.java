package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * With logging and in-flight tracking off, enter + close allocate nothing, in whatever tier the
 * JIT happens to run them (interpreter, C1, C2), as measured by the thread's allocated-bytes
 * counter.
 *
 * <p>Robustness: each round runs many operations, so an allocation per operation (at least 16
 * bytes per object) would add hundreds of kilobytes, while the bound allowed per round is
 * {@value #SLACK_BYTES} bytes above the cost of reading the counter itself (calibrated first),
 * a constant that cannot hide a per-call allocation. Class loading and constant resolution happen
 * in a short warm-up before the first measured round, which therefore starts in the interpreter
 * (C1 compiles enter/close during it); later rounds run after enough calls for C2. Checked: an
 * inert span allocated per call instead of the shared one fails the early round on JDK 17 and 25.
 * The rounds include the {@code failUnlessOk()} / {@code ok(result)} idiom. A
 * positive control shows the counter sees the spans allocated when tracking is on.
 */
class TracerAllocationTest {

  static final class Quiet {}

  private static final int SLACK_BYTES = 1024;
  private static final String LEN = "all";
  private static final IOException FAILURE = new IOException("preallocated");

  private com.sun.management.ThreadMXBean threads;
  private Tracer tracer;
  private long sink;

  @BeforeEach
  void setUp() {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
        "needs com.sun.management.ThreadMXBean");
    threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation counter");
    threads.setThreadAllocatedMemoryEnabled(true);
    Tracer.trackInFlight(false);
    tracer = Tracer.forInstance(Quiet.class, new TracerTestLogger("quiet", Level.INFO));
  }

  @AfterEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @Test
  void enterAndCloseAllocateNothingWhenLoggingAndTrackingAreOff() {
    assertThat(Tracer.isTrackingInFlight()).as("no watchdog may be running").isFalse();
    long overhead = counterOverhead();

    run(10); // load classes, resolve constants
    long interpreted = measure(2_000);
    run(200_000); // enough calls and loop iterations for C1 and C2
    long[] compiled = new long[5];
    for (int i = 0; i < compiled.length; i++) {
      compiled[i] = measure(200_000);
    }

    assertThat(interpreted - overhead)
        .as("bytes for 2,000 early (interpreter, then C1) rounds of 9 operations")
        .isLessThanOrEqualTo(SLACK_BYTES);
    for (long bytes : compiled) {
      assertThat(bytes - overhead)
          .as("bytes for 200,000 compiled rounds of 9 operations (all rounds: %s)",
              java.util.Arrays.toString(compiled))
          .isLessThanOrEqualTo(SLACK_BYTES);
    }
  }

  @Test
  void theCounterSeesTheSpansAllocatedWhenTrackingIsOn() {
    run(10);
    Tracer.trackInFlight(true);
    long bytes = measure(2_000);
    Tracer.trackInFlight(false);
    assertThat(bytes).as("each tracked operation allocates a span").isGreaterThan(2_000L * 9 * 16);
  }

  /** Bytes the thread allocates in {@code rounds} rounds of every enter overload + close. */
  private long measure(int rounds) {
    long before = threads.getCurrentThreadAllocatedBytes();
    run(rounds);
    long after = threads.getCurrentThreadAllocatedBytes();
    return after - before;
  }

  /** The largest allocation seen for reading the counter twice with nothing in between. */
  private long counterOverhead() {
    long max = 0;
    for (int i = 0; i < 10; i++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      long after = threads.getCurrentThreadAllocatedBytes();
      max = Math.max(max, after - before);
    }
    return max;
  }

  private void run(int rounds) {
    Tracer t = tracer;
    for (int i = 0; i < rounds; i++) {
      long pos = i * 4096L;
      try (Tracer.Span span = t.enter("readAt")) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "pos", pos)) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "len", LEN)) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "pos", pos, "len", 131072L)) {
        span.fail(FAILURE);
      }
      try (Tracer.Span span = t.enter("readAt", "pos", LEN, "len", LEN)) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "pos", pos, "len", LEN)) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "pos", LEN, "len", pos)) {
        sink += pos;
      }
      try (Tracer.Span span = t.enter("readAt", "pos", pos).failUnlessOk()) {
        sink += span.ok(pos);
      }
      try (Tracer.Span span = t.enter("readAt", "len", LEN).failUnlessOk()) {
        sink += span.ok((int) pos);
        span.ok();
      }
    }
  }
}
