package dev.latchwork.core.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * A JDK Flight Recorder recording of some events for a test, read as a stream: start it, run the
 * code under test, then {@link #await} the events it must have emitted.
 *
 * <pre>{@code
 * try (RecordedEvents events = RecordedEvents.start(Duration.ZERO, "dev.latchwork.PartFetch")) {
 *   runTheCode();
 *   RecordedEvent e = events.await(1, ev -> ev.getInt("storeInstance") == store).get(0);
 * }
 * }</pre>
 *
 * <p>Events are delivered by the stream's own thread about once a second (each time the recorder
 * flushes); {@link #await} returns as soon as enough matching events have arrived and fails after
 * 30 s, so a test never sleeps and never hangs. Events are matched by a predicate: other tests in
 * the same JVM may emit the same event types, so match on something this test owns (an instance
 * number, an operation name, a thread).
 */
public final class RecordedEvents implements AutoCloseable {
  /*
   * Implementation notes: onEvent appends to a copy-on-write list and releases one permit per
   * event; await re-scans the list after each permit, so it never misses an event that arrived
   * between scans. RecordingStream.startAsync() starts the recording before it returns, so every
   * event committed after start() returns is recorded.
   */

  private static final long AWAIT_SECONDS = 30;

  private final RecordingStream stream = new RecordingStream();
  private final List<RecordedEvent> received = new CopyOnWriteArrayList<>();
  private final Semaphore arrivals = new Semaphore(0);

  private RecordedEvents() {}

  /**
   * Starts recording {@code eventNames}, each with the given threshold (for events without a
   * threshold setting it is ignored by JFR), and no stack traces unless the event type asks.
   */
  public static RecordedEvents start(Duration threshold, String... eventNames) {
    Objects.requireNonNull(threshold, "threshold");
    Map<String, Duration> thresholds = new LinkedHashMap<>();
    for (String name : eventNames) {
      thresholds.put(name, threshold);
    }
    return start(thresholds);
  }

  /**
   * Starts recording the events named by the keys, each with its own threshold (an instant
   * event, committed without begin/end, has duration zero: give it {@link Duration#ZERO}).
   */
  public static RecordedEvents start(Map<String, Duration> thresholds) {
    RecordedEvents events = new RecordedEvents();
    thresholds.forEach((name, threshold) -> {
      events.stream.enable(name).withThreshold(threshold);
      events.stream.onEvent(name, events::receive);
    });
    events.stream.startAsync();
    return events;
  }

  private void receive(RecordedEvent event) {
    received.add(event);
    arrivals.release();
  }

  /**
   * Waits until at least {@code count} received events match {@code filter}, and returns the
   * matching events received so far (in arrival order).
   *
   * @throws AssertionError if they have not all arrived within 30 s
   */
  public List<RecordedEvent> await(int count, Predicate<RecordedEvent> filter)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    for (; ; ) {
      List<RecordedEvent> matching = matching(filter);
      if (matching.size() >= count) {
        return matching;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0 || !arrivals.tryAcquire(remaining, TimeUnit.NANOSECONDS)) {
        throw new AssertionError(
            "expected " + count + " matching events within " + AWAIT_SECONDS + " s, got "
                + matching.size() + "; all received: " + received);
      }
    }
  }

  /** The matching events received so far, without waiting. */
  public List<RecordedEvent> matching(Predicate<RecordedEvent> filter) {
    List<RecordedEvent> matching = new ArrayList<>();
    for (RecordedEvent event : received) {
      if (filter.test(event)) {
        matching.add(event);
      }
    }
    return matching;
  }

  @Override
  public void close() {
    stream.close();
  }
}
