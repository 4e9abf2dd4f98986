package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Tracer lines, instance numbers, formatting safety and bad input. */
class TracerTest {

  /** Stands for a traced component; its simple name is what lines show. */
  static final class FetchStore {}

  static final class NumberedOnce {}

  static final class NumberedTwice {}

  static final class NumberedConcurrently {}

  static final class EndToEnd {}

  private TracerTestLogger log;

  @BeforeEach
  void trackingOff() {
    Tracer.trackInFlight(false);
    log = new TracerTestLogger(FetchStore.class.getName(), Level.DEBUG);
  }

  @AfterEach
  void restoreTracking() {
    Tracer.trackInFlight(false);
  }

  @Test
  @SuppressWarnings("deprecation") // Thread#getId: the tracer must agree with it on JDK 17 too
  void enterAndCloseWriteEnterAndExitLinesTaggedWithInstanceAndThread() throws Exception {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    AtomicLong tid = new AtomicLong();
    runIn("fetch-worker-3", () -> {
      tid.set(Thread.currentThread().getId());
      try (Tracer.Span span = tracer.enter("readAt", "pos", 1048576L, "len", 131072L)) {
        assertThat(span).isNotSameAs(Tracer.Span.NOOP);
      }
    });

    String head = "[FetchStore #" + tracer.instance() + "] readAt ";
    String tail = " pos=1048576 len=131072 thread=fetch-worker-3 tid=" + tid.get();
    assertThat(log.lines()).hasSize(2).allMatch(line -> line.level() == Level.DEBUG);
    assertThat(log.messages().get(0)).isEqualTo(head + "ENTER" + tail);
    assertThat(log.messages().get(1)).matches(quoted(head + "EXIT" + tail + " took=") + "\\d+\\.\\d+ms");
  }

  @Test
  void everyOverloadWritesItsKeysAndValuesInOrder() {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    tracer.enter("a").close();
    tracer.enter("b", "k", "v").close();
    tracer.enter("c", "n", 7L).close();
    tracer.enter("d", "k1", "v1", "k2", null).close();
    tracer.enter("e", "n1", -1L, "n2", Long.MAX_VALUE).close();
    tracer.enter("f", "k", "v", "n", 3L).close();
    tracer.enter("g", "n", 3L, "k", Boolean.TRUE).close();

    List<String> enters = new ArrayList<>();
    for (String message : log.messages()) {
      if (message.contains(" ENTER")) {
        enters.add(message.substring(0, message.indexOf(" thread=")));
      }
    }
    String p = "[FetchStore #" + tracer.instance() + "] ";
    assertThat(enters)
        .containsExactly(
            p + "a ENTER",
            p + "b ENTER k=v",
            p + "c ENTER n=7",
            p + "d ENTER k1=v1 k2=null",
            p + "e ENTER n1=-1 n2=" + Long.MAX_VALUE,
            p + "f ENTER k=v n=3",
            p + "g ENTER n=3 k=true");
  }

  @Test
  void exitLineOfAFailedOperationSaysFailedWithTheFirstFailure() {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    try (Tracer.Span span = tracer.enter("readAt", "pos", 0L)) {
      span.fail(new IOException("gone"));
      span.fail(new IllegalStateException("second"));
    }
    assertThat(log.messages().get(1))
        .matches(
            quoted("[FetchStore #" + tracer.instance() + "] readAt EXIT pos=0 thread=")
                + ".* took=\\d+\\.\\d+ms FAILED java\\.io\\.IOException: gone");
  }

  @Test
  void valueWhoseToStringThrowsIsWrittenAsAPlaceholderAndTheOperationGoesOn() {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    Object hostile =
        new Object() {
          @Override
          public String toString() {
            throw new IllegalStateException("no");
          }
        };
    Throwable hostileFailure =
        new RuntimeException() {
          private static final long serialVersionUID = 1L;

          @Override
          public String toString() {
            throw new UnsupportedOperationException("no");
          }
        };
    Tracer.trackInFlight(true);
    String result;
    try (Tracer.Span span = tracer.enter("read", "file", hostile, "n", 1L)) {
      assertThat(Tracer.inFlight())
          .filteredOn(op -> op.instance() == tracer.instance() && op.component().equals("FetchStore"))
          .singleElement()
          .satisfies(
              op ->
                  assertThat(op.value("file"))
                      .isEqualTo("<toString() threw java.lang.IllegalStateException>"));
      span.fail(hostileFailure);
      result = "done";
    }
    assertThat(result).isEqualTo("done");
    assertThat(log.messages().get(0))
        .contains(" ENTER file=<toString() threw java.lang.IllegalStateException> n=1 thread=");
    assertThat(log.messages().get(1))
        .contains(" EXIT file=<toString() threw java.lang.IllegalStateException> n=1 thread=")
        .endsWith(" FAILED <toString() threw java.lang.UnsupportedOperationException>");
  }

  @Test
  void valuesAreFormattedOnlyWhenALineIsWrittenAndOnceForBothLines() {
    AtomicInteger formatted = new AtomicInteger();
    Object counting =
        new Object() {
          @Override
          public String toString() {
            return "seen" + formatted.incrementAndGet();
          }
        };
    TracerTestLogger quiet = new TracerTestLogger("quiet", Level.INFO);
    Tracer silent = Tracer.forInstance(FetchStore.class, quiet);
    silent.enter("op", "v", counting).close();
    Tracer.trackInFlight(true);
    silent.enter("op", "v", counting).close(); // recorded in flight, no snapshot taken
    Tracer.trackInFlight(false);
    assertThat(formatted).hasValue(0);
    assertThat(quiet.lines()).isEmpty();

    Tracer loud = Tracer.forInstance(FetchStore.class, log);
    loud.enter("op", "v", counting).close();
    assertThat(formatted).hasValue(1);
    assertThat(log.messages()).hasSize(2).allMatch(m -> m.contains(" v=seen1 "));
  }

  @Test
  void withLoggingAndTrackingOffEnterReturnsTheSharedInertSpan() {
    TracerTestLogger quiet = new TracerTestLogger("quiet", Level.INFO);
    Tracer tracer = Tracer.forInstance(FetchStore.class, quiet);
    Tracer.Span span = tracer.enter("op", "n", 1L, "m", 2L);
    span.fail(new IOException("ignored"));
    span.close();
    assertThat(span).isSameAs(Tracer.Span.NOOP);
    assertThat(tracer.enter("op")).isSameAs(Tracer.Span.NOOP);
    assertThat(quiet.lines()).isEmpty();
  }

  @Test
  void anOperationWhoseEnterWasNotWrittenGetsNoExitLine() {
    log.setThreshold(Level.INFO);
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    Tracer.trackInFlight(true); // a real span, so the switch is what decides
    try (Tracer.Span span = tracer.enter("op")) {
      assertThat(span).isNotSameAs(Tracer.Span.NOOP);
      log.setThreshold(Level.DEBUG);
    }
    assertThat(log.lines()).isEmpty();
  }

  @Test
  void closeIsIdempotentAndFailAfterCloseIsIgnored() {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    Tracer.Span span = tracer.enter("op");
    span.close();
    span.fail(new IOException("late"));
    span.close();
    assertThat(log.messages()).hasSize(2);
    assertThat(log.messages().get(1)).doesNotContain("FAILED");
  }

  @Test
  void instanceNumbersCountFromOnePerComponent() {
    assertThat(Tracer.forInstance(NumberedOnce.class).instance()).isEqualTo(1);
    assertThat(Tracer.forInstance(NumberedTwice.class).instance()).isEqualTo(1);
    assertThat(Tracer.forInstance(NumberedTwice.class).instance()).isEqualTo(2);
    Tracer third = Tracer.forInstance(NumberedTwice.class);
    assertThat(third.instance()).isEqualTo(3);
    assertThat(third.component()).isEqualTo("NumberedTwice");
    assertThat(third).hasToString("[NumberedTwice #3]");
  }

  @Test
  void concurrentTracersOfOneComponentGetDistinctConsecutiveNumbers() throws Exception {
    int threads = 4;
    int perThread = 2_000;
    Set<Integer> numbers = ConcurrentHashMap.newKeySet();
    TracerInFlightTest.whileWorkersRun(
        threads,
        index -> {
          for (int i = 0; i < perThread; i++) {
            numbers.add(Tracer.forInstance(NumberedConcurrently.class, log).instance());
          }
        },
        () -> numbers.add(Tracer.forInstance(NumberedConcurrently.class, log).instance()));
    int created = Tracer.forInstance(NumberedConcurrently.class, log).instance() - 1;
    assertThat(created).isGreaterThanOrEqualTo(threads * perThread);
    assertThat(numbers).hasSize(created);
    assertThat(numbers.stream().mapToInt(Integer::intValue).min()).hasValue(1);
    assertThat(numbers.stream().mapToInt(Integer::intValue).max()).hasValue(created);
  }

  @Test
  void forInstanceLogsThroughTheLoggerNamedAfterTheComponent() {
    assertThat(Tracer.forInstance(FetchStore.class).logger().getName())
        .isEqualTo(FetchStore.class.getName());
    Tracer anonymous = Tracer.forInstance(new Object() {}.getClass());
    assertThat(anonymous.component()).startsWith(TracerTest.class.getName() + "$");
  }

  @Test
  void linesReachTheSlf4jBindingAtDebug() throws Exception {
    // slf4j-simple reads a logger's level from System properties when the logger is created
    System.setProperty("org.slf4j.simpleLogger.log." + EndToEnd.class.getName(), "debug");
    Tracer tracer = Tracer.forInstance(EndToEnd.class);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      runIn("copier", () -> tracer.enter("copy", "n", 3L).close());
    } finally {
      System.setErr(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("DEBUG")
        .contains("[EndToEnd #" + tracer.instance() + "] copy ENTER n=3 thread=copier tid=")
        .containsPattern(
            quoted("[EndToEnd #" + tracer.instance() + "] copy EXIT n=3 thread=copier tid=")
                + "\\d+ took=\\d+\\.\\d+ms");
  }

  @Test
  void badInputIsRejectedWithTheNameOfTheArgument() {
    Tracer tracer = Tracer.forInstance(FetchStore.class, log);
    assertThatThrownBy(() -> Tracer.forInstance(null)).hasMessage("component");
    assertThatThrownBy(() -> tracer.enter(null)).isInstanceOf(NullPointerException.class).hasMessage("operation");
    assertThatThrownBy(() -> tracer.enter("op", null, 1L)).hasMessage("key");
    assertThatThrownBy(() -> tracer.enter("op", "a", 1L, null, "x")).hasMessage("key2");
    assertThatThrownBy(() -> tracer.enter("op", null, "x", "b", 2L)).hasMessage("key1");
    try (Tracer.Span span = tracer.enter("op")) {
      assertThatThrownBy(() -> span.fail(null)).hasMessage("failure");
    }
    assertThatThrownBy(() -> Tracer.Span.NOOP.fail(null)).hasMessage("failure");
    assertThat(log.messages()).hasSize(2); // only the span that was entered
  }

  @Test
  void durationsAreWrittenInMilliseconds() {
    assertThat(millis(0)).isEqualTo("0.000ms");
    assertThat(millis(-5)).isEqualTo("0.000ms");
    assertThat(millis(7_000)).isEqualTo("0.007ms");
    assertThat(millis(42_900)).isEqualTo("0.042ms");
    assertThat(millis(317_000)).isEqualTo("0.317ms");
    assertThat(millis(999_999)).isEqualTo("0.999ms");
    assertThat(millis(1_000_000)).isEqualTo("1.0ms");
    assertThat(millis(1_234_567)).isEqualTo("1.2ms");
    assertThat(millis(12_345_678_901L)).isEqualTo("12345.6ms");
  }

  @Test
  @SuppressWarnings("deprecation") // Thread#getId: the tracer must agree with it on JDK 17 too
  void platformThreadsAreTaggedWithNameAndId() {
    Thread current = Thread.currentThread();
    StringBuilder tag = new StringBuilder();
    ThreadIdentity.appendTag(
        tag, current.getName(), ThreadIdentity.isVirtual(current), ThreadIdentity.id(current));
    assertThat(ThreadIdentity.isVirtual(current)).isFalse();
    assertThat(ThreadIdentity.id(current)).isEqualTo(current.getId());
    assertThat(tag).hasToString("thread=" + current.getName() + " tid=" + current.getId());
    StringBuilder virtual = new StringBuilder();
    ThreadIdentity.appendTag(virtual, "", true, 9);
    assertThat(virtual).hasToString("thread=virtual tid=9");
  }

  private static String millis(long nanos) {
    StringBuilder line = new StringBuilder();
    Tracer.appendMillis(line, nanos);
    return line.toString();
  }

  private static String quoted(String literal) {
    return java.util.regex.Pattern.quote(literal);
  }

  /** Runs {@code body} in a new thread named {@code name} and rethrows what it threw. */
  static void runIn(String name, Runnable body) throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread thread = new Thread(body, name);
    thread.setUncaughtExceptionHandler((t, e) -> thrown.set(e));
    thread.start();
    thread.join();
    if (thrown.get() instanceof Error error) {
      throw error;
    }
    if (thrown.get() != null) {
      throw new AssertionError("thread " + name + " failed", thrown.get());
    }
  }
}
