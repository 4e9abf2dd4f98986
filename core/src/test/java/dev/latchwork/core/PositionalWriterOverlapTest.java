package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
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
class PositionalWriterOverlapTest {
  @TempDir Path dir;

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private static ByteBuffer filled(char c, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) c);
    return ByteBuffer.wrap(b);
  }

  @Test
  void aWriteOverlappingAWriteInFlightIsRejectedNamingBothRangesAndWritesNothing()
      throws Exception {
    Path file = dir.resolve("f");
    BlockingWrite held = new BlockingWrite(0);
    ScriptedOpener opener = ScriptedOpener.writes(held);
    try (PositionalWriter writer =
        PositionalWriter.open(opener, file, PositionalWriter.Option.REJECT_OVERLAPS)) {
      Future<?> a = pool.submit(() -> {
        writer.write(filled('A', 100), 0);
        return null;
      });
      held.awaitEntered();

      ByteBuffer b = filled('B', 100);
      assertThatThrownBy(() -> writer.write(b, 50))
          .isInstanceOfSatisfying(OverlappingWriteException.class, e -> {
            assertThat(e.start()).isEqualTo(50);
            assertThat(e.end()).isEqualTo(150);
            assertThat(e.conflictingStart()).isZero();
            assertThat(e.conflictingEnd()).isEqualTo(100);
          })
          .hasMessageContaining("[50, 150)")
          .hasMessageContaining("[0, 100)");
      assertThat(b.remaining()).as("nothing of it consumed").isEqualTo(100);
      assertThatThrownBy(() -> writer.write(filled('B', 10), 40))
          .as("inside the range in flight")
          .isInstanceOf(OverlappingWriteException.class)
          .hasMessageContaining("[40, 50)");
      assertThatThrownBy(() -> writer.write(filled('B', 1), 99))
          .as("its last byte")
          .isInstanceOf(OverlappingWriteException.class);

      writer.write(filled('C', 100), 100); // adjacent after: [100, 200)
      held.release();
      a.get();
      ByteBuffer all = ByteBuffer.allocate(200);
      assertThat(writer.read(all, 0)).isEqualTo(200);
      assertThat(new String(all.array(), 0, 200, StandardCharsets.US_ASCII))
          .isEqualTo("A".repeat(100) + "C".repeat(100));

      writer.write(filled('D', 100), 50);
      assertThat(writer.bytesWritten()).isEqualTo(300);
    }
    assertThat(Files.readString(file)).isEqualTo("A".repeat(50) + "D".repeat(100) + "C".repeat(50));
  }

  @Test
  void aWriteAdjacentBeforeAWriteInFlightIsAccepted() throws Exception {
    BlockingWrite held = new BlockingWrite(100);
    try (PositionalWriter writer = PositionalWriter.open(ScriptedOpener.writes(held),
        dir.resolve("f"), PositionalWriter.Option.REJECT_OVERLAPS)) {
      Future<?> a = pool.submit(() -> {
        writer.write(filled('A', 100), 100);
        return null;
      });
      held.awaitEntered();
      writer.write(filled('B', 100), 0);
      assertThatThrownBy(() -> writer.write(filled('B', 2), 99))
          .isInstanceOf(OverlappingWriteException.class)
          .hasMessageContaining("[99, 101)")
          .hasMessageContaining("[100, 200)");
      held.release();
      a.get();
    }
  }

  @Test
  void withoutTheOptionOverlappingWritesAreNotChecked() throws Exception {
    BlockingWrite held = new BlockingWrite(0);
    try (PositionalWriter writer =
        PositionalWriter.open(ScriptedOpener.writes(held), dir.resolve("f"))) {
      Future<?> a = pool.submit(() -> {
        writer.write(filled('A', 100), 0);
        return null;
      });
      held.awaitEntered();
      writer.write(filled('B', 100), 50);
      held.release();
      a.get();
      assertThat(writer.bytesWritten()).isEqualTo(200);
    }
  }

  @Test
  void underRandomConcurrentWritesNoTwoOverlappingWritesAreEverInFlightTogether()
      throws Exception {
    int threads = 6;
    int writesPerThread = 3_000;
    // The channel itself checks that the guard admitted no overlapping pair.
    List<long[]> inChannel = new ArrayList<>();
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger rejected = new AtomicInteger();
    ScriptedOpener opener = ScriptedOpener.writes((real, src, position) -> {
      long[] range = {position, position + src.remaining()};
      synchronized (inChannel) {
        for (long[] other : inChannel) {
          if (other[0] < range[1] && range[0] < other[1]) {
            violations.add(Arrays.toString(range) + " with " + Arrays.toString(other));
          }
        }
        inChannel.add(range);
      }
      try {
        Thread.yield();
        return real.write(src, position);
      } finally {
        synchronized (inChannel) {
          inChannel.remove(range);
        }
      }
    });
    CyclicBarrier start = new CyclicBarrier(threads);
    try (PositionalWriter writer = PositionalWriter.open(opener, dir.resolve("f"),
        PositionalWriter.Option.REJECT_OVERLAPS)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        SplittableRandom random = TestSeed.random("PositionalWriterOverlapTest.random/thread " + t);
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < writesPerThread; i++) {
            long position = random.nextInt(4_000);
            int length = 1 + random.nextInt(200);
            try {
              writer.write(ByteBuffer.allocate(length), position);
            } catch (OverlappingWriteException e) {
              rejected.incrementAndGet();
              if (!(e.conflictingStart() < e.end() && e.start() < e.conflictingEnd())) {
                violations.add("reported a non-overlapping conflict: " + e.getMessage());
              }
              if (e.start() != position || e.end() != position + length) {
                violations.add("reported the wrong range: " + e.getMessage());
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    assertThat(violations).isEmpty();
    assertThat(rejected.get()).as("the test produced overlaps to reject").isPositive();
  }
}
