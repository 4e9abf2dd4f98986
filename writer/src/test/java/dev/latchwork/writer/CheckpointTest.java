package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class CheckpointTest {
  @TempDir Path dir;

  private final ChunkLayout layout = ChunkLayout.raw(100, 10_000);

  private Path withRecords(Map<Long, Integer> records) throws IOException {
    Path file = dir.resolve("c.lwckpt");
    try (Checkpoint c = Checkpoint.create(file, layout)) {
      long[] idx = records.keySet().stream().mapToLong(Long::longValue).toArray();
      int[] crcs = records.values().stream().mapToInt(Integer::intValue).toArray();
      c.append(idx, crcs, 2);
      c.append(java.util.Arrays.copyOfRange(idx, 2, idx.length), java.util.Arrays.copyOfRange(crcs, 2, crcs.length), idx.length - 2);
    }
    return file;
  }

  private static Map<Long, Integer> sample() {
    Map<Long, Integer> m = new LinkedHashMap<>();
    m.put(5L, 0xdeadbeef);
    m.put(0L, 0);
    m.put(99L, -1);
    m.put(42L, 7);
    return m;
  }

  @Test
  void recordsAndLayoutRoundTrip() throws IOException {
    Path file = withRecords(sample());
    Checkpoint.Recovered r = Checkpoint.open(file);
    try (Checkpoint c = r.checkpoint()) {
      assertThat(r.layout()).isEqualTo(layout);
      assertThat(r.crcByIndex()).containsExactlyEntriesOf(sample());
      assertThat(r.droppedBytes()).isZero();
    }
  }

  @Test
  void aTornOrCorruptTailIsIgnoredAndTruncatedWhateverItLooksLike() throws IOException {
    SplittableRandom random = TestSeed.random("CheckpointTest.tornTail");
    long validEnd = FramedFormat.HEADER_SIZE + 4L * Checkpoint.RECORD_SIZE;
    for (int round = 0; round < 60; round++) {
      Path file = withRecords(sample());
      // Damage the last record in one of several ways and keep the first three.
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long lastRecord = validEnd - Checkpoint.RECORD_SIZE;
        switch (round % 4) {
          case 0: // torn: cut inside the last record
            ch.truncate(lastRecord + random.nextInt(1, Checkpoint.RECORD_SIZE));
            break;
          case 1: { // a corrupted byte in the last record: XOR with a non-zero mask always changes it
            long at = lastRecord + random.nextInt(Checkpoint.RECORD_SIZE);
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ random.nextInt(1, 256))).rewind();
            ch.write(b, at);
            break;
          }
          case 2: // zeros where the record should be, plus garbage length
            ch.write(ByteBuffer.allocate(Checkpoint.RECORD_SIZE + random.nextInt(0, 40)), lastRecord);
            break;
          default: // random garbage after the last record (kept), of random length
            byte[] junk = new byte[random.nextInt(1, 100)];
            random.nextBytes(junk);
            ch.write(ByteBuffer.wrap(junk), validEnd);
            break;
        }
      }
      // CRC32C detects every error burst of up to 32 bits, so a one-byte flip always fails the
      // record check: every case but 3 loses the fourth record
      Map<Long, Integer> expected = new LinkedHashMap<>(sample());
      if (round % 4 != 3) {
        expected.remove(42L);
      }
      Checkpoint.Recovered r = Checkpoint.open(file);
      try (Checkpoint c = r.checkpoint()) {
        assertThat(r.crcByIndex()).as("round %d", round).containsExactlyEntriesOf(expected);
        long end = FramedFormat.HEADER_SIZE + (long) expected.size() * Checkpoint.RECORD_SIZE;
        assertThat(Files.size(file)).isEqualTo(end);
        // appends after recovery are found by the next recovery
        c.append(new long[] {77}, new int[] {77}, 1);
      }
      Checkpoint.Recovered again = Checkpoint.open(file);
      again.checkpoint().close();
      expected.put(77L, 77);
      assertThat(again.crcByIndex()).containsExactlyEntriesOf(expected);
      Files.delete(file);
    }
  }

  @Test
  void aLaterRecordForTheSameIndexWins() throws IOException {
    Path file = dir.resolve("d.lwckpt");
    try (Checkpoint c = Checkpoint.create(file, layout)) {
      c.append(new long[] {3, 3}, new int[] {1, 2}, 2);
    }
    Checkpoint.Recovered r = Checkpoint.open(file);
    r.checkpoint().close();
    assertThat(r.crcByIndex()).containsExactly(Map.entry(3L, 2));
  }

  @Test
  void aDamagedHeaderIsReportedNotTrusted() throws IOException {
    Path file = withRecords(sample());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {9}), 30);
    }
    assertThatThrownBy(() -> Checkpoint.open(file)).isInstanceOf(CorruptChunkFileException.class)
        .hasMessageContaining("checkpoint").hasMessageContaining("header checksum mismatch");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(20);
    }
    assertThatThrownBy(() -> Checkpoint.open(file)).isInstanceOf(CorruptChunkFileException.class)
        .hasMessageContaining("truncated header");
  }

  @Test
  void aSecondOpenWhileLockedFailsClearly() throws IOException {
    Path file = withRecords(sample());
    Checkpoint.Recovered r = Checkpoint.open(file);
    try (Checkpoint c = r.checkpoint()) {
      assertThatThrownBy(() -> Checkpoint.open(file)).isInstanceOf(IOException.class).hasMessageContaining("in use");
    }
  }
}
