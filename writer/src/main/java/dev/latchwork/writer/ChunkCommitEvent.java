package dev.latchwork.writer;

import dev.latchwork.core.internal.FlightRecorderState;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The JDK Flight Recorder event for the successful finalization of a {@link ChunkWriter#commit()}: checking every chunk is present, forcing and publishing the file (the event's duration). No threshold. */
@Name(ChunkCommitEvent.NAME)
@Label("Latchwork Chunk Commit")
@Category({"Latchwork", "Chunk Writer"})
@Description("A ChunkWriter commit finalized: the whole file published at its target")
@StackTrace(false)
final class ChunkCommitEvent extends jdk.jfr.Event {
  static final String NAME = "dev.latchwork.ChunkCommit";

  @Label("Chunks")
  @Description("Chunks of the committed file")
  long chunks;

  @Label("Bytes")
  @Description("Payload bytes of the committed file")
  @DataAmount
  long bytes;

  /** Begins an event if the recorder is up (else null: nothing is loaded or allocated). */
  static ChunkCommitEvent start() {
    if (!FlightRecorderState.isInitialized()) {
      return null;
    }
    ChunkCommitEvent event = new ChunkCommitEvent();
    event.begin();
    return event;
  }

  /** Ends and commits {@code event} (from {@link #start()}, may be null) if a recording wants it. */
  static void finish(ChunkCommitEvent event, long chunks, long bytes) {
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
