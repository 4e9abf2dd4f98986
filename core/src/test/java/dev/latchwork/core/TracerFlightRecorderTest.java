package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.RecordedEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Name;
import jdk.jfr.SettingDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

/**
 * The JDK Flight Recorder events of the tracer and the stall watchdog, read back from a real
 * recording ({@link RecordedEvents}). Waits are bounded; nothing sleeps: the threshold is shown to
 * filter by a marker event committed after a short operation (the stream delivers a thread's
 * events in commit order), and stalls are operations parked on a latch until reported.
 */
@Timeout(60)
class TracerFlightRecorderTest {

  static final class RecordedStore {}

  static final class ShortStore {}

  static final class StalledStore {}

  /** Committed after the code under test: once it arrives, every earlier event has too. */
  @Name("dev.latchwork.test.Marker")
  static final class Marker extends Event {
    String test;
  }

  private final TracerTestLogger quiet = new TracerTestLogger("quiet", Level.INFO);

  @BeforeEach
  @AfterEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @Test
  void theOperationEventHasTheJdkStyleThresholdSettingDefaultingTo20Ms() {
    EventType type = EventType.getEventType(OperationEvent.class);
    assertThat(type.getName()).isEqualTo("dev.latchwork.Operation");
    assertThat(type.getCategoryNames()).containsExactly("Latchwork");
    assertThat(type.getSettingDescriptors())
        .filteredOn(s -> s.getName().equals("threshold"))
        .extracting(SettingDescriptor::getDefaultValue)
        .containsExactly("20 ms");
    assertThat(type.getField("component")).isNotNull();
    assertThat(type.getField("instance")).isNotNull();
    assertThat(type.getField("operation")).isNotNull();
    assertThat(type.getField("keyValues")).isNotNull();
    assertThat(type.getField("thread")).isNotNull();
  }

  @Test
  void everyOperationPastTheThresholdIsRecordedWithItsFieldsAndOutcome() throws Exception {
    Tracer tracer = Tracer.forInstance(RecordedStore.class, quiet);
    try (RecordedEvents events = RecordedEvents.start(Duration.ZERO, OperationEvent.NAME)) {
      long before = System.nanoTime();
      try (Tracer.Span span = tracer.enter("readAt", "pos", 4096L, "len", "all")) {
        assertThat(span).isNotSameAs(Tracer.Span.NOOP);
        // An operation that lasts at least 5 ms (a timed wait nobody ends; no race involved).
        assertThat(new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS)).isFalse();
      }
      long took = System.nanoTime() - before;
      try (Tracer.Span span = tracer.enter("fetch")) {
        span.fail(new IOException("gone"));
      }
      try (Tracer.Span span = tracer.enter("retried").failUnlessOk()) {
        span.fail(new IOException("first attempt"));
        span.ok();
      }
      try (Tracer.Span span = tracer.enter("escaped").failUnlessOk()) {
        assertThat(span).isNotSameAs(Tracer.Span.NOOP); // closed without ok()
      }

      List<RecordedEvent> recorded = events.await(4, e -> isOf(e, tracer));

      RecordedEvent read = recorded.get(0);
      assertThat(read.getString("component")).isEqualTo("RecordedStore");
      assertThat(read.getInt("instance")).isEqualTo(tracer.instance());
      assertThat(read.getString("operation")).isEqualTo("readAt");
      assertThat(read.getString("keyValues")).isEqualTo("pos=4096 len=all");
      assertThat(read.getThread("thread").getJavaName()).isEqualTo(Thread.currentThread().getName());
      assertThat(read.getString("failure")).isNull();
      assertThat(read.getDuration())
          .as("the event spans the operation")
          .isGreaterThanOrEqualTo(Duration.ofMillis(5))
          .isLessThanOrEqualTo(Duration.ofNanos(took));
      RecordedEvent fetch = recorded.get(1);
      assertThat(fetch.getString("operation")).isEqualTo("fetch");
      assertThat(fetch.getString("keyValues")).isEmpty();
      assertThat(fetch.getString("failure")).isEqualTo("java.io.IOException: gone");
      assertThat(recorded.get(2).getString("operation")).isEqualTo("retried");
      assertThat(recorded.get(2).getString("failure")).as("ok() wins, as in the EXIT line").isNull();
      assertThat(recorded.get(3).getString("operation")).isEqualTo("escaped");
      assertThat(recorded.get(3).getString("failure")).isEqualTo("(no ok() before close)");
    }
  }

  @Test
  void anOperationShorterThanTheThresholdIsNotRecorded() throws Exception {
    Tracer tracer = Tracer.forInstance(ShortStore.class, quiet);
    FlightRecorder.register(Marker.class); // before the recording, so that it enables the marker
    try (RecordedEvents events =
        RecordedEvents.start(Map.of(
            OperationEvent.NAME, Duration.ofHours(1), "dev.latchwork.test.Marker", Duration.ZERO))) {
      try (Tracer.Span span = tracer.enter("readAt", "pos", 1L)) {
        assertThat(span).as("a recording enables the event: the span carries it").isNotSameAs(Tracer.Span.NOOP);
      }
      Marker marker = new Marker();
      marker.test = "short";
      marker.commit();

      events.await(1, e -> e.getEventType().getName().equals("dev.latchwork.test.Marker")
          && "short".equals(e.getString("test")));
      assertThat(events.matching(e -> isOf(e, tracer))).isEmpty();
    }
  }

  @Test
  void aStallReportIsRecordedWithTheStalledThreadAndItsStack() throws Exception {
    Tracer tracer = Tracer.forInstance(StalledStore.class, quiet);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread stuck = new Thread(() -> {
      try (Tracer.Span span = tracer.enter("awaitProgress", "offset", 8192L)) {
        entered.countDown();
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "stalled-reader");
    Duration threshold = Duration.ofMillis(50);
    try (RecordedEvents events = RecordedEvents.start(Duration.ZERO, StallEvent.NAME);
        StallWatchdog watchdog = StallWatchdog.start(threshold, stall -> {}, quiet)) {
      stuck.start();
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

      RecordedEvent stall = events.await(1, e -> isOf(e, tracer)).get(0);

      assertThat(stall.getString("component")).isEqualTo("StalledStore");
      assertThat(stall.getString("operation")).isEqualTo("awaitProgress");
      assertThat(stall.getString("keyValues")).isEqualTo("offset=8192");
      assertThat(stall.getThread("thread").getJavaName()).isEqualTo("stalled-reader");
      assertThat(stall.getDuration("age")).isGreaterThanOrEqualTo(threshold);
      assertThat(stall.getString("stack"))
          .startsWith("at ")
          .contains("java.util.concurrent.CountDownLatch.await")
          .contains("TracerFlightRecorderTest");
      assertThat(stall.getStackTrace()).as("the watchdog's own stack is not recorded").isNull();
    } finally {
      release.countDown();
      stuck.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(stuck.isAlive()).isFalse();
  }

  private static boolean isOf(RecordedEvent event, Tracer tracer) {
    return event.hasField("component")
        && tracer.component().equals(event.getString("component"))
        && event.getInt("instance") == tracer.instance();
  }
}
