package dev.latchwork.writer;

import dev.latchwork.core.internal.FlightRecorderState;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The JDK Flight Recorder event for one checkpoint round of a {@link ChunkWriter} that recorded chunks: forcing the data file and appending and forcing their records (the event's duration). No threshold. */
@Name(CheckpointEvent.NAME)
@Label("Latchwork Checkpoint")
@Category({"Latchwork", "Chunk Writer"})
@Description("A ChunkWriter checkpoint round that recorded chunks as durable")
@StackTrace(false)
final class CheckpointEvent extends jdk.jfr.Event {
  static final String NAME = "dev.latchwork.Checkpoint";

  @Label("Chunks")
  @Description("Chunks recorded as durable by this round")
  long chunks;

  @Label("Bytes")
  @Description("Bytes appended to the checkpoint file (16 per chunk)")
  @DataAmount
  long bytes;

  /** Begins an event if the recorder is up (else null: nothing is loaded or allocated). */
  static CheckpointEvent start() {
    if (!FlightRecorderState.isInitialized()) {
      return null;
    }
    CheckpointEvent event = new CheckpointEvent();
    event.begin();
    return event;
  }

  /** Ends and commits {@code event} (from {@link #start()}, may be null) if a recording wants it. */
  static void finish(CheckpointEvent event, long chunks, long bytes) {
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
