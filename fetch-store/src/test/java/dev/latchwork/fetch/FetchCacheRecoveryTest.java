package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cache keeps of an entry whose file was damaged between runs: with {@code
 * verifyOnRecovery} a recovered part that no longer matches its journaled CRC32C is fetched
 * again; without it the journal is trusted and the damaged bytes are served.
 */
@Timeout(60)
class FetchCacheRecoveryTest {
  private static final int PART = 16 << 10;

  @TempDir Path dir;

  private FetchCache.Builder cache() {
    return FetchCache.builder(dir).partSize(PART).parallelism(3).retryPolicy(StoreTesting.FAST);
  }

  /** Downloads {@code data} as "k", closes the cache and flips one byte of part 2 in its file. */
  private void cacheAndCorruptPart2(byte[] data) throws Exception {
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", new MemorySource(data))) {
      assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
    }
    Path file;
    try (Stream<Path> files = Files.list(dir.resolve(FetchCache.OBJECTS))) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      file = all.get(0);
    }
    long at = 2L * PART + 100;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) ~data[(int) at]}), at);
    }
  }

  @Test
  void withVerifyOnRecoveryADamagedPartIsFetchedAgainAndTheBytesAreExact() throws Exception {
    byte[] data = bytes(4 * PART + 77, 21);
    cacheAndCorruptPart2(data);
    MemorySource second = new MemorySource(data);
    try (FetchCache c = cache().verifyOnRecovery(true).open();
        FetchCache.Handle h = c.open("k", second)) {
      assertThat(readAll(h)).isEqualTo(data);
      assertThat(second.events).as("only the damaged part is fetched")
          .containsExactly("open " + 2 * PART + "-" + 3 * PART);
      assertThat(c.stats().resumedBytes()).isEqualTo(data.length - PART);
      assertThat(c.stats().bytesCached()).isEqualTo(data.length);
      // Journaled before the close: a read may return before its part completes.
      assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
    }
    // The part fetched again is journaled: the next run keeps all of it, verified.
    MemorySource third = new MemorySource(data);
    try (FetchCache c = cache().verifyOnRecovery(true).open();
        FetchCache.Handle h = c.open("k", third)) {
      assertThat(readAll(h)).isEqualTo(data);
      assertThat(third.events).isEmpty();
      assertThat(c.stats().resumedBytes()).isEqualTo(data.length);
    }
  }

  @Test
  void withoutVerifyOnRecoveryTheJournalIsTrustedAndADamagedByteIsServed() throws Exception {
    byte[] data = bytes(4 * PART + 77, 22);
    cacheAndCorruptPart2(data);
    MemorySource second = new MemorySource(data);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("k", second)) {
      byte[] read = readAll(h);
      assertThat(second.events).as("nothing is fetched").isEmpty();
      assertThat(c.stats().resumedBytes()).isEqualTo(data.length);
      int at = 2 * PART + 100;
      assertThat(read[at]).isEqualTo((byte) ~data[at]);
      read[at] = data[at];
      assertThat(read).as("every other byte").isEqualTo(data);
    }
  }
}
