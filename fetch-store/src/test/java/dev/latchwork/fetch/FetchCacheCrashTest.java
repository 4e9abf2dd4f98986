package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.internal.Crc32c;
import dev.latchwork.core.testing.ChildJvm;
import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: a child JVM downloads objects into a cache from an HTTP server in this JVM and is
 * killed with SIGKILL at a point chosen by the server's events (the n-th range request, or the
 * n-th body byte); a new cache on the same directory then finishes the objects. Every part the
 * journal names must hold the object's bytes, the resumed bytes are exactly those parts, the
 * server serves exactly the other parts (each once) and the objects read back byte-exact.
 */
@ExtendWith(TestSeed.class)
class FetchCacheCrashTest {
  private static final int PART = 64 << 10;
  private static final int KILLS = 8;

  @TempDir Path dir;

  @Test
  @Timeout(300)
  void aCacheKilledAtRandomPointsResumesAndFetchesOnlyTheMissingParts() throws Exception {
    SplittableRandom random = TestSeed.random("FetchCacheCrashTest.kills");
    int runsWithJournaledParts = 0;
    for (int kill = 0; kill < KILLS; kill++) {
      // Even runs: one object, one part at a time; the server holds the n-th range request, and
      // since the single worker journals a part before it asks for the next, exactly the parts
      // served before it are journaled. Odd runs: up to three objects, parts in parallel, killed
      // after a random number of body bytes, wherever the parts and the journal are then.
      boolean serial = kill % 2 == 0;
      int objectCount = serial ? 1 : 1 + random.nextInt(3);
      Map<String, byte[]> objects = new LinkedHashMap<>();
      long total = 0;
      for (int i = 0; i < objectCount; i++) {
        int size = PART * (3 + random.nextInt(6)) + random.nextInt(PART);
        objects.put("obj-" + i, TestData.bytes(size, random.nextLong()));
        total += size;
      }
      Path cacheDir = dir.resolve("cache-" + kill);
      String what;
      try (CountingObjectServer server = new CountingObjectServer(objects)) {
        CountingObjectServer.Run run;
        if (serial) {
          int size = objects.get("obj-0").length;
          int parts = partCount(size);
          int request = 2 + random.nextInt(parts - 1); // at least one part served in full
          // Fewer bytes than the held request's part has (the last part may be short), so that
          // the server does reach the kill point.
          long bytes = random.nextInt(Math.min(PART, size - (request - 1) * PART));
          run = server.stopAtRequest(request, bytes);
          what = "killed at range request " + request + " of " + parts + " after " + bytes
              + " of its bytes";
        } else {
          long bytes = random.nextLong(1, total);
          run = server.stopAfterBytes(bytes);
          what = "killed after " + bytes + " of " + total + " body bytes, " + objectCount
              + " objects";
        }
        what = "kill " + kill + " (" + TestSeed.describe() + "): " + what;
        Path childLog = dir.resolve("child-" + kill + ".log");
        Process child = startChild(cacheDir, serial ? 1 : 4, objects.keySet(), server, childLog);
        try {
          CompletableFuture.anyOf(run.stopped(), child.onExit()).get(120, TimeUnit.SECONDS);
        } finally {
          child.destroyForcibly(); // SIGKILL on Linux
          assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("%s: child gone", what).isTrue();
        }
        assertThat(run.stopped()).as("%s: the child reached the kill point; its log: %s", what,
            Files.exists(childLog) ? Files.readString(childLog) : "").isDone();
        List<CountingObjectServer.Served> beforeKill = CountingObjectServer.served(run);

        Map<String, Map<Integer, Integer>> journaled = journaledParts(cacheDir);
        long journaledBytes = 0;
        for (Map.Entry<String, Map<Integer, Integer>> e : journaled.entrySet()) {
          byte[] data = objects.get(e.getKey());
          for (Map.Entry<Integer, Integer> p : e.getValue().entrySet()) {
            int start = p.getKey() * PART;
            int length = Math.min(PART, data.length - start);
            assertThat(p.getValue()).as("%s: journaled CRC32C of part %d of %s", what, p.getKey(),
                e.getKey()).isEqualTo(Crc32c.of(data, start, length));
            journaledBytes += length;
          }
        }
        assertPartsOnDiskMatch(cacheDir, objects, what);
        if (serial) {
          // Exactly the parts the server served in full before the held request.
          TreeSet<Integer> full = new TreeSet<>();
          for (CountingObjectServer.Served s : beforeKill) {
            if (s.complete()) {
              full.add((int) (s.start() / PART));
            }
          }
          assertThat(journaled.getOrDefault("obj-0", Map.of()).keySet())
              .as("%s: journaled parts", what).containsExactlyInAnyOrderElementsOf(full);
          assertThat(full).as("%s: parts served in full", what).isNotEmpty();
        }
        if (journaledBytes > 0) {
          runsWithJournaledParts++;
        }

        CountingObjectServer.Run resume = server.unlimited();
        try (FetchCache cache = FetchCache.builder(cacheDir).partSize(PART).parallelism(4)
            .retryPolicy(StoreTesting.FAST).open()) {
          for (Map.Entry<String, byte[]> o : objects.entrySet()) {
            try (FetchCache.Handle h = cache.open(o.getKey(),
                HttpRangeSource.of(server.uri(o.getKey())))) {
              assertThat(h.awaitComplete(Duration.ofSeconds(60))).as("%s: complete", what)
                  .isTrue();
              assertThat(readAll(h)).as("%s: bytes of %s", what, o.getKey())
                  .isEqualTo(o.getValue());
            }
          }
          assertThat(cache.stats().resumedBytes()).as("%s: resumed bytes", what)
              .isEqualTo(journaledBytes);
        }
        List<CountingObjectServer.Served> afterKill = CountingObjectServer.served(resume);
        long fetched = 0;
        for (CountingObjectServer.Served s : afterKill) {
          fetched += s.bytes();
        }
        assertThat(fetched).as("%s: bytes fetched after the restart", what)
            .isEqualTo(total - journaledBytes);
        for (Map.Entry<String, byte[]> o : objects.entrySet()) {
          List<Integer> expected = new ArrayList<>();
          Map<Integer, Integer> kept = journaled.getOrDefault(o.getKey(), Map.of());
          for (int p = 0; p < partCount(o.getValue().length); p++) {
            if (!kept.containsKey(p)) {
              expected.add(p);
            }
          }
          List<Integer> fetchedParts = new ArrayList<>();
          for (CountingObjectServer.Served s : afterKill) {
            if (s.key().equals(o.getKey())) {
              assertThat(s.start() % PART).as("%s: %s is part aligned", what, s).isZero();
              assertThat(s.end()).as("%s: %s is one part", what, s)
                  .isEqualTo(Math.min(s.start() + PART, o.getValue().length));
              fetchedParts.add((int) (s.start() / PART));
            }
          }
          assertThat(fetchedParts).as("%s: parts of %s fetched after the restart", what,
              o.getKey()).containsExactlyInAnyOrderElementsOf(expected);
        }
        System.out.printf("%s: %d of %d bytes journaled, %d fetched after the restart%n", what,
            journaledBytes, total, fetched);
      }
    }
    // The kill points must have exercised the recovery of journaled parts, not only empty runs.
    assertThat(runsWithJournaledParts).as(TestSeed.describe()).isPositive();
  }

  private static int partCount(long size) {
    return (int) ((size + PART - 1) / PART);
  }

  private static Process startChild(Path cacheDir, int parallelism, Iterable<String> keys,
      CountingObjectServer server, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(ChildJvm.java(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        ChildJvm.classPath(FetchCacheChild.class), FetchCacheChild.class.getName(), "download",
        cacheDir.toString(), Integer.toString(PART), Integer.toString(parallelism)));
    for (String key : keys) {
      command.add(key);
      command.add(server.uri(key).toString());
    }
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
  }

  /** The parts the journal names, per key, of entries whose file exists (what a cache keeps). */
  private static Map<String, Map<Integer, Integer>> journaledParts(Path cacheDir)
      throws IOException {
    Map<String, Map<Integer, Integer>> parts = new HashMap<>();
    if (!Files.exists(cacheDir.resolve(CacheJournal.JOURNAL_FILE))) {
      return parts;
    }
    try (CacheJournal journal = CacheJournal.open(cacheDir)) {
      for (CacheJournal.Entry e : journal.recovered()) {
        if (Files.isRegularFile(entryFile(cacheDir, e))) {
          parts.put(e.key(), new TreeMap<>(e.crcs()));
        }
      }
    }
    return parts;
  }

  private static Path entryFile(Path cacheDir, CacheJournal.Entry e) {
    return cacheDir.resolve(FetchCache.OBJECTS).resolve(e.id() + ".part");
  }

  /** Every part the journal names is in its entry's file, byte for byte. */
  private static void assertPartsOnDiskMatch(Path cacheDir, Map<String, byte[]> objects,
      String what) throws IOException {
    if (!Files.exists(cacheDir.resolve(CacheJournal.JOURNAL_FILE))) {
      return;
    }
    try (CacheJournal journal = CacheJournal.open(cacheDir)) {
      for (CacheJournal.Entry e : journal.recovered()) {
        Path file = entryFile(cacheDir, e);
        if (!Files.isRegularFile(file)) {
          continue;
        }
        byte[] data = objects.get(e.key());
        try (FileChannel ch = FileChannel.open(file)) {
          for (int p : e.crcs().keySet()) {
            int start = p * PART;
            int length = Math.min(PART, data.length - start);
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, start + b.position()) > 0) {
              // read the whole part
            }
            assertThat(b.array()).as("%s: part %d of %s on disk", what, p, e.key())
                .isEqualTo(java.util.Arrays.copyOfRange(data, start, start + length));
          }
        }
      }
    }
  }
}
