package dev.latchwork.core;

import dev.latchwork.core.internal.FlightRecorderState;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.EventType;

/**
 * Gatekeeper of latchwork's JDK Flight Recorder events: answers "is this event wanted now?" in a
 * volatile read while the Flight Recorder has never been initialized in this JVM, and without
 * touching any event class until it has ({@link FlightRecorderState}).
 */
final class FlightEvents {
  /*
   * Implementation notes. enabledOperation() is on Tracer.enter's fast path: one volatile read
   * while the recorder is down; after that EventType.isEnabled() (a field read inside the JDK),
   * so a JVM with a recording running that does not enable dev.latchwork.Operation still takes
   * the allocation-free fast path. The EventType is looked up once (benign race: lookups return
   * the same object).
   */

  private static volatile EventType operationType;

  private FlightEvents() {}

  /** Whether a recording wants {@link OperationEvent}s (before their threshold is applied). */
  static boolean operationEnabled() {
    if (!FlightRecorderState.isInitialized()) {
      return false;
    }
    EventType type = operationType;
    if (type == null) {
      type = EventType.getEventType(OperationEvent.class);
      operationType = type;
    }
    return type.isEnabled();
  }

  /** Starts an operation event (only after {@link #operationEnabled()} returned true). */
  static OperationEvent beginOperation() {
    OperationEvent event = new OperationEvent();
    event.begin();
    return event;
  }

  /** Emits a {@link StallEvent} for {@code stall}, run by {@code thread}, if one is wanted. */
  static void stall(StallWatchdog.Stall stall, Thread thread) {
    if (!FlightRecorderState.isInitialized()) {
      return;
    }
    StallEvent event = new StallEvent();
    if (!event.shouldCommit()) {
      return;
    }
    Tracer.Operation operation = stall.operation();
    event.component = operation.component();
    event.instance = operation.instance();
    event.operation = operation.operation();
    event.keyValues = keyValues(operation.keyValues());
    event.thread = thread;
    event.age = TimeUnit.NANOSECONDS.convert(operation.age());
    event.stack = stackText(stall.stack());
    event.commit();
  }

  /** {@code [k1, v1, k2, v2]} as {@code "k1=v1 k2=v2"}. */
  static String keyValues(List<String> flat) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(flat.get(i)).append('=').append(flat.get(i + 1));
    }
    return text.toString();
  }

  private static String stackText(StackTraceElement[] stack) {
    StringBuilder text = new StringBuilder(64 * stack.length);
    for (StackTraceElement frame : stack) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append("at ").append(frame);
    }
    return text.toString();
  }
}
