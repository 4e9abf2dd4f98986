package dev.latchwork.core;

import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The fields that identify a traced operation in latchwork's Flight Recorder events, shared by
 * {@link OperationEvent} and {@link StallEvent} so that both name an operation the same way (the
 * way the trace lines do). Abstract event classes are not registered as event types.
 */
abstract class TracedOperationFields extends jdk.jfr.Event {
  @Label("Component")
  @Description("The traced component: the simple name of its class")
  String component;

  @Label("Instance")
  @Description("The tracer's instance number within its component")
  int instance;

  @Label("Operation")
  String operation;

  @Label("Key-Values")
  @Description("The operation's key/value pairs, written key=value as in the trace lines")
  String keyValues;

  @Label("Thread")
  @Description("The thread running the operation (the one that entered it)")
  Thread thread;
}
