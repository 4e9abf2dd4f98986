package dev.latchwork.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** API skeleton: implementation pending (issue 3). */
public final class Tracer {
  private Tracer() {}

  public static Tracer forInstance(Class<?> component) { throw new UnsupportedOperationException("pending"); }

  public int instance() { throw new UnsupportedOperationException("pending"); }

  public Span enter(String operation) { throw new UnsupportedOperationException("pending"); }

  public Span enter(String operation, String key, Object value) { throw new UnsupportedOperationException("pending"); }

  public Span enter(String operation, String key, long value) { throw new UnsupportedOperationException("pending"); }

  public Span enter(String operation, String key1, Object value1, String key2, Object value2) {
    throw new UnsupportedOperationException("pending");
  }

  public Span enter(String operation, String key1, long value1, String key2, long value2) {
    throw new UnsupportedOperationException("pending");
  }

  public static void trackInFlight(boolean enabled) { throw new UnsupportedOperationException("pending"); }

  public static boolean isTrackingInFlight() { throw new UnsupportedOperationException("pending"); }

  public static List<Operation> inFlight() { throw new UnsupportedOperationException("pending"); }

  /** One traced operation; closing it ends the operation. */
  public static final class Span implements AutoCloseable {
    private Span() {}

    public void fail(Throwable failure) { throw new UnsupportedOperationException("pending"); }

    @Override
    public void close() { throw new UnsupportedOperationException("pending"); }
  }

  /** A snapshot of one operation in flight. */
  public record Operation(
      String component,
      int instance,
      String operation,
      List<String> keyValues,
      String threadName,
      long threadId,
      Instant started,
      Duration age) {}
}
