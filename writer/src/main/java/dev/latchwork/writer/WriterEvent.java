package dev.latchwork.writer;

import dev.latchwork.core.internal.FlightRecorderState;
import java.util.function.Supplier;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The fields and the emission of the writer's Flight Recorder events ({@link ChunkCommitEvent},
 * {@link CheckpointEvent}): how many chunks and bytes, over the event's duration. Abstract event
 * classes are not registered as event types.
 */
abstract class WriterEvent extends jdk.jfr.Event {
  @Label("Chunks")
  @Description("Chunks covered: all of them for a commit, those recorded for a checkpoint")
  long chunks;

  @Label("Bytes")
  @Description(
      "Payload bytes for a commit; bytes appended to the checkpoint file (16 per chunk) for a"
          + " checkpoint")
  @DataAmount
  long bytes;

  /**
   * Begins an event made by {@code factory} (a constructor reference: no allocation) if the
   * Flight Recorder is up; else returns null, loading and allocating nothing.
   */
  static <E extends WriterEvent> E start(Supplier<E> factory) {
    if (!FlightRecorderState.isInitialized()) {
      return null;
    }
    E event = factory.get();
    event.begin();
    return event;
  }

  /** Ends and commits {@code event} (from {@link #start}, may be null) if a recording wants it. */
  static void finish(WriterEvent event, long chunks, long bytes) {
    if (event == null) {
      return;
    }
    event.end();
    if (event.shouldCommit()) {
      event.chunks = chunks;
      event.bytes = bytes;
      event.commit();
    }
  }
}
