package dev.latchwork.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds stuck operations without reading logs: a daemon thread that periodically looks at the
 * {@linkplain Tracer#inFlight() operations in flight} and reports each one that has been in
 * flight longer than a threshold, together with the current stack trace of the thread running it.
 *
 * <pre>{@code
 * try (StallWatchdog watchdog = StallWatchdog.start(Duration.ofSeconds(30), alerts::send)) {
 *   runService();
 * }
 * }</pre>
 *
 * A report is written at WARN to the SLF4J logger {@code dev.latchwork.core.StallWatchdog}, as
 * the {@link Stall#toString()} text, for example:
 *
 * <pre>{@code
 * [FetchStore #5] readAt STALLED pos=1048576 len=131072 thread=fetch-worker-3 tid=42 age=30012.4ms
 *     at java.base/jdk.internal.misc.Unsafe.park(Native Method)
 *     at java.base/java.util.concurrent.locks.LockSupport.park(LockSupport.java:371)
 *     ...
 * }</pre>
 *
 * and then handed to the listener, if any. Each stalled operation is reported once when its age
 * first reaches the threshold, and again only if it is still in flight at least one more
 * threshold after its previous report. The stack is captured while the operation is in flight: an
 * operation found closed after its stack was taken is not reported.
 *
 * <p>Tracking: a watchdog only sees operations recorded as in flight, so while it runs, in-flight
 * tracking is on (an operation that entered while tracking was off, for example before the first
 * watchdog started, is not seen). Closing the last running
 * watchdog restores tracking to what {@link Tracer#trackInFlight} or the system property asked
 * for. Several watchdogs may run at once, each reporting on its own.
 *
 * <p>Threads: each watchdog runs one daemon thread named {@code latchwork-stall-watchdog-<n>},
 * which looks at the operations every half threshold (at least every millisecond) and calls the
 * listener, one stall at a time. A listener that throws is logged at WARN and the watchdog carries
 * on. The watchdog takes no lock that traced code takes (it iterates a concurrent set and asks for
 * stack traces), so neither a slow listener nor the watchdog itself can stall traced code; taking
 * a stack trace only pauses the thread concerned briefly (a JVM handshake or safepoint).
 * {@link #close()} stops the thread, interrupting a listener still running, and waits until it has
 * ended.
 *
 * <p>Memory consistency effects: actions in a thread prior to entering an operation happen-before
 * the listener's receipt of a {@link Stall} for it.
 */
public final class StallWatchdog implements AutoCloseable {
  /*
   * Implementation notes.
   *
   * The watchdog thread owns lastReported (span -> System.nanoTime() of its last report), a plain
   * HashMap used by no other thread; spans compare by identity. Each scan takes one
   * InFlightRegistry snapshot, first drops from lastReported the spans no longer in it (closed:
   * they can never come back, a span registers once), then reports each span with
   * now - start >= threshold and (never reported or now - lastReport >= threshold). The stack is
   * taken with Thread#getStackTrace, and the report is dropped if the span is no longer
   * registered afterwards: deregistration is final, so a span still registered after the capture
   * was in flight during all of it.
   *
   * Stopping: close() counts down the stop latch (the scan loop's timed wait returns at once and
   * the scan checks the latch before each report), interrupts the thread if it is inside the
   * listener (only a listener can be blocked for long; interrupting a log call could break a
   * channel-based appender) and joins it. inListener and the stop latch form a Dekker pair: the
   * watchdog thread sets inListener and then re-checks the latch before calling the listener,
   * close() counts the latch down and then reads inListener (both volatile), so a listener either
   * is not called at all or is running with close()'s interrupt on its way. Every close() caller
   * joins, so none returns while a report is in progress. If the listener has just returned, the interrupt lands
   * before the loop re-checks the latch and is harmless. A stray interrupt from someone else
   * only makes the loop re-check the latch. Tracking is requested by start() and released by the
   * first close(), exactly once per watchdog (closed flag).
   */

  private static final AtomicInteger THREAD_NUMBERS = new AtomicInteger();
  private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final long thresholdNanos;
  private final long periodNanos;
  private final Consumer<Stall> listener;
  private final Logger log;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;
  /** Whether the watchdog thread is calling the listener: close() interrupts only then. */
  private volatile boolean inListener;
  /** Confined to the watchdog thread. */
  private final Map<Tracer.Span, Long> lastReported = new HashMap<>();

  private StallWatchdog(long thresholdNanos, Consumer<Stall> listener, Logger log) {
    this.thresholdNanos = thresholdNanos;
    this.periodNanos = Math.max(MIN_PERIOD_NANOS, thresholdNanos / 2);
    this.listener = listener;
    this.log = log;
    this.thread =
        new Thread(this::run, "latchwork-stall-watchdog-" + THREAD_NUMBERS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /**
   * Starts a watchdog that reports, at WARN, each operation in flight longer than {@code
   * threshold}.
   *
   * @throws NullPointerException if {@code threshold} is null
   * @throws IllegalArgumentException if {@code threshold} is zero or negative
   */
  public static StallWatchdog start(Duration threshold) {
    return start(threshold, stall -> {});
  }

  /**
   * Starts a watchdog that reports, at WARN and to {@code listener} (called on the watchdog
   * thread), each operation in flight longer than {@code threshold}.
   *
   * @throws NullPointerException if {@code threshold} or {@code listener} is null
   * @throws IllegalArgumentException if {@code threshold} is zero or negative
   */
  public static StallWatchdog start(Duration threshold, Consumer<Stall> listener) {
    return start(threshold, listener, LoggerFactory.getLogger(StallWatchdog.class));
  }

  /** As {@link #start(Duration, Consumer)}, writing to {@code log} (tests capture lines so). */
  static StallWatchdog start(Duration threshold, Consumer<Stall> listener, Logger log) {
    Objects.requireNonNull(threshold, "threshold");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(log, "log");
    if (threshold.isNegative() || threshold.isZero()) {
      throw new IllegalArgumentException("threshold must be positive: " + threshold);
    }
    // TimeUnit.convert saturates instead of overflowing: a threshold of centuries stays positive
    StallWatchdog watchdog =
        new StallWatchdog(TimeUnit.NANOSECONDS.convert(threshold), listener, log);
    InFlightRegistry.watchdogStarted();
    try {
      watchdog.thread.start();
    } catch (RuntimeException | Error e) {
      watchdog.closed.set(true);
      InFlightRegistry.watchdogStopped();
      throw e;
    }
    return watchdog;
  }

  /** Returns the watchdog thread (for tests). */
  Thread thread() {
    return thread;
  }

  /**
   * Stops the watchdog and waits for its thread to end; a listener running at that moment is
   * interrupted, and no listener call starts after this method began. When this method (the first
   * call or any later one) returns normally, no report is in progress and none will follow. If
   * the calling thread is interrupted while waiting, this method returns early with its interrupt
   * status set, and the watchdog thread ends on its own after at most the report in progress. Called by a listener (on the watchdog thread), it returns at once and no report
   * follows the current one. Calling it again only waits, like the first call, for the thread to
   * end.
   */
  @Override
  public void close() {
    boolean onWatchdogThread = Thread.currentThread() == thread;
    if (closed.compareAndSet(false, true)) {
      stop.countDown();
      InFlightRegistry.watchdogStopped();
      // The closer's half of the Dekker pair with report(): stop is written before inListener is
      // read, so either the report sees the stop and calls no listener, or this sees the flag.
      if (!onWatchdogThread && inListener) {
        thread.interrupt(); // only a listener can be blocked for long; never a log call
      }
    }
    if (onWatchdogThread) {
      return;
    }
    // Every caller joins, not only the first: a later close() must not return while a report
    // that the first one is waiting for is still running.
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "StallWatchdog[" + thread.getName() + ", threshold=" + Duration.ofNanos(thresholdNanos)
        + (closed.get() ? ", closed]" : "]");
  }

  private void run() {
    while (stop.getCount() != 0) {
      try {
        if (stop.await(periodNanos, TimeUnit.NANOSECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        continue; // from close(), or stray: the loop condition decides
      }
      scan();
    }
  }

  private void scan() {
    List<Tracer.Span> spans = InFlightRegistry.snapshot();
    long now = System.nanoTime();
    if (!lastReported.isEmpty()) {
      lastReported.keySet().retainAll(new HashSet<>(spans));
    }
    Instant wallNow = null;
    for (Tracer.Span span : spans) {
      if (stop.getCount() == 0) {
        return;
      }
      if (now - span.startNanos() < thresholdNanos) {
        continue;
      }
      Long last = lastReported.get(span);
      if (last != null && now - last < thresholdNanos) {
        continue;
      }
      StackTraceElement[] stack = span.thread().getStackTrace();
      if (!InFlightRegistry.contains(span)) {
        continue; // closed while we looked: the stack may show later work
      }
      lastReported.put(span, now);
      if (wallNow == null) {
        wallNow = Instant.now();
      }
      report(new Stall(span.toOperation(now, wallNow), stack));
    }
  }

  private void report(Stall stall) {
    log.warn(stall.toString());
    inListener = true;
    if (stop.getCount() == 0) {
      // close() began after the scan's check (perhaps while the line above was written) and may
      // already have looked at inListener: calling the listener now could block its join forever.
      inListener = false;
      return;
    }
    try {
      listener.accept(stall);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError vmError) {
        throw vmError;
      }
      if (stop.getCount() != 0) { // when closing, the failure is likely our interrupt
        log.warn("{}: listener threw; the watchdog carries on", thread.getName(), t);
      }
    } finally {
      inListener = false;
    }
  }

  /**
   * A stalled operation and the stack of the thread running it, captured while the operation was
   * in flight (empty if that thread had terminated, which happens when a span is never closed).
   *
   * @param operation the stalled operation, as of the scan that found it
   * @param stack the stack trace of the thread running it, innermost frame first
   */
  // The issue fixes the component type; the array is copied in and out, and equals, hashCode
  // and toString are overridden to use its contents.
  @SuppressWarnings("ArrayRecordComponent")
  public record Stall(Tracer.Operation operation, StackTraceElement[] stack) {
    /**
     * Checks the components and copies the stack.
     *
     * @throws NullPointerException if a component or a frame is null
     */
    public Stall {
      Objects.requireNonNull(operation, "operation");
      stack = stack.clone();
      for (StackTraceElement frame : stack) {
        Objects.requireNonNull(frame, "stack frame");
      }
    }

    /** Returns a copy of the stack trace. */
    @Override
    public StackTraceElement[] stack() {
      return stack.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Stall other
          && operation.equals(other.operation)
          && Arrays.equals(stack, other.stack);
    }

    @Override
    public int hashCode() {
      return 31 * operation.hashCode() + Arrays.hashCode(stack);
    }

    /**
     * Returns the report written at WARN: the operation in the form of the trace lines with the
     * event {@code STALLED} and its age, then one {@code \tat frame} line per stack frame.
     */
    @Override
    public String toString() {
      StringBuilder text = new StringBuilder(128 + 64 * stack.length);
      operation.appendTo(text, "STALLED");
      if (stack.length == 0) {
        text.append(System.lineSeparator()).append("\t(no stack trace: the thread has ended)");
      }
      for (StackTraceElement frame : stack) {
        text.append(System.lineSeparator()).append("\tat ").append(frame);
      }
      return text.toString();
    }
  }
}
