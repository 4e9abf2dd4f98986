package dev.latchwork.benchmarks.tracer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the benchmark jar: "logging on to a no-op appender", made precise.
 *
 * <p>slf4j-nop cannot stand in for an appender: its loggers say every level is disabled, so
 * nothing is ever formatted and "logging on" would measure nothing. This provider's loggers are
 * either all off ({@link #enabled} false: every {@code isXxxEnabled()} is false, like a production
 * logger at INFO asked about DEBUG) or all on. When on, each call does what any appender does before
 * its I/O: it renders the message, substituting the arguments with SLF4J's own
 * {@link MessageFormatter} (so every argument's {@code toString()} runs), and keeps the rendered
 * text in a plain static field so the JIT cannot drop the work. It writes nothing, takes no lock,
 * adds no timestamp, thread name or level prefix, and keeps no event object: the cost measured on top
 * of this is the caller's (the tracer's or the hand-written guard's), not a logging framework's.
 *
 * <p>Registered through {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}; it is the
 * only SLF4J provider on the benchmark jar's class path.
 */
public final class BenchLogging implements SLF4JServiceProvider {
  /*
   * Implementation notes: the switch is one volatile boolean read on every isXxxEnabled(), the
   * same order of cost as logback's effective-level field read. Loggers are cached per name, as
   * every real binding does, so LoggerFactory.getLogger in set-up code returns the same instance.
   */

  private static volatile boolean enabled;

  /** Last rendered line; written, never read by the benchmarks: it keeps the formatting alive. */
  @SuppressWarnings("unused")
  private static String lastLine;

  /** Number of lines rendered since the JVM started (not thread-safe: a plain statistic). */
  private static long linesRendered;

  private final ILoggerFactory loggerFactory = new Factory();
  private final IMarkerFactory markerFactory = new BasicMarkerFactory();
  private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

  /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
  public BenchLogging() {}

  /** Turns every level of every logger on (true) or off (false). */
  public static void setEnabled(boolean on) {
    enabled = on;
  }

  /** Lines rendered so far; lets a set-up check that "logging on" really reaches the appender. */
  public static long linesRendered() {
    return linesRendered;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggerFactory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markerFactory;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdcAdapter;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    // Nothing to set up: loggers are created on demand.
  }

  private static final class Factory implements ILoggerFactory {
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

    @Override
    public Logger getLogger(String name) {
      return loggers.computeIfAbsent(name, RenderingLogger::new);
    }
  }

  private static final class RenderingLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;

    RenderingLogger(String name) {
      this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
      return enabled;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return enabled;
    }

    @Override
    public boolean isDebugEnabled() {
      return enabled;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return enabled;
    }

    @Override
    public boolean isInfoEnabled() {
      return enabled;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return enabled;
    }

    @Override
    public boolean isWarnEnabled() {
      return enabled;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return enabled;
    }

    @Override
    public boolean isErrorEnabled() {
      return enabled;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return enabled;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
      String line = MessageFormatter.basicArrayFormat(messagePattern, arguments);
      if (throwable != null) {
        line = line + ' ' + throwable;
      }
      lastLine = line;
      linesRendered++;
    }
  }
}
