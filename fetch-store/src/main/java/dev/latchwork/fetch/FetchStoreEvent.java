package dev.latchwork.fetch;

import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The store's Flight Recorder events ({@link PartFetchEvent}, {@link ReaderWaitEvent}) name their
 * store by its tracer instance number, as the trace lines {@code [FetchStore #n]} do. Abstract
 * event classes are not registered as event types.
 *
 * <p>Loading any subclass of {@code jdk.jfr.Event} initializes the recorder's metadata (about a
 * hundred JDK classes, tens of milliseconds), so callers touch an event class, even through a
 * static method or a constructor reference, only once {@link
 * dev.latchwork.core.internal.FlightRecorderState#isInitialized()} said the recorder is up:
 * {@code E event = FlightRecorderState.isInitialized() ? E.begun() : null; ... if (event !=
 * null) E.finish(event, ...);}
 */
abstract class FetchStoreEvent extends jdk.jfr.Event {
  @Label("Store Instance")
  @Description("The store's tracer instance number, as in its trace lines [FetchStore #n]")
  int storeInstance;
}
