package dev.latchwork.benchmarks.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class BenchLoggingTest {
  private final Logger log = LoggerFactory.getLogger(BenchLoggingTest.class);

  @AfterEach
  void off() {
    BenchLogging.setEnabled(false);
  }

  /** An argument whose toString() counts its calls: proves whether a message was formatted. */
  private static Object countingToString(AtomicInteger calls) {
    return new Object() {
      @Override
      public String toString() {
        calls.incrementAndGet();
        return "arg";
      }
    };
  }

  @Test
  void theBenchmarkJarsBindingIsThisProvider() {
    assertThat(LoggerFactory.getILoggerFactory().getClass().getEnclosingClass())
        .isEqualTo(BenchLogging.class);
  }

  @Test
  void offMeansEveryLevelIsDisabledAndNothingIsFormatted() {
    AtomicInteger formatted = new AtomicInteger();
    Object arg = countingToString(formatted);
    long before = BenchLogging.linesRendered();
    log.debug("x={}", arg);
    assertThat(log.isTraceEnabled() || log.isDebugEnabled() || log.isErrorEnabled()).isFalse();
    assertThat(formatted).hasValue(0);
    assertThat(BenchLogging.linesRendered()).isEqualTo(before);
  }

  @Test
  void onMeansTheMessageIsRenderedWithItsArgumentsThenDiscarded() {
    BenchLogging.setEnabled(true);
    AtomicInteger formatted = new AtomicInteger();
    Object arg = countingToString(formatted);
    long before = BenchLogging.linesRendered();
    log.debug("x={} y={}", arg, 42L);
    log.atDebug().setMessage("fluent {}").addArgument(arg).log();
    assertThat(log.isDebugEnabled()).isTrue();
    assertThat(formatted).hasValue(2);
    assertThat(BenchLogging.linesRendered()).isEqualTo(before + 2);
  }
}
