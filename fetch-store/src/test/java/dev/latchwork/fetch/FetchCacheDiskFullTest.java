package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.readAll;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.internal.Crc32c;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cache whose file system fills up from outside its budget (maxBytes is larger than the file
 * system, and another file takes most of it): the readers of the entry that hits the full disk get
 * a clear IOException instead of a hang, no corrupt entry or stray file is left, and once space
 * is freed the cache works again, for other keys at once and for the failed entry after a
 * restart. Runs on a tmpfs of 8 MiB mounted for the test (skipped where mounting is impossible).
 */
@Timeout(60)
class FetchCacheDiskFullTest {
  private static final int PART = 256 << 10;
  private static final long FS_BYTES = 8 << 20;
  private static SecondFileSystem tmpfs;

  private Path cacheDir;
  private Path filler;

  @BeforeAll
  static void mount() throws Exception {
    tmpfs = SecondFileSystem.mountTmpfs("8m");
  }

  @AfterAll
  static void unmount() throws Exception {
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  @AfterEach
  void deleteEverything() throws IOException {
    try (Stream<Path> all = Files.walk(tmpfs.dir())) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(tmpfs.dir())) {
          Files.delete(p);
        }
      }
    }
  }

  private FetchCache.Builder cache() {
    cacheDir = tmpfs.dir().resolve("cache");
    filler = tmpfs.dir().resolve("filler");
    return FetchCache.builder(cacheDir).partSize(PART).parallelism(3)
        .maxBytes(8 * FS_BYTES).retryPolicy(StoreTesting.FAST);
  }

  /** Fills the file system from outside the cache until at most {@code leave} bytes are free. */
  private void fill(long leave) throws IOException {
    byte[] block = new byte[4 << 10];
    Arrays.fill(block, (byte) 0x5a);
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (Files.getFileStore(tmpfs.dir()).getUsableSpace() > leave) {
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      // leave == 0: the disk is full to the last block
    }
  }

  @Test
  void aDiskFilledFromOutsideFailsTheReadersAndLeavesNoCorruptEntry() throws Exception {
    byte[] big = bytes(6 << 20, 31);
    byte[] small = bytes(PART + 1000, 32);
    try (FetchCache c = cache().open()) {
      fill(2 << 20);
      try (FetchCache.Handle h = c.open("big", new MemorySource(big))) {
        IOException failure = readUntilFailure(h, big);
        assertThat(failure).as("a clear failure, not a close").isNotInstanceOf(
            ClosedStoreException.class);
        assertThat(causes(failure)).as("names the full disk: %s", failure)
            .anyMatch(m -> m.contains("No space left on device"));
        assertThatThrownBy(() -> h.awaitComplete(Duration.ofSeconds(30)))
            .isInstanceOf(IOException.class);
      }
      assertNoStrayFilesBesideTheJournal();
      Files.delete(filler);
      try (FetchCache.Handle h = c.open("small", new MemorySource(small))) {
        assertThat(readAll(h)).as("another key once space is freed").isEqualTo(small);
      }
    }
    assertNoStrayFiles();
    Map<Integer, Integer> kept = journaledParts("big");
    long keptBytes = 0;
    for (Map.Entry<Integer, Integer> p : kept.entrySet()) {
      int start = p.getKey() * PART;
      int length = Math.min(PART, big.length - start);
      assertThat(p.getValue()).as("journaled part %d", p.getKey())
          .isEqualTo(Crc32c.of(big, start, length));
      keptBytes += length;
    }
    MemorySource again = new MemorySource(big);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open("big", again)) {
      assertThat(readAll(h)).as("the failed entry finishes after a restart").isEqualTo(big);
      assertThat(c.stats().resumedBytes()).isEqualTo(keptBytes);
      List<String> expected = new ArrayList<>();
      for (int p = 0; p * PART < big.length; p++) {
        if (!kept.containsKey(p)) {
          expected.add("open " + p * PART + "-" + Math.min(big.length, (p + 1) * PART));
        }
      }
      assertThat(again.events).as("only the parts not kept are fetched")
          .containsExactlyInAnyOrderElementsOf(expected);
    }
    assertNoStrayFiles();
  }

  @Test
  void aJournalWriteThatFindsTheDiskFullFailsTheOpenAndTheCacheRecoversOnceSpaceIsFreed()
      throws Exception {
    // A key this long makes the entry's journal record need a new block of the file system.
    char[] k = new char[6000];
    Arrays.fill(k, 'k');
    String longKey = new String(k);
    byte[] a = bytes(2 * PART, 33);
    byte[] b = bytes(2 * PART, 34);
    try (FetchCache c = cache().open()) {
      fill(0);
      assertThatThrownBy(() -> c.open(longKey, new MemorySource(a)))
          .isInstanceOf(IOException.class)
          .satisfies(e -> assertThat(causes(e)).as("names the full disk: %s", e)
              .anyMatch(m -> m.contains("No space left on device")));
      assertThat(c.keys()).isEmpty();
      Files.delete(filler);
      try (FetchCache.Handle h = c.open(longKey, new MemorySource(a))) {
        assertThat(readAll(h)).isEqualTo(a);
        // Journaled before the close: a read may return before its part completes.
        assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
      }
      try (FetchCache.Handle h = c.open("b", new MemorySource(b))) {
        assertThat(readAll(h)).isEqualTo(b);
      }
    }
    assertNoStrayFiles();
    try (FetchCache c = cache().open()) {
      assertThat(c.keys()).containsExactlyInAnyOrder(longKey, "b");
      MemorySource none = new MemorySource(a);
      try (FetchCache.Handle h = c.open(longKey, none)) {
        assertThat(readAll(h)).isEqualTo(a);
      }
      assertThat(none.events).as("kept across the restart").isEmpty();
    }
  }

  @Test
  void aCacheThatCannotRewriteItsJournalOnAFullDiskFailsToOpenAndLeavesNothingBehind()
      throws Exception {
    char[] k = new char[6000];
    Arrays.fill(k, 'k');
    String longKey = new String(k); // the journal's compacted copy needs two blocks
    byte[] a = bytes(2 * PART, 35);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open(longKey, new MemorySource(a))) {
      assertThat(readAll(h)).isEqualTo(a);
      // Journaled before the close: a read may return before its part completes.
      assertThat(h.awaitComplete(Duration.ofSeconds(30))).isTrue();
    }
    fill(0);
    assertThatThrownBy(() -> cache().open().close()).isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(causes(e)).as("names the full disk: %s", e)
            .anyMatch(m -> m.contains("No space left on device")));
    assertNoStrayFilesBesideTheJournal();
    Files.delete(filler);
    MemorySource none = new MemorySource(a);
    try (FetchCache c = cache().open(); FetchCache.Handle h = c.open(longKey, none)) {
      assertThat(readAll(h)).isEqualTo(a);
      assertThat(none.events).as("the entry survived the failed open").isEmpty();
    }
    assertNoStrayFiles();
  }

  /** Reads the object until a read fails; every read must end within its timeout. */
  private static IOException readUntilFailure(FetchCache.Handle h, byte[] data)
      throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(64 << 10);
    for (long at = 0; at < data.length; ) {
      buf.clear();
      int n;
      try {
        n = h.read(buf, at, Duration.ofSeconds(30));
      } catch (TimeoutException e) {
        throw new AssertionError("a read at " + at + " hung on the full disk", e);
      } catch (IOException e) {
        return e;
      }
      assertThat(Arrays.copyOfRange(buf.array(), 0, n)).as("bytes at %d", at)
          .isEqualTo(Arrays.copyOfRange(data, (int) at, (int) at + n));
      at += n;
    }
    throw new AssertionError("the whole object fit on a disk too small for it");
  }

  private static List<String> causes(Throwable e) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
    }
    return messages;
  }

  /** The cache directory holds its lock, its journal and its objects directory, only. */
  private void assertNoStrayFilesBesideTheJournal() throws IOException {
    try (Stream<Path> files = Files.list(cacheDir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(CacheJournal.LOCK_FILE, CacheJournal.JOURNAL_FILE,
              FetchCache.OBJECTS);
    }
  }

  /** With the cache closed: as above, and the objects are files of entries the journal knows. */
  private void assertNoStrayFiles() throws IOException {
    assertNoStrayFilesBesideTheJournal();
    List<String> known = new ArrayList<>();
    try (CacheJournal journal = CacheJournal.open(cacheDir)) {
      for (CacheJournal.Entry e : journal.recovered()) {
        known.add(e.id() + ".part");
      }
    }
    try (Stream<Path> files = Files.list(cacheDir.resolve(FetchCache.OBJECTS))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .as("entry files the journal knows").isSubsetOf(known);
    }
  }

  private Map<Integer, Integer> journaledParts(String key) throws IOException {
    try (CacheJournal journal = CacheJournal.open(cacheDir)) {
      for (CacheJournal.Entry e : journal.recovered()) {
        if (e.key().equals(key)) {
          return new TreeMap<>(e.crcs());
        }
      }
    }
    return Map.of();
  }
}
