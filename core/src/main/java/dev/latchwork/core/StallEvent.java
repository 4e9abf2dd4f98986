package dev.latchwork.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder event for one report of a {@link StallWatchdog}: an operation in flight
 * for longer than the watchdog's threshold. An instant event; the stalled thread's stack is a
 * field (the event's own stack trace would be the watchdog's, so it is off).
 */
@Name(StallEvent.NAME)
@Label("Latchwork Stall")
@Category({"Latchwork"})
@Description("An operation in flight longer than a StallWatchdog's threshold")
@StackTrace(false)
final class StallEvent extends TracedOperationFields {
  static final String NAME = "dev.latchwork.Stall";

  @Label("Age")
  @Description("How long the operation had been in flight when it was reported")
  @Timespan(Timespan.NANOSECONDS)
  long age;

  @Label("Stack")
  @Description("The stalled thread's stack, innermost frame first, one 'at frame' line each")
  String stack;
}
