package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The one tracing idiom: {@code failUnlessOk()} on entry, {@code ok(...)} as the last step. */
class TracerOutcomeTest {

  static final class Component {}

  private TracerTestLogger log;
  private Tracer tracer;

  @BeforeEach
  void setUp() {
    Tracer.trackInFlight(false);
    log = new TracerTestLogger(Component.class.getName(), Level.DEBUG);
    tracer = Tracer.forInstance(Component.class, log);
  }

  @AfterEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  private int read(boolean failing) throws IOException {
    try (Tracer.Span span = tracer.enter("read", "pos", 7L).failUnlessOk()) {
      if (failing) {
        throw new IOException("gone");
      }
      return span.ok(42);
    }
  }

  private String exitLine() {
    List<String> messages = log.messages();
    assertThat(messages).hasSize(2);
    assertThat(messages.get(1)).contains("read EXIT pos=7");
    return messages.get(1);
  }

  @Test
  void anOperationThatRecordedOkIsTracedAsSucceeded() throws IOException {
    assertThat(read(false)).isEqualTo(42);

    assertThat(exitLine()).doesNotContain("FAILED");
  }

  @Test
  void anExceptionEscapingTheBodyIsTracedAsFailedWithoutACatch() {
    assertThatThrownBy(() -> read(true)).isInstanceOf(IOException.class).hasMessage("gone");

    assertThat(exitLine()).endsWith("FAILED (no ok() before close)");
  }

  @Test
  void aRecordedCauseIsNamedWhenTheOperationEndsWithoutOk() {
    try (Tracer.Span span = tracer.enter("read", "pos", 7L).failUnlessOk()) {
      span.fail(new IOException("disk on fire"));
    }

    assertThat(exitLine()).endsWith("FAILED java.io.IOException: disk on fire");
  }

  @Test
  void okAfterARecordedFailureMeansTheOperationSucceeded() {
    try (Tracer.Span span = tracer.enter("read", "pos", 7L)) {
      span.fail(new IOException("503, retried"));
      span.ok();
    }

    assertThat(exitLine()).doesNotContain("FAILED");
  }

  @Test
  void withoutFailUnlessOkASpanClosedWithoutOkIsTracedAsBefore() {
    try (Tracer.Span span = tracer.enter("read", "pos", 7L)) {
      assertThat(span).isNotNull();
    }

    assertThat(exitLine()).doesNotContain("FAILED");
  }

  @Test
  void okReturnsItsArgumentOfEveryType() {
    try (Tracer.Span span = tracer.enter("read", "pos", 7L).failUnlessOk()) {
      assertThat(span.ok(5L)).isEqualTo(5L);
      assertThat(span.ok(6)).isEqualTo(6);
      assertThat(span.ok("text")).isEqualTo("text");
      assertThat(span.ok((Object) null)).isNull();
    }
    assertThat(exitLine()).doesNotContain("FAILED");
  }

  @Test
  void theDisabledPathReturnsTheSharedInertSpan() {
    Tracer quiet = Tracer.forInstance(Component.class, new TracerTestLogger("quiet", Level.INFO));
    Tracer.Span span = quiet.enter("read").failUnlessOk();
    assertThat(span).isSameAs(Tracer.Span.NOOP);
    assertThat(span.ok(3)).isEqualTo(3);
    span.close();
  }
}
