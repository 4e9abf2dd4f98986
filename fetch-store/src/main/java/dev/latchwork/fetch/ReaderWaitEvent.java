package dev.latchwork.fetch;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder event for a read of a {@link FetchStore} that had to wait for its bytes
 * to be fetched. {@code waited} is the time spent waiting, which is also the event's duration;
 * the threshold defaults to 20 ms, like the JDK's {@code jdk.ThreadPark}, and the stack trace is
 * the reader's.
 */
@Name(ReaderWaitEvent.NAME)
@Label("Latchwork Reader Wait")
@Category({"Latchwork", "Fetch Store"})
@Description("A FetchStore read that waited for its bytes to be fetched")
@StackTrace(true)
@Threshold("20 ms")
final class ReaderWaitEvent extends FetchStoreEvent {
  static final String NAME = "dev.latchwork.ReaderWait";

  @Label("Position")
  long position;

  @Label("Length")
  @DataAmount
  long length;

  @Label("Waited")
  @Description("How long the read waited for its bytes (the event's duration)")
  @Timespan(Timespan.NANOSECONDS)
  long waited; // System.nanoTime() at construction (just before begin) until finish()

  ReaderWaitEvent() {
    waited = System.nanoTime();
  }

  /** A begun event; only once the recorder is up (see {@link FetchStoreEvent}). */
  static ReaderWaitEvent begun() {
    ReaderWaitEvent event = new ReaderWaitEvent();
    event.begin();
    return event;
  }

  /**
   * Ends {@code event} (from {@link #begun}) and commits it if it passed the
   * threshold of a recording that wants it.
   */
  static void finish(ReaderWaitEvent event, int storeInstance, long position, long length) {
    event.end();
    event.waited = System.nanoTime() - event.waited;
    if (event.shouldCommit()) {
      event.storeInstance = storeInstance;
      event.position = position;
      event.length = length;
      event.commit();
    }
  }
}
