package dev.latchwork.core;

import java.time.Duration;
import java.util.function.Consumer;

/** API skeleton: implementation pending (issue 3). */
public final class StallWatchdog implements AutoCloseable {
  private StallWatchdog() {}

  public static StallWatchdog start(Duration threshold) { throw new UnsupportedOperationException("pending"); }

  public static StallWatchdog start(Duration threshold, Consumer<Stall> listener) {
    throw new UnsupportedOperationException("pending");
  }

  @Override
  public void close() { throw new UnsupportedOperationException("pending"); }

  /** A stalled operation and the stack of the thread running it. */
  public record Stall(Tracer.Operation operation, StackTraceElement[] stack) {}
}
