package dev.latchwork.fetch;

import dev.latchwork.core.internal.FlightRecorderState;
import java.util.function.Supplier;
import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The store's Flight Recorder events ({@link PartFetchEvent}, {@link ReaderWaitEvent}) name their
 * store by its tracer instance number, as the trace lines {@code [FetchStore #n]} do. Abstract
 * event classes are not registered as event types.
 */
abstract class FetchStoreEvent extends jdk.jfr.Event {
  @Label("Store Instance")
  @Description("The store's tracer instance number, as in its trace lines [FetchStore #n]")
  int storeInstance;

  /**
   * Begins an event made by {@code factory} (a constructor reference: no allocation) if the
   * Flight Recorder is up; else returns null, loading and allocating nothing.
   */
  static <E extends FetchStoreEvent> E start(Supplier<E> factory) {
    if (!FlightRecorderState.isInitialized()) {
      return null;
    }
    E event = factory.get();
    event.begin();
    return event;
  }
}
