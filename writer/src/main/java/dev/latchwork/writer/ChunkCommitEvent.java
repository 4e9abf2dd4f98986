package dev.latchwork.writer;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder event for the successful finalization of a {@link
 * ChunkWriter#commit()}: checking every chunk is present, forcing and publishing the file (the
 * event's duration). No threshold.
 */
@Name(ChunkCommitEvent.NAME)
@Label("Latchwork Chunk Commit")
@Category({"Latchwork", "Chunk Writer"})
@Description("A ChunkWriter commit finalized: the whole file published at its target")
@StackTrace(false)
final class ChunkCommitEvent extends WriterEvent {
  static final String NAME = "dev.latchwork.ChunkCommit";

  /** A begun event; only once the recorder is up (see {@link WriterEvent}). */
  static ChunkCommitEvent begun() {
    ChunkCommitEvent event = new ChunkCommitEvent();
    event.begin();
    return event;
  }
}
