package dev.latchwork.writer;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder event for one checkpoint round of a {@link ChunkWriter} that recorded
 * chunks: forcing the data file and appending and forcing their records (the event's duration).
 * No threshold.
 */
@Name(CheckpointEvent.NAME)
@Label("Latchwork Checkpoint")
@Category({"Latchwork", "Chunk Writer"})
@Description("A ChunkWriter checkpoint round that recorded chunks as durable")
@StackTrace(false)
final class CheckpointEvent extends WriterEvent {
  static final String NAME = "dev.latchwork.Checkpoint";

  /** A begun event; only once the recorder is up (see {@link WriterEvent}). */
  static CheckpointEvent begun() {
    CheckpointEvent event = new CheckpointEvent();
    event.begin();
    return event;
  }
}
