package dev.latchwork.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread-tagged tracer for the operations of one instance of a shared component: every
 * operation logs an ENTER line when it starts and an EXIT line when it ends, both tagged with the
 * component, its instance number and the thread, so an ENTER without its EXIT names the stuck
 * operation, the instance and the thread:
 *
 * <pre>{@code
 * [FetchStore #5] readAt ENTER pos=1048576 len=131072 thread=fetch-worker-3 tid=42
 * [FetchStore #5] readAt EXIT pos=1048576 len=131072 thread=fetch-worker-3 tid=42 took=1.2ms
 * [FetchStore #5] readAt EXIT pos=1048576 len=131072 thread=fetch-worker-3 tid=42 took=0.317ms FAILED java.io.IOException: gone
 * }</pre>
 *
 * <p>Typical use, one tracer per instance of the component, and one idiom per operation: enter
 * with {@link Span#failUnlessOk()}, and record the success with {@link Span#ok(Object) ok} as the
 * last step; a span closed without {@code ok}, because an exception escaped, is traced as failed:
 *
 * <pre>{@code
 * private final Tracer tracer = Tracer.forInstance(FetchStore.class);
 *
 * int readAt(long pos, ByteBuffer dst) throws IOException {
 *   try (Tracer.Span span = tracer.enter("readAt", "pos", pos, "len", dst.remaining()).failUnlessOk()) {
 *     return span.ok(doRead(pos, dst));
 *   }
 * }
 *
 * void moveTo(Path target) throws IOException {
 *   try (Tracer.Span span = tracer.enter("moveTo", "target", target).failUnlessOk()) {
 *     doMove(target);
 *     span.ok();
 *   }
 * }
 * }</pre>
 *
 * The EXIT line of such a failure says {@code FAILED (no ok() before close)}; where the cause is
 * worth naming in the trace, record it with {@link Span#fail(Throwable)} (in a {@code catch}, or
 * wherever the failure is known) and the EXIT line says {@code FAILED <cause>}. A span without
 * {@code failUnlessOk()} keeps the older convention: it is traced as failed only if {@code fail}
 * was called, so the {@code try (span) { try { ... } catch (X e) { span.fail(e); throw e; } }}
 * form still works, but the idiom above needs neither the inner {@code try} nor the list of
 * exception types.
 *
 * <p>Why an explicit success and not a lambda ({@code tracer.call("readAt", () -> doRead(pos,
 * dst))}): a lambda that captures arguments is a new object per call. C2 can remove it only when
 * the whole call is inlined and escape analysis succeeds, which the interpreter and C1 never do
 * and C2 does not promise (a megamorphic or too-large callee defeats it), and checked exceptions
 * do not pass through {@code java.util.function} types. {@code failUnlessOk} and {@code ok} are
 * plain calls on the span: on the disabled path they return at once from the shared inert span, so
 * the idiom allocates nothing in any tier, and the body keeps its own checked exceptions.
 *
 * <h2>Lines</h2>
 *
 * Lines go to the SLF4J logger named after the component class, at level DEBUG (ENTER, EXIT and
 * EXIT ... FAILED alike), so they cost nothing unless that logger is at DEBUG or finer. The
 * component is written as the class's simple name, the instance number counts the tracers created
 * for that class from 1. The thread tag names the thread that entered the operation (in both
 * lines): {@code thread=<name> tid=<id>}; a virtual thread (JDK 21+) is tagged {@code
 * thread=virtual:<name> tid=<id>}, or {@code thread=virtual tid=<id>} if unnamed. {@code took} is
 * in milliseconds, with three decimals below one millisecond and one above. Whether DEBUG is enabled is decided once, at {@link #enter}: an operation whose ENTER was
 * written gets its EXIT line (unless the logger's level was raised in between), one whose ENTER
 * was not written gets none. Values are formatted (by {@link String#valueOf(Object)}) only when a
 * line or a snapshot is built; ENTER and EXIT share one formatting, so each value's {@code
 * toString()} runs at most once for both lines. A {@code toString()} that throws an exception is
 * written as {@code <toString() threw the.exception.Class>} and never reaches the traced code.
 *
 * <h2>Cost</h2>
 *
 * When the component's logger does not accept DEBUG and in-flight tracking is off, {@code enter}
 * and {@link Span#close()} read one volatile boolean and ask the logger whether DEBUG is enabled;
 * they take no lock and allocate nothing (they return one shared inert span, on which {@link
 * Span#failUnlessOk()}, {@link Span#ok()} and {@link Span#fail} return at once). Pass numbers to the
 * {@code long} overloads, which do not box. Otherwise, each operation allocates a span, and, when
 * logging, the lines.
 *
 * <h2>Operations in flight</h2>
 *
 * While in-flight tracking is on ({@link #trackInFlight(boolean)}, the system property {@code
 * latchwork.trace.inflight=true}, read once when tracking is first consulted, or a running
 * {@link StallWatchdog}), every operation that enters is recorded until it closes, and {@link
 * #inFlight()} returns them, for all components. A snapshot contains every operation whose {@code
 * enter} returned before the snapshot began and whose {@code close} did not begin before the
 * snapshot returned; it never contains an operation whose {@code close} returned before the
 * snapshot began. (An operation entering or closing during the snapshot may or may not be in it.)
 * An operation that entered while tracking was on stays in the snapshots until it closes, even if
 * tracking is turned off meanwhile; one that entered while tracking was off is never in them.
 * Values are formatted for a snapshot by the thread taking it, so values handed to a tracer
 * should be immutable (numbers, strings) or safe to format from any thread.
 *
 * <p>Memory consistency effects: actions in a thread prior to entering an operation happen-before
 * actions following the return of an {@link #inFlight()} snapshot containing it (and the delivery
 * of a {@link StallWatchdog.Stall} for it).
 *
 * <p>Tracers are thread-safe; {@link Span spans} are meant for the thread that entered them.
 */
public final class Tracer {
  /*
   * Implementation notes.
   *
   * Fast path: enter() checks its arguments for null, asks the logger isDebugEnabled() and reads
   * the volatile InFlightRegistry switch; when both are false it returns Span.NOOP, whose close()
   * and fail() return at once. No allocation: the long overloads take primitives, there are no
   * varargs, and the NOOP span is a constant.
   *
   * Slow path: a Span object records the tracer, the operation, up to two key/value pairs (a long
   * value is stored unboxed, flagged by the LONG_VALUE marker in the Object slot), the entering
   * thread and System.nanoTime(). It is registered in InFlightRegistry before enter() returns if
   * tracking was on, and deregistered by close() before close() returns, whatever the switch
   * says by then (the span remembers that it registered). Then, if DEBUG was enabled at enter,
   * the ENTER line is built and its "key=value ... thread=.. tid=.." part kept for the EXIT line.
   *
   * Instance numbers come from a ClassValue<AtomicInteger>: per component class, lock-free, and
   * without keeping classes (and their loaders) reachable as a static map would.
   *
   * A snapshot's start time is derived from the monotonic clock (now - age), so it is consistent
   * with the age and needs no wall-clock read on enter().
   */

  private static final ClassValue<AtomicInteger> INSTANCE_COUNTERS =
      new ClassValue<AtomicInteger>() {
        @Override
        protected AtomicInteger computeValue(Class<?> type) {
          return new AtomicInteger();
        }
      };

  /** Marks a value slot whose value is the span's unboxed long. */
  private static final Object LONG_VALUE = new Object();

  private final Logger log;
  private final String component;
  private final int instance;
  /** "[Component #n] ", the start of every line. */
  private final String prefix;

  private Tracer(Logger log, String component, int instance) {
    this.log = log;
    this.component = component;
    this.instance = instance;
    this.prefix = "[" + component + " #" + instance + "] ";
  }

  /**
   * Returns a tracer for a new instance of {@code component}: each call gets the next instance
   * number of that class (1, 2, ...), and lines go to the SLF4J logger named after the class.
   *
   * @throws NullPointerException if {@code component} is null
   */
  public static Tracer forInstance(Class<?> component) {
    Objects.requireNonNull(component, "component");
    return forInstance(component, LoggerFactory.getLogger(component));
  }

  /** As {@link #forInstance(Class)}, writing to {@code log} (tests capture lines this way). */
  static Tracer forInstance(Class<?> component, Logger log) {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(log, "log");
    String name = component.getSimpleName();
    if (name.isEmpty()) { // anonymous class
      name = component.getName();
    }
    return new Tracer(log, name, INSTANCE_COUNTERS.get(component).incrementAndGet());
  }

  /** Returns this tracer's instance number: 1 for the first tracer of its component, and so on. */
  public int instance() {
    return instance;
  }

  /** Returns the component name written in lines: the simple name of the component class. */
  public String component() {
    return component;
  }

  Logger logger() {
    return log;
  }

  /**
   * Enters {@code operation}; the returned span must be closed when it ends.
   *
   * @throws NullPointerException if {@code operation} is null
   */
  public Span enter(String operation) {
    Objects.requireNonNull(operation, "operation");
    return open(operation, null, null, 0L, null, null, 0L);
  }

  /**
   * Enters {@code operation} with one key/value pair, written {@code key=value}.
   *
   * @throws NullPointerException if {@code operation} or {@code key} is null
   */
  public Span enter(String operation, String key, Object value) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key, "key");
    return open(operation, key, value, 0L, null, null, 0L);
  }

  /**
   * Enters {@code operation} with one key and a number, without boxing it.
   *
   * @throws NullPointerException if {@code operation} or {@code key} is null
   */
  public Span enter(String operation, String key, long value) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key, "key");
    return open(operation, key, LONG_VALUE, value, null, null, 0L);
  }

  /**
   * Enters {@code operation} with two key/value pairs.
   *
   * @throws NullPointerException if {@code operation} or a key is null
   */
  public Span enter(String operation, String key1, Object value1, String key2, Object value2) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key1, "key1");
    Objects.requireNonNull(key2, "key2");
    return open(operation, key1, value1, 0L, key2, value2, 0L);
  }

  /**
   * Enters {@code operation} with two keys and numbers, without boxing them.
   *
   * @throws NullPointerException if {@code operation} or a key is null
   */
  public Span enter(String operation, String key1, long value1, String key2, long value2) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key1, "key1");
    Objects.requireNonNull(key2, "key2");
    return open(operation, key1, LONG_VALUE, value1, key2, LONG_VALUE, value2);
  }

  /**
   * Enters {@code operation} with a key/value pair and a key with a number (not boxed).
   *
   * @throws NullPointerException if {@code operation} or a key is null
   */
  public Span enter(String operation, String key1, Object value1, String key2, long value2) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key1, "key1");
    Objects.requireNonNull(key2, "key2");
    return open(operation, key1, value1, 0L, key2, LONG_VALUE, value2);
  }

  /**
   * Enters {@code operation} with a key with a number (not boxed) and a key/value pair.
   *
   * @throws NullPointerException if {@code operation} or a key is null
   */
  public Span enter(String operation, String key1, long value1, String key2, Object value2) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key1, "key1");
    Objects.requireNonNull(key2, "key2");
    return open(operation, key1, LONG_VALUE, value1, key2, value2, 0L);
  }

  /** The common part of the enter overloads, after the argument checks. */
  private Span open(
      String operation,
      String key1,
      Object value1,
      long long1,
      String key2,
      Object value2,
      long long2) {
    boolean logging = log.isDebugEnabled();
    boolean tracking = InFlightRegistry.isEnabled();
    if (!logging && !tracking) {
      return Span.NOOP;
    }
    Span span =
        new Span(this, logging, tracking, operation, key1, value1, long1, key2, value2, long2);
    if (tracking) {
      InFlightRegistry.register(span);
    }
    if (logging) {
      span.logEnter();
    }
    return span;
  }

  /**
   * Turns in-flight tracking on or off for operations entered from now on, for all tracers.
   * Tracking stays on while a {@link StallWatchdog} runs, whatever is requested here; operations
   * already in flight stay recorded until they close.
   */
  public static void trackInFlight(boolean enabled) {
    InFlightRegistry.request(enabled);
  }

  /** Returns whether operations entered now are recorded as in flight. */
  public static boolean isTrackingInFlight() {
    return InFlightRegistry.isEnabled();
  }

  /**
   * Returns a snapshot of the operations in flight (entered while tracking was on and not yet
   * closed), of all tracers, oldest first; empty when there are none. See the class comment for
   * exactly which operations a snapshot contains.
   */
  public static List<Operation> inFlight() {
    List<Span> spans = InFlightRegistry.snapshot();
    long now = System.nanoTime();
    Instant wallNow = Instant.now();
    List<Operation> operations = new ArrayList<>(spans.size());
    for (Span span : spans) {
      operations.add(span.toOperation(now, wallNow));
    }
    operations.sort(Comparator.comparing(Operation::age).reversed());
    return List.copyOf(operations);
  }

  @Override
  public String toString() {
    return prefix.trim();
  }

  /**
   * Appends {@code String.valueOf(value)}, or a placeholder naming the exception if that throws.
   */
  static void appendValue(StringBuilder line, Object value) {
    String text;
    try {
      text = String.valueOf(value);
    } catch (Exception e) { // also a checked exception thrown sneakily
      text = "<toString() threw " + e.getClass().getName() + ">";
    }
    line.append(text);
  }

  /**
   * Appends a duration in milliseconds: {@code 0.317ms} below one millisecond, {@code 1.2ms}
   * above; negative durations (no monotonic clock goes back, but be safe) are written as 0.
   */
  static void appendMillis(StringBuilder line, long nanos) {
    long n = Math.max(0L, nanos);
    if (n < 1_000_000L) {
      long micros = n / 1_000L;
      line.append("0.");
      if (micros < 100) {
        line.append('0');
      }
      if (micros < 10) {
        line.append('0');
      }
      line.append(micros);
    } else {
      long tenths = n / 100_000L;
      line.append(tenths / 10).append('.').append(tenths % 10);
    }
    line.append("ms");
  }

  /**
   * One traced operation, from {@link Tracer#enter} to {@link #close()}. Use it in a
   * try-with-resources statement, with {@link #failUnlessOk()} and {@link #ok()} (see the {@link
   * Tracer} class comment), or call {@link #fail} before closing if the operation failed.
   *
   * <p>A span is not thread-safe: call {@code fail} and {@code close} from one thread at a time,
   * normally the one that entered it. {@code close} is idempotent.
   */
  public static final class Span implements AutoCloseable {
    /*
     * Implementation notes: NOOP (tracer == null) is the shared inert span of the fast path.
     * Every other field but failure/closed is final and written before the span is published
     * to the registry (by a ConcurrentHashMap put, which orders the writes before any
     * snapshot's reads). failure and closed are only touched by the owning thread.
     */

    static final Span NOOP = new Span(null, false, false, "", null, null, 0L, null, null, 0L);

    private final Tracer tracer;
    private final boolean logged;
    private final boolean registered;
    private final String operation;
    private final String key1;
    private final Object value1;
    private final long long1;
    private final String key2;
    private final Object value2;
    private final long long2;
    private final Thread thread;
    private final long startNanos;

    /** "key=value ... thread=.. tid=..", as written in the ENTER line, reused by EXIT. */
    private String details;

    private Throwable failure;
    private boolean closed;
    /** Set by {@link #failUnlessOk()}: a close without {@link #ok()} is a failure. */
    private boolean failUnlessOk;
    /** Set by {@link #ok()}: the operation succeeded, whatever {@link #fail} recorded. */
    private boolean succeeded;

    private Span(
        Tracer tracer,
        boolean logged,
        boolean registered,
        String operation,
        String key1,
        Object value1,
        long long1,
        String key2,
        Object value2,
        long long2) {
      this.tracer = tracer;
      this.logged = logged;
      this.registered = registered;
      this.operation = operation;
      this.key1 = key1;
      this.value1 = value1;
      this.long1 = long1;
      this.key2 = key2;
      this.value2 = value2;
      this.long2 = long2;
      this.thread = tracer == null ? null : Thread.currentThread();
      this.startNanos = tracer == null ? 0L : System.nanoTime();
    }

    /**
     * Declares that this operation records its success with {@link #ok()} (or one of the {@code
     * ok(result)} forms) before it is closed: closing it without {@code ok}, typically because an
     * exception escaped the try-with-resources body, traces it as failed ({@code FAILED <cause>}
     * if {@link #fail} recorded a cause, else {@code FAILED (no ok() before close)}). Meant to be
     * chained to {@link Tracer#enter}; allocation-free.
     *
     * @return this span
     */
    public Span failUnlessOk() {
      if (tracer != null && !closed) {
        failUnlessOk = true;
      }
      return this;
    }

    /**
     * Records that the operation succeeded: its EXIT line has no {@code FAILED}, even if {@link
     * #fail} recorded a cause before (an attempt that failed and was retried is not the outcome).
     * After {@link #close()} this does nothing.
     */
    public void ok() {
      if (tracer != null && !closed) {
        succeeded = true;
      }
    }

    /**
     * Records that the operation succeeded (see {@link #ok()}) and returns {@code result}, for
     * {@code return span.ok(compute());}.
     *
     * @param <T> the type of the result
     * @param result the operation's result
     * @return {@code result}
     */
    public <T> T ok(T result) {
      ok();
      return result;
    }

    /**
     * Records that the operation succeeded (see {@link #ok()}) and returns {@code result}, without
     * boxing it.
     *
     * @param result the operation's result
     * @return {@code result}
     */
    public long ok(long result) {
      ok();
      return result;
    }

    /**
     * Records that the operation succeeded (see {@link #ok()}) and returns {@code result}, without
     * boxing it.
     *
     * @param result the operation's result
     * @return {@code result}
     */
    public int ok(int result) {
      ok();
      return result;
    }

    /**
     * Records that the operation failed with {@code failure}: the EXIT line will say {@code
     * FAILED <failure>}, unless {@link #ok()} is called before the span is closed. Only the first
     * failure is kept; after {@link #close()} this does nothing.
     *
     * @param failure why the operation failed
     * @throws NullPointerException if {@code failure} is null
     */
    public void fail(Throwable failure) {
      Objects.requireNonNull(failure, "failure");
      if (tracer == null || closed || this.failure != null) {
        return;
      }
      this.failure = failure;
    }

    /**
     * Ends the operation: it leaves the in-flight snapshots before this method returns, and the
     * EXIT line is written if the ENTER line was; unless {@link #ok()} was called, it says {@code
     * FAILED} if {@link #fail} was called, or if {@link #failUnlessOk()} was. Calling it again
     * does nothing.
     */
    @Override
    public void close() {
      if (tracer == null || closed) {
        return;
      }
      closed = true;
      long took = System.nanoTime() - startNanos;
      if (registered) {
        InFlightRegistry.deregister(this);
      }
      if (logged) {
        logExit(took);
      }
    }

    private void logEnter() {
      StringBuilder text = new StringBuilder(64);
      appendArguments(text);
      text.append(' ');
      ThreadIdentity.appendTag(
          text, thread.getName(), ThreadIdentity.isVirtual(thread), ThreadIdentity.id(thread));
      details = text.toString();
      tracer.log.debug(line("ENTER").toString());
    }

    private void logExit(long tookNanos) {
      StringBuilder line = line("EXIT").append(" took=");
      appendMillis(line, tookNanos);
      if (!succeeded) {
        if (failure != null) {
          line.append(" FAILED ");
          appendValue(line, failure);
        } else if (failUnlessOk) {
          line.append(" FAILED (no ok() before close)");
        }
      }
      tracer.log.debug(line.toString());
    }

    private StringBuilder line(String event) {
      return new StringBuilder(tracer.prefix.length() + operation.length() + details.length() + 32)
          .append(tracer.prefix)
          .append(operation)
          .append(' ')
          .append(event)
          .append(details);
    }

    private void appendArguments(StringBuilder text) {
      if (key1 != null) {
        text.append(' ').append(key1).append('=');
        appendSlot(text, value1, long1);
      }
      if (key2 != null) {
        text.append(' ').append(key2).append('=');
        appendSlot(text, value2, long2);
      }
    }

    private static void appendSlot(StringBuilder text, Object value, long longValue) {
      if (value == LONG_VALUE) {
        text.append(longValue);
      } else {
        appendValue(text, value);
      }
    }

    private static String slotText(Object value, long longValue) {
      StringBuilder text = new StringBuilder();
      appendSlot(text, value, longValue);
      return text.toString();
    }

    Thread thread() {
      return thread;
    }

    long startNanos() {
      return startNanos;
    }

    /** Describes this span as of {@code nowNanos} (System.nanoTime) and {@code now}. */
    Operation toOperation(long nowNanos, Instant now) {
      long age = Math.max(0L, nowNanos - startNanos);
      List<String> keyValues;
      if (key1 == null) {
        keyValues = List.of();
      } else if (key2 == null) {
        keyValues = List.of(key1, slotText(value1, long1));
      } else {
        keyValues = List.of(key1, slotText(value1, long1), key2, slotText(value2, long2));
      }
      return new Operation(
          tracer.component,
          tracer.instance,
          operation,
          keyValues,
          thread.getName(),
          ThreadIdentity.id(thread),
          ThreadIdentity.isVirtual(thread),
          now.minusNanos(age),
          Duration.ofNanos(age));
    }
  }

  /**
   * A snapshot of one operation in flight.
   *
   * @param component the component name, the simple name of the component class
   * @param instance the tracer's instance number
   * @param operation the operation name given to {@link Tracer#enter}
   * @param keyValues the key/value pairs given to {@code enter}, flattened as {@code [key1,
   *     value1, key2, value2]} with the values formatted as in the log lines
   * @param threadName the name of the thread running the operation (empty for an unnamed virtual
   *     thread)
   * @param threadId the id of that thread
   * @param virtualThread whether that thread is a virtual thread
   * @param started when the operation entered, derived from the monotonic clock at the snapshot
   * @param age how long the operation had been in flight when the snapshot was taken
   */
  public record Operation(
      String component,
      int instance,
      String operation,
      List<String> keyValues,
      String threadName,
      long threadId,
      boolean virtualThread,
      Instant started,
      Duration age) {

    /**
     * Checks and copies the components.
     *
     * @throws NullPointerException if a component or a key/value is null
     * @throws IllegalArgumentException if {@code keyValues} has an odd size or {@code age} is
     *     negative
     */
    public Operation {
      Objects.requireNonNull(component, "component");
      Objects.requireNonNull(operation, "operation");
      keyValues = List.copyOf(Objects.requireNonNull(keyValues, "keyValues"));
      Objects.requireNonNull(threadName, "threadName");
      Objects.requireNonNull(started, "started");
      Objects.requireNonNull(age, "age");
      if (keyValues.size() % 2 != 0) {
        throw new IllegalArgumentException(
            "keyValues must alternate keys and values, got " + keyValues.size() + " elements");
      }
      if (age.isNegative()) {
        throw new IllegalArgumentException("age must not be negative: " + age);
      }
    }

    /** Returns the value given for {@code key}, or null if the operation has no such key. */
    public String value(String key) {
      for (int i = 0; i < keyValues.size(); i += 2) {
        if (keyValues.get(i).equals(key)) {
          return keyValues.get(i + 1);
        }
      }
      return null;
    }

    /**
     * Returns the operation in the form of the trace lines, for example {@code [FetchStore #5]
     * readAt pos=1048576 len=131072 thread=fetch-worker-3 tid=42 age=1500.0ms}.
     */
    @Override
    public String toString() {
      StringBuilder line = new StringBuilder(96);
      appendTo(line, null);
      return line.toString();
    }

    /** Appends {@code [C #n] op [EVENT] k=v ... thread=.. tid=.. age=..ms}. */
    void appendTo(StringBuilder line, String event) {
      line.append('[').append(component).append(" #").append(instance).append("] ");
      line.append(operation);
      if (event != null) {
        line.append(' ').append(event);
      }
      for (int i = 0; i < keyValues.size(); i += 2) {
        line.append(' ').append(keyValues.get(i)).append('=').append(keyValues.get(i + 1));
      }
      line.append(' ');
      ThreadIdentity.appendTag(line, threadName, virtualThread, threadId);
      line.append(" age=");
      appendMillis(line, TimeUnit.NANOSECONDS.convert(age)); // saturates
    }
  }
}
