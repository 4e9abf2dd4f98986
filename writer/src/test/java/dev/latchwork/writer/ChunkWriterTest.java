package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import dev.latchwork.core.SignalFailedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class ChunkWriterTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static void writeAll(ChunkWriter w, long seed) throws IOException {
    for (long i = 0; i < w.layout().chunkCount(); i++) {
      w.write(i, TestData.chunk(seed, w.layout(), i));
    }
  }

  @Test
  void manyWritersInRandomOrderProduceTheExactFile() throws Exception {
    SplittableRandom random = TestSeed.random("ChunkWriterTest.randomOrder");
    for (int round = 0; round < 60; round++) {
      int chunkSize = 1 + random.nextInt(round % 3 == 0 ? 8 : 5000);
      long count = round % 10 == 0 ? 0 : round % 10 == 1 ? 1 : random.nextInt(1, 200);
      long payload = count == 0 ? 0 : (count - 1) * chunkSize + random.nextInt(1, chunkSize + 1);
      ChunkLayout layout = round % 2 == 0 ? ChunkLayout.framed(chunkSize, payload) : ChunkLayout.raw(chunkSize, payload);
      Path target = dir.resolve("out-" + round);
      long seed = random.nextLong();
      ChunkWriter w = ChunkWriter.builder(target).checkpointEveryChunks(7).create(layout);
      Queue<Long> order = new ConcurrentLinkedQueue<>(TestData.shuffled(count, random));
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        workers.add(pool.submit(() -> {
          for (Long i = order.poll(); i != null; i = order.poll()) {
            w.write(i, TestData.chunk(seed, layout, i));
          }
          return null;
        }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
      assertThat(w.missingChunks()).isEmpty();
      assertThat(w.commit()).isEqualTo(target.toAbsolutePath());
      TestData.assertComplete(target, seed, layout);
      assertThat(TestData.names(dir)).as("no temporary files left").allMatch(n -> n.startsWith("out-"));
    }
  }

  @Test
  void racingCommitCallersSeeOneFinalizationAndTheSameResult() throws Exception {
    for (int round = 0; round < 50; round++) {
      ChunkLayout layout = ChunkLayout.framed(16, 100);
      Path target = dir.resolve("racing-" + round);
      ChunkWriter w = noBackground(target).create(layout);
      writeAll(w, round);
      int callers = 6;
      CyclicBarrier start = new CyclicBarrier(callers);
      List<Future<Path>> results = new ArrayList<>();
      for (int t = 0; t < callers; t++) {
        results.add(pool.submit(() -> {
          start.await();
          return w.commit();
        }));
      }
      for (Future<Path> f : results) {
        assertThat(f.get()).isEqualTo(target.toAbsolutePath());
      }
      assertThat(w.finalizationCount()).isEqualTo(1);
      assertThat(w.commit()).isEqualTo(target.toAbsolutePath());
      assertThat(w.finalizationCount()).isEqualTo(1);
      TestData.assertComplete(target, round, layout);
    }
  }

  @Test
  void racingCommitCallersOfAnIncompleteWriteAllGetTheMissingChunks() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(10, 100);
    ChunkWriter w = noBackground(dir.resolve("t")).create(layout);
    for (long i = 0; i < 10; i++) {
      if (i != 3 && i != 7) {
        w.write(i, TestData.chunk(1, layout, i));
      }
    }
    CyclicBarrier start = new CyclicBarrier(4);
    List<Future<Throwable>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      results.add(pool.submit(() -> {
        start.await();
        try {
          w.commit();
          return null;
        } catch (IncompleteChunkWriteException e) {
          return e;
        }
      }));
    }
    for (Future<Throwable> f : results) {
      assertThat(f.get()).isInstanceOf(IncompleteChunkWriteException.class)
          .hasMessageContaining("2 of 10 chunks missing: [3, 7]");
      assertThat(((IncompleteChunkWriteException) f.get()).firstMissing()).containsExactly(3, 7);
    }
    // the writer stays usable
    assertThat(w.missingChunks()).containsExactly(3, 7);
    w.write(3, TestData.chunk(1, layout, 3));
    w.write(7, TestData.chunk(1, layout, 7));
    w.commit();
    TestData.assertComplete(dir.resolve("t"), 1, layout);
  }

  @Test
  void manyMissingChunksAreCountedAndTheFirstListed() throws Exception {
    ChunkWriter w = noBackground(dir.resolve("t")).create(ChunkLayout.raw(1, 100));
    assertThatThrownBy(w::commit).isInstanceOf(IncompleteChunkWriteException.class)
        .hasMessageContaining("100 of 100 chunks missing: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] and 84 more")
        .satisfies(e -> assertThat(((IncompleteChunkWriteException) e).missingCount()).isEqualTo(100));
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).isEmpty();
  }

  @Test
  void commitRacingTheLastWriteEitherSeesItOrReportsItMissing() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(8, 64);
    for (int r = 0; r < 200; r++) {
      int round = r;
      Path target = dir.resolve("last-" + round);
      ChunkWriter w = noBackground(target).create(layout);
      for (long i = 0; i < 7; i++) {
        w.write(i, TestData.chunk(round, layout, i));
      }
      CyclicBarrier start = new CyclicBarrier(2);
      Future<?> writer = pool.submit(() -> {
        start.await();
        w.write(7, TestData.chunk(round, layout, 7));
        return null;
      });
      Future<Throwable> committer = pool.submit(() -> {
        start.await();
        try {
          w.commit();
          return null;
        } catch (IncompleteChunkWriteException e) {
          return e;
        }
      });
      writer.get(); // the last write always succeeds: a commit never makes a valid write fail
      Throwable outcome = committer.get();
      if (outcome != null) {
        assertThat(outcome).hasMessageContaining("[7]");
        w.commit();
      }
      TestData.assertComplete(target, round, layout);
    }
  }

  @Test
  void autoCommitPublishesWhenTheLastChunkLands() throws Exception {
    ChunkLayout layout = ChunkLayout.framed(5, 23);
    Path target = dir.resolve("auto");
    ChunkWriter w = noBackground(target).autoCommit(true).create(layout);
    for (long i = 4; i >= 1; i--) {
      w.write(i, TestData.chunk(9, layout, i));
    }
    assertThat(target).doesNotExist();
    w.write(0, TestData.chunk(9, layout, 0));
    assertThat(target).exists();
    TestData.assertComplete(target, 9, layout);
    assertThat(w.commit()).isEqualTo(target.toAbsolutePath());
    assertThat(w.finalizationCount()).isEqualTo(1);
    assertThat(w.progress().chunks().isDone()).isTrue();
  }

  @Test
  void autoCommitOfAnEmptyPayloadCommitsAtCreate() throws Exception {
    Path target = dir.resolve("empty");
    ChunkWriter w = noBackground(target).autoCommit(true).create(ChunkLayout.framed(5, 0));
    assertThat(w.finalizationCount()).isEqualTo(1);
    TestData.assertComplete(target, 0, ChunkLayout.framed(5, 0));
    ChunkWriter raw = noBackground(dir.resolve("empty.raw")).create(ChunkLayout.raw(5, 0));
    raw.commit();
    assertThat(dir.resolve("empty.raw")).isEmptyFile();
  }

  @Test
  void badInputIsRejectedAndNothingIsWritten() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(10, 25);
    Path target = dir.resolve("bad");
    ChunkWriter w = noBackground(target).create(layout);
    assertThatThrownBy(() -> w.write(2, ByteBuffer.allocate(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk 2").hasMessageContaining("must be 5 bytes, got 10");
    assertThatThrownBy(() -> w.write(0, ByteBuffer.allocate(9)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 10 bytes, got 9");
    assertThatThrownBy(() -> w.write(3, ByteBuffer.allocate(10))).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("3");
    assertThatThrownBy(() -> w.write(-1, ByteBuffer.allocate(10))).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> w.write(0, null)).isInstanceOf(NullPointerException.class);
    assertThat(w.missingChunks()).containsExactly(0, 1, 2);
    assertThat(w.progress().bytes().get()).isZero();
    ByteBuffer first = TestData.chunk(4, layout, 1);
    w.write(1, first);
    assertThat(first.hasRemaining()).isFalse();
    ByteBuffer same = TestData.chunk(4, layout, 1);
    assertThatThrownBy(() -> w.write(1, same)).isInstanceOf(IllegalStateException.class).hasMessageContaining("chunk 1").hasMessageContaining("already written");
    assertThat(same.remaining()).isEqualTo(10);
    assertThatThrownBy(() -> w.write(1, ByteBuffer.allocate(10))).isInstanceOf(IllegalStateException.class);
    w.write(0, TestData.chunk(4, layout, 0));
    w.write(2, TestData.chunk(4, layout, 2));
    w.commit();
    TestData.assertComplete(target, 4, layout);
    assertThatThrownBy(() -> ChunkWriter.create(dir.resolve("nodir/x"), layout)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> ChunkWriter.create(dir, layout)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("directory");
    assertThatThrownBy(() -> ChunkWriter.builder(dir.resolve("x")).checkpointInterval(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkWriter.builder(dir.resolve("x")).checkpointEveryChunks(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void verifiedDuplicatesAreIgnoredAndDifferentOnesRejected() throws Exception {
    ChunkLayout layout = ChunkLayout.framed(10, 20);
    Path target = dir.resolve("dup");
    ChunkWriter w = noBackground(target).verifyDuplicates(true).autoCommit(true).create(layout);
    w.write(0, TestData.chunk(5, layout, 0));
    w.write(0, TestData.chunk(5, layout, 0));
    assertThatThrownBy(() -> w.write(0, TestData.chunk(6, layout, 0)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("different content");
    w.write(1, TestData.chunk(5, layout, 1));
    w.write(1, TestData.chunk(5, layout, 1)); // redelivered after the auto-commit: still ignored
    TestData.assertComplete(target, 5, layout);
    assertThatThrownBy(() -> w.write(1, TestData.chunk(6, layout, 1))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theTargetHoldsTheOldFileUntilTheCommitReplacesItAtomically() throws Exception {
    Path target = dir.resolve("replace");
    Files.writeString(target, "old content");
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    if (posix) {
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
    }
    ChunkLayout layout = ChunkLayout.raw(3, 7);
    ChunkWriter w = noBackground(target).create(layout);
    Path part = TempFiles.partPath(target.toAbsolutePath());
    assertThat(part).exists();
    assertThat(part.getParent()).isEqualTo(target.toAbsolutePath().getParent());
    if (posix) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(part))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TempFiles.checkpointPath(target.toAbsolutePath()))))
          .isEqualTo("rw-------");
    }
    writeAll(w, 3);
    assertThat(Files.readString(target)).isEqualTo("old content");
    w.commit();
    TestData.assertComplete(target, 3, layout);
    if (posix) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
    }
    assertThat(TestData.names(dir)).containsExactly("replace");
  }

  @Test
  void anUnfinishedWriteBlocksCreateUnlessReplaced() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    ChunkWriter first = noBackground(target).create(layout);
    first.write(0, TestData.chunk(1, layout, 0));
    first.close();
    assertThatThrownBy(() -> noBackground(target).create(layout))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("unfinished write");
    ChunkWriter second = noBackground(target).replaceUnfinished(true).create(layout);
    assertThat(second.missingChunks()).containsExactly(0, 1);
    writeAll(second, 2);
    second.commit();
    TestData.assertComplete(target, 2, layout);
    assertThat(TestData.names(dir)).containsExactly("t");
  }

  @Test
  void replacingAnUnfinishedWriteThatIsStillInUseFailsAndLeavesItAlone() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    ChunkWriter live = noBackground(target).create(layout);
    live.write(0, TestData.chunk(1, layout, 0));
    assertThatThrownBy(() -> noBackground(target).replaceUnfinished(true).create(layout))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
    live.write(1, TestData.chunk(1, layout, 1));
    live.commit();
    TestData.assertComplete(target, 1, layout);
    assertThat(TestData.names(dir)).containsExactly("t");
  }

  @Test
  void abortDeletesTheTemporaryFilesAndLeavesTheTargetAlone() throws Exception {
    Path target = dir.resolve("t");
    Files.writeString(target, "keep me");
    ChunkLayout layout = ChunkLayout.framed(4, 8);
    ChunkWriter w = noBackground(target).create(layout);
    w.write(1, TestData.chunk(1, layout, 1));
    assertThat(w.abort()).isTrue();
    assertThat(w.abort()).isFalse();
    assertThat(TestData.names(dir)).containsExactly("t");
    assertThat(Files.readString(target)).isEqualTo("keep me");
    assertThatThrownBy(() -> w.write(0, TestData.chunk(1, layout, 0))).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
    assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
    assertThatThrownBy(() -> w.progress().chunks().awaitAtLeast(2)).isInstanceOf(SignalFailedException.class);
    assertThat(TestData.names(dir)).containsExactly("t");
  }

  @Test
  void abortAfterCommitDoesNothing() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    ChunkWriter w = noBackground(target).create(layout);
    writeAll(w, 1);
    w.commit();
    assertThat(w.abort()).isFalse();
    TestData.assertComplete(target, 1, layout);
  }

  @Test
  void abortRacingWritesLeavesNoFilesAndEveryWriteEitherLandedOrFailedCleanly() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(64, 64 * 40);
    for (int r = 0; r < 60; r++) {
      int round = r;
      Path sub = Files.createDirectory(dir.resolve("r" + round));
      Path target = sub.resolve("t");
      Files.writeString(target, "previous");
      ChunkWriter w = ChunkWriter.builder(target).checkpointEveryChunks(3).create(layout);
      int writers = 4;
      CyclicBarrier start = new CyclicBarrier(writers + 1);
      AtomicInteger landed = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        int first = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (long i = first; i < layout.chunkCount(); i += writers) {
            try {
              w.write(i, TestData.chunk(round, layout, i));
              landed.incrementAndGet();
            } catch (IllegalStateException e) {
              assertThat(e).hasMessageContaining("aborted");
              refused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.await();
      assertThat(w.abort()).isTrue();
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(landed.get() + refused.get()).isEqualTo(40);
      assertThat(TestData.names(sub)).containsExactly("t");
      assertThat(Files.readString(target)).isEqualTo("previous");
    }
  }

  @Test
  void progressCountsChunksAndBytesAndCompletesOnCommit() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(10, 95);
    ChunkWriter w = noBackground(dir.resolve("p")).create(layout);
    CountDownLatch halfway = new CountDownLatch(1);
    Future<Long> waiter = pool.submit(() -> {
      long seen = w.progress().bytes().awaitAtLeast(50);
      halfway.countDown();
      return seen;
    });
    for (long i = 0; i < 5; i++) {
      w.write(i, TestData.chunk(0, layout, i));
    }
    halfway.await();
    assertThat(waiter.get()).isGreaterThanOrEqualTo(50);
    assertThat(w.progress().chunks().get()).isEqualTo(5);
    for (long i = 5; i < 10; i++) {
      w.write(i, TestData.chunk(0, layout, i));
    }
    assertThat(w.progress().bytes().get()).isEqualTo(95);
    w.commit();
    assertThat(w.progress().bytes().isDone()).isTrue();
    assertThat(w.progress().chunks().awaitAtLeast(100)).isEqualTo(10);
  }

  @Test
  void closeKeepsTheWriteResumable() throws Exception {
    Path target = dir.resolve("c");
    ChunkLayout layout = ChunkLayout.framed(7, 50);
    ChunkWriter w = noBackground(target).create(layout);
    for (long i = 0; i < layout.chunkCount(); i += 2) {
      w.write(i, TestData.chunk(8, layout, i));
    }
    w.close();
    w.close();
    assertThat(target).doesNotExist();
    assertThatThrownBy(() -> w.write(1, TestData.chunk(8, layout, 1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    ChunkWriter r = ChunkWriter.resume(target);
    assertThat(r.layout()).isEqualTo(layout);
    assertThat(r.missingChunks()).containsExactly(1, 3, 5, 7);
    assertThat(r.progress().chunks().get()).isEqualTo(4);
    for (long i : r.missingChunks()) {
      r.write(i, TestData.chunk(8, layout, i));
    }
    r.commit();
    TestData.assertComplete(target, 8, layout);
    assertThat(TestData.names(dir)).containsExactly("c");
  }

  @Test
  void theFramedFileCarriesTheWholePayloadCrc() throws Exception {
    Path target = dir.resolve("crc");
    ChunkLayout layout = ChunkLayout.framed(1000, 12_345);
    ChunkWriter w = noBackground(target).create(layout);
    writeAll(w, 77);
    w.commit();
    byte[] payload = TestData.payload(77, layout);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(payload);
    try (ChunkFile f = ChunkFile.open(target)) {
      assertThat(f.payloadCrc32c()).isEqualTo((int) crc.getValue());
      assertThat(f.payloadSize()).isEqualTo(12_345);
      assertThat(f.chunkCount()).isEqualTo(13);
    }
    assertThat(new String(Files.readAllBytes(target), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("LWCHUNKF");
  }
}
