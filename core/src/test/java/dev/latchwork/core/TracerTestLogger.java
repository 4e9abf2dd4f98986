package dev.latchwork.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger that records what it is given, for the Tracer and StallWatchdog tests. */
final class TracerTestLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  /** One logged line: level, formatted message, throwable (or null). */
  record Line(Level level, String message, Throwable throwable) {}

  private transient volatile Level threshold;
  private final transient List<Line> lines = new CopyOnWriteArrayList<>();
  /** Called with each line, in the logging thread, after it is recorded (tests block in it). */
  private transient volatile Consumer<Line> onLine = line -> {};

  /** A logger accepting {@code threshold} and every more severe level. */
  TracerTestLogger(String name, Level threshold) {
    this.name = name;
    this.threshold = threshold;
  }

  void setThreshold(Level threshold) {
    this.threshold = threshold;
  }

  /** Runs {@code hook} with every line from now on, in the thread that logs it. */
  TracerTestLogger onLine(Consumer<Line> hook) {
    this.onLine = hook;
    return this;
  }

  List<Line> lines() {
    return List.copyOf(lines);
  }

  List<String> messages() {
    return lines.stream().map(Line::message).collect(Collectors.toList());
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold.toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    Line line = new Line(level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
    lines.add(line);
    onLine.accept(line);
  }
}
