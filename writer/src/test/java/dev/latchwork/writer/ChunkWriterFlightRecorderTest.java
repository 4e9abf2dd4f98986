package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.RecordedEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's JDK Flight Recorder events, read back from a real recording: a Checkpoint per
 * round that recorded chunks and a ChunkCommit per successful commit, with their chunk and byte
 * counts. Events are matched on counts no other test uses (11 chunks, 5 recorded); waits are
 * bounded.
 */
@Timeout(60)
class ChunkWriterFlightRecorderTest {
  @TempDir Path dir;

  @Test
  void aCheckpointAndACommitAreRecordedWithTheirChunksAndBytes() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(1000, 10_123); // 11 chunks
    try (RecordedEvents events =
        RecordedEvents.start(Duration.ZERO, CheckpointEvent.NAME, ChunkCommitEvent.NAME)) {
      ChunkWriter w = ChunkWriter.builder(dir.resolve("recorded"))
          .checkpointInterval(Duration.ZERO).create(layout);
      for (long i = 0; i < 5; i++) {
        w.write(i, TestData.chunk(7, layout, i));
      }
      w.checkpoint(); // records the 5 written chunks
      for (long i = 5; i < layout.chunkCount(); i++) {
        w.write(i, TestData.chunk(7, layout, i));
      }
      w.commit();

      List<RecordedEvent> checkpoints = events.await(1, e ->
          e.getEventType().getName().equals(CheckpointEvent.NAME) && e.getLong("chunks") == 5);
      List<RecordedEvent> commits = events.await(1, e ->
          e.getEventType().getName().equals(ChunkCommitEvent.NAME) && e.getLong("chunks") == 11);

      assertThat(checkpoints).hasSize(1);
      assertThat(checkpoints.get(0).getLong("bytes")).isEqualTo(5L * Checkpoint.RECORD_SIZE);
      assertThat(commits).hasSize(1);
      assertThat(commits.get(0).getLong("bytes")).isEqualTo(10_123L);
      assertThat(commits.get(0).getDuration().isNegative()).isFalse();
    }
  }
}
