package dev.latchwork.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The JDK Flight Recorder event for one traced operation ({@link Tracer.Span}) that lasted at
 * least the event's threshold: 20 ms by default, like the JDK's own {@code jdk.ThreadPark} and
 * {@code jdk.SocketRead}; set it in a {@code .jfc} file ({@code <event
 * name="dev.latchwork.Operation"><setting name="threshold">5 ms</setting></event>}, passed as
 * {@code -XX:StartFlightRecording:settings=default,settings=latchwork.jfc}), in JDK Mission
 * Control, or with {@code RecordingStream.enable("dev.latchwork.Operation").withThreshold(...)}.
 * (The command-line form {@code dev.latchwork.Operation#threshold=5ms} is rejected at JVM start
 * because the event class is not loaded yet.)
 * Its start time and duration are those of the operation; the stack trace is the one at the end
 * of the operation (in the traced method's caller).
 */
@Name(OperationEvent.NAME)
@Label("Latchwork Operation")
@Category({"Latchwork"})
@Description("A traced latchwork operation that lasted at least the threshold")
@StackTrace(true)
@Threshold("20 ms")
final class OperationEvent extends TracedOperationFields {
  static final String NAME = "dev.latchwork.Operation";

  @Label("Failure")
  @Description("Why the operation failed, as its EXIT line says after FAILED; null if it did not")
  String failure;
}
