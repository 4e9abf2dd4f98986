package dev.latchwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordLogTest {
  private static final RecordLog.Framing FIXED = RecordLog.Framing.fixed(12, 0x5445_5354);
  private static final RecordLog.Framing VARIABLE = RecordLog.Framing.variable(1000, 0x5641_5249);
  private static final byte[] HEADER = "HEADER-8".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  /** Collects what a recovery hands over; rejects records whose first byte is {@code reject}. */
  private static final class Collected implements RecordLog.Recovery {
    final List<byte[]> records = new ArrayList<>();
    byte[] header;
    int reject = -1;

    @Override
    public void header(ByteBuffer h) {
      header = new byte[h.remaining()];
      h.get(header);
    }

    @Override
    public boolean record(ByteBuffer r) {
      byte[] b = new byte[r.remaining()];
      r.get(b);
      if (b.length > 0 && (b[0] & 0xff) == reject) {
        return false;
      }
      records.add(b);
      return true;
    }
  }

  private static byte[] fixedRecord(int i) {
    return ByteBuffer.allocate(12).putLong(i).putInt(~i).array();
  }

  private Collected reopen(Path file, RecordLog.Framing framing) throws IOException {
    Collected c = new Collected();
    try (RecordLog log = RecordLog.open(file, framing, HEADER.length, c)) {
      assertThat(log.recoveredRecords()).isEqualTo(c.records.size());
    }
    return c;
  }

  @Test
  void forcedRecordsAreRecoveredInOrderAfterTheHeader() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      for (int i = 0; i < 100; i++) {
        log.append(ByteBuffer.wrap(fixedRecord(i)));
      }
      log.force();
    }
    assertThat(Files.size(file)).as("the fixed framing adds 4 bytes per record").isEqualTo(HEADER.length + 100 * 16);
    Collected c = reopen(file, FIXED);
    assertThat(c.header).isEqualTo(HEADER);
    assertThat(c.records).hasSize(100);
    for (int i = 0; i < 100; i++) {
      assertThat(c.records.get(i)).isEqualTo(fixedRecord(i));
    }
  }

  @Test
  void aTornTailIsCutAndLaterAppendsAreNotHiddenBehindIt() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      for (int i = 0; i < 10; i++) {
        log.append(ByteBuffer.wrap(fixedRecord(i)));
      }
      log.force();
    }
    long valid = Files.size(file);
    // a torn append: 7 bytes of an 11th record
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(fixedRecord(10), 0, 7));
    }
    Collected c = new Collected();
    try (RecordLog log = RecordLog.open(file, FIXED, HEADER.length, c)) {
      assertThat(log.droppedBytes()).isEqualTo(7);
      assertThat(Files.size(file)).isEqualTo(valid);
      log.append(ByteBuffer.wrap(fixedRecord(11)));
      log.force();
    }
    assertThat(c.records).hasSize(10);
    Collected again = reopen(file, FIXED);
    assertThat(again.records).hasSize(11);
    assertThat(again.records.get(10)).isEqualTo(fixedRecord(11));
  }

  @Test
  void aCorruptRecordAndEverythingAfterItAreCut() throws IOException {
    SplittableRandom random = TestSeed.random("RecordLogTest.corrupt");
    for (int round = 0; round < 20; round++) {
      Path file = dir.resolve("log-" + round);
      List<byte[]> written = new ArrayList<>();
      List<Long> offsets = new ArrayList<>();
      long at = HEADER.length;
      try (RecordLog log = RecordLog.create(file, VARIABLE, ByteBuffer.wrap(HEADER))) {
        for (int i = 0; i < 30; i++) {
          byte[] r = new byte[random.nextInt(0, 200)];
          random.nextBytes(r);
          written.add(r);
          offsets.add(at);
          at += 4 + r.length + 4;
          log.append(ByteBuffer.wrap(r));
        }
        log.force();
      }
      int victim = random.nextInt(30);
      long from = offsets.get(victim);
      long to = victim + 1 < 30 ? offsets.get(victim + 1) : at;
      long flip = random.nextLong(from, to); // any byte of the record: length, payload or checksum
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, flip);
        b.put(0, (byte) (b.get(0) ^ (1 + random.nextInt(255))));
        ch.write(b.rewind(), flip);
      }
      Collected c = new Collected();
      try (RecordLog log = RecordLog.open(file, VARIABLE, HEADER.length, c)) {
        assertThat(log.droppedBytes()).as("round %d", round).isEqualTo(at - from);
      }
      assertThat(c.records).as("round %d: records before the corrupt one", round).hasSize(victim);
      for (int i = 0; i < victim; i++) {
        assertThat(c.records.get(i)).isEqualTo(written.get(i));
      }
    }
  }

  @Test
  void anAllZeroTailIsNotARecord() throws IOException {
    Path file = dir.resolve("log");
    RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER)).close();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.allocate(16 * 4));
    }
    Collected c = reopen(file, FIXED);
    assertThat(c.records).isEmpty();
    assertThat(Files.size(file)).isEqualTo(HEADER.length);
  }

  @Test
  void aRecordTheRecoveryRejectsCutsTheLogThere() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, VARIABLE, ByteBuffer.wrap(HEADER))) {
      for (int i = 0; i < 5; i++) {
        log.append(ByteBuffer.wrap(new byte[] {(byte) i, 42}));
      }
      log.force();
    }
    Collected c = new Collected();
    c.reject = 3;
    try (RecordLog log = RecordLog.open(file, VARIABLE, HEADER.length, c)) {
      assertThat(log.droppedBytes()).isEqualTo(2 * 10);
    }
    assertThat(c.records).hasSize(3);
    assertThat(reopen(file, VARIABLE).records).hasSize(3);
  }

  @Test
  void aRefusedHeaderLeavesTheFileAlone() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      log.append(ByteBuffer.wrap(fixedRecord(1)));
      log.force();
    }
    long size = Files.size(file);
    RecordLog.Recovery refuse = new RecordLog.Recovery() {
      @Override
      public void header(ByteBuffer header) throws IOException {
        throw new IOException("not my header");
      }

      @Override
      public boolean record(ByteBuffer record) {
        throw new AssertionError("no record after a refused header");
      }
    };
    assertThatThrownBy(() -> RecordLog.open(file, FIXED, HEADER.length, refuse)).hasMessage("not my header");
    assertThat(Files.size(file)).isEqualTo(size);
    assertThat(reopen(file, FIXED).records).hasSize(1); // and the lock was given back
    assertThatThrownBy(() -> RecordLog.open(dir.resolve("missing"), FIXED, 8, new Collected()))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aSecondOwnerInThisProcessIsRefusedUntilTheFirstCloses() throws IOException {
    Path file = dir.resolve("log");
    RecordLog first = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER));
    assertThatThrownBy(() -> RecordLog.open(file, FIXED, HEADER.length, new Collected()))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
    assertThatThrownBy(() -> RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER)))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
    first.append(ByteBuffer.wrap(fixedRecord(7)));
    first.force(); // still usable: the refusals did not touch its file
    first.close();
    assertThat(reopen(file, FIXED).records).hasSize(1);
  }

  @Test
  void refusingASecondOwnerInThisProcessKeepsTheLockAgainstOtherProcesses() throws Exception {
    Path file = dir.resolve("log");
    RecordLog first = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER));
    assertThat(LockProbe.probe(file)).isEqualTo("held");
    assertThatThrownBy(() -> RecordLog.open(file, FIXED, HEADER.length, new Collected()))
        .isInstanceOf(FileInUseException.class);
    assertThatThrownBy(() -> RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER)))
        .isInstanceOf(FileInUseException.class);
    assertThat(LockProbe.probe(file)).as("after two refusals").isEqualTo("held");
    first.close();
    assertThat(LockProbe.probe(file)).as("after close: the probe can tell a free lock").isEqualTo("free");
  }

  @Test
  void deleteAndCloseRemovesTheFileAndGivesTheNameBack() throws IOException {
    Path file = dir.resolve("log");
    RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER));
    log.deleteAndClose();
    assertThat(file).doesNotExist();
    RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER)).close();
    assertThat(reopen(file, FIXED).records).isEmpty();
  }

  @Test
  void forcesArrivingWhileOneRunsShareTheNextOne() throws Exception {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      CountDownLatch leaderInside = new CountDownLatch(1);
      CountDownLatch releaseLeader = new CountDownLatch(1);
      log.beforeWrite(() -> {
        leaderInside.countDown();
        try {
          releaseLeader.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      });
      log.append(ByteBuffer.wrap(fixedRecord(0)));
      Future<?> leader = pool.submit(() -> {
        log.force();
        return null;
      });
      assertThat(leaderInside.await(30, TimeUnit.SECONDS)).isTrue();
      log.beforeWrite(() -> {});
      List<Future<?>> followers = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        log.append(ByteBuffer.wrap(fixedRecord(i)));
        followers.add(pool.submit(() -> {
          log.force();
          return null;
        }));
      }
      while (log.waiting() < 3) {
        Thread.onSpinWait(); // the three followers wait for the blocked leader
      }
      releaseLeader.countDown();
      leader.get();
      for (Future<?> f : followers) {
        f.get();
      }
      assertThat(log.syncs()).as("the leader's force, then one shared by the three followers").isEqualTo(2);
    }
    assertThat(reopen(file, FIXED).records).hasSize(4);
  }

  @Test
  void manyThreadsAppendingAndForcingLoseNothing() throws Exception {
    Path file = dir.resolve("log");
    int threads = 4;
    int each = 300;
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * each;
        all.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            log.append(ByteBuffer.wrap(fixedRecord(base + i)));
            log.force();
          }
          return null;
        }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    Collected c = reopen(file, FIXED);
    assertThat(c.records).hasSize(threads * each);
    boolean[] seen = new boolean[threads * each];
    for (byte[] r : c.records) {
      seen[(int) ByteBuffer.wrap(r).getLong()] = true;
    }
    assertThat(seen).containsOnly(true);
  }

  /** An Error that only this test throws. */
  private static final class InjectedError extends Error {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void anErrorInAForcePropagatesAsItselfAndTheNextForceWritesTheRecords() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      log.append(ByteBuffer.wrap(fixedRecord(0)));
      log.beforeWrite(() -> {
        throw new InjectedError();
      });
      assertThatThrownBy(log::force).isInstanceOf(InjectedError.class);
      log.beforeWrite(() -> {});
      log.append(ByteBuffer.wrap(fixedRecord(1)));
      log.force();
    }
    assertThat(reopen(file, FIXED).records).hasSize(2);
  }

  @Test
  void aFailedForceIsStickyAndRecoveryKeepsWhatWasDurable() throws IOException {
    Path file = dir.resolve("log");
    try (RecordLog log = RecordLog.create(file, FIXED, ByteBuffer.wrap(HEADER))) {
      log.append(ByteBuffer.wrap(fixedRecord(0)));
      log.force();
      log.append(ByteBuffer.wrap(fixedRecord(1)));
      log.beforeWrite(() -> {
        throw new IOException("EIO");
      });
      assertThatThrownBy(log::force).hasMessage("EIO");
      log.beforeWrite(() -> {});
      assertThatThrownBy(log::force).isInstanceOf(IOException.class).hasMessageContaining("earlier")
          .hasRootCauseMessage("EIO");
    }
    assertThat(reopen(file, FIXED).records).hasSize(1);
  }

  @Test
  void recordsOfTheWrongSizeAreRejected() throws IOException {
    try (RecordLog log = RecordLog.create(dir.resolve("log"), FIXED, ByteBuffer.wrap(HEADER))) {
      assertThatThrownBy(() -> log.append(ByteBuffer.allocate(11))).isInstanceOf(IllegalArgumentException.class);
    }
    try (RecordLog log = RecordLog.create(dir.resolve("vlog"), VARIABLE, ByteBuffer.wrap(HEADER))) {
      assertThatThrownBy(() -> log.append(ByteBuffer.allocate(1001))).isInstanceOf(IllegalArgumentException.class);
      log.append(ByteBuffer.allocate(0));
      log.force();
    }
    assertThat(reopen(dir.resolve("vlog"), VARIABLE).records).hasSize(1);
  }
}
