package dev.latchwork.fetch;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder event for one part fetch of a {@link FetchStore}, from its first attempt
 * to its success or its giving up (the event's duration). No threshold: a part is a sizeable
 * download; a recording can set one (in a {@code .jfc} file, for example).
 */
@Name(PartFetchEvent.NAME)
@Label("Latchwork Part Fetch")
@Category({"Latchwork", "Fetch Store"})
@Description("One part of a FetchStore's object fetched into its temp file")
@StackTrace(false)
final class PartFetchEvent extends FetchStoreEvent {
  static final String NAME = "dev.latchwork.PartFetch";

  @Label("Part")
  int part;

  @Label("Bytes")
  @Description("Bytes of the part fetched and written, over all attempts")
  @DataAmount
  long bytes;

  @Label("Attempts")
  int attempts;

  @Label("Succeeded")
  boolean succeeded;

  /** A begun event; only once the recorder is up (see {@link FetchStoreEvent}). */
  static PartFetchEvent begun() {
    PartFetchEvent event = new PartFetchEvent();
    event.begin();
    return event;
  }

  /** Ends and commits {@code event} (from {@link #begun}) if a recording wants it. */
  static void finish(
      PartFetchEvent event, int storeInstance, int part, long bytes, int attempts, boolean succeeded) {
    event.end();
    if (event.shouldCommit()) {
      event.storeInstance = storeInstance;
      event.part = part;
      event.bytes = bytes;
      event.attempts = attempts;
      event.succeeded = succeeded;
      event.commit();
    }
  }
}
