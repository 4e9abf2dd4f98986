package dev.latchwork.writer;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * The fields and the emission of the writer's Flight Recorder events ({@link ChunkCommitEvent},
 * {@link CheckpointEvent}): how many chunks and bytes, over the event's duration. Abstract event
 * classes are not registered as event types.
 *
 * <p>Loading any subclass of {@code jdk.jfr.Event} initializes the recorder's metadata (about a
 * hundred JDK classes, tens of milliseconds), so callers touch an event class (a static method, a
 * constructor reference, a parameter of a supertype the verifier must check) only once {@link
 * dev.latchwork.core.internal.FlightRecorderState#isInitialized()} said the recorder is up:
 * {@code E event = FlightRecorderState.isInitialized() ? E.begun() : null; ... if (event !=
 * null) event.finish(chunks, bytes);}
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

  /** Ends this event (from a subclass's {@code begun()}) and commits it if a recording wants it. */
  final void finish(long chunks, long bytes) {
    end();
    if (shouldCommit()) {
      this.chunks = chunks;
      this.bytes = bytes;
      commit();
    }
  }
}
