package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class PositionalWriterVirtualThreadTest {
  private static final int THREADS = 64;
  private static final int ROUNDS = 400;
  private static final int SLOT = 32;

  @TempDir Path dir;

  private static byte[] pattern(int t, int r) {
    byte[] b = new byte[SLOT];
    new SplittableRandom(((long) r << 8) | t).nextBytes(b);
    b[0] = (byte) (1 + t);
    return b;
  }

  private static long slot(int t, int r) {
    return ((long) r * THREADS + t) * SLOT;
  }

  @Test
  void virtualThreadsInterruptedAtRandomFailOnlyThemselvesAndLoseNoCompletedWrite()
      throws Exception {
    Path file = dir.resolve("f");
    boolean[][] completed = new boolean[THREADS][ROUNDS];
    Queue<Throwable> wrong = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger interruptedCalls = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    try (PositionalWriter writer = PositionalWriter.open(file)) {
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int me = t;
        workers.add(Thread.ofVirtual().name("vwriter-" + t).start(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // interrupted early: the first write fails fast
          }
          for (int r = 0; r < ROUNDS; r++) {
            try {
              writer.write(ByteBuffer.wrap(pattern(me, r)), slot(me, r));
              completed[me][r] = true;
              if (r % 100 == 0) {
                writer.force(false);
              }
            } catch (ClosedByInterruptException | InterruptedIOException e) {
              if (!Thread.interrupted()) {
                wrong.add(new AssertionError("failed without being interrupted", e));
              }
              interruptedCalls.incrementAndGet();
            } catch (Throwable e) {
              wrong.add(e);
            }
          }
          Thread.interrupted();
        }));
      }
      Thread interrupter = Thread.ofPlatform().name("interrupter").start(() -> {
        SplittableRandom random = TestSeed.random("PositionalWriterVirtualThreadTest.interrupter");
        while (!done.get()) {
          workers.get(random.nextInt(THREADS)).interrupt();
          for (int spin = random.nextInt(500); spin > 0; spin--) {
            Thread.onSpinWait();
          }
          Thread.yield();
        }
      });
      start.countDown();
      for (Thread worker : workers) {
        worker.join();
      }
      done.set(true);
      interrupter.join();
      assertThat(wrong).isEmpty();
      assertThat(interruptedCalls.get()).as("the interrupts hit calls").isPositive();

      writer.write(ByteBuffer.wrap(pattern(0, ROUNDS)), slot(0, ROUNDS));
      writer.force(true);
    }
    byte[] onDisk = Files.readAllBytes(file);
    int verified = 0;
    for (int t = 0; t < THREADS; t++) {
      for (int r = 0; r < ROUNDS; r++) {
        if (completed[t][r]) {
          int at = (int) slot(t, r);
          assertThat(Arrays.copyOfRange(onDisk, at, at + SLOT)).as("thread %d round %d", t, r)
              .isEqualTo(pattern(t, r));
          verified++;
        }
      }
    }
    assertThat(verified).isGreaterThan(THREADS * ROUNDS / 2);
    int at = (int) slot(0, ROUNDS);
    assertThat(Arrays.copyOfRange(onDisk, at, at + SLOT)).isEqualTo(pattern(0, ROUNDS));
  }
}
