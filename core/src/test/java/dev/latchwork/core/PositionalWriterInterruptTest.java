package dev.latchwork.core;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class PositionalWriterInterruptTest {
  private static final int THREADS = 8;
  private static final int ROUNDS = 20_000;
  private static final int SLOT = 48;

  @TempDir Path dir;

  /** The bytes thread {@code t} writes in round {@code r}: never all zero, unique per slot. */
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
  void randomInterruptsFailOnlyTheInterruptedCallerAndLoseNoCompletedWrite() throws Exception {
    Path file = dir.resolve("f");
    boolean[][] completed = new boolean[THREADS][ROUNDS];
    Queue<Throwable> wrong = new ConcurrentLinkedQueue<>();
    AtomicInteger interruptedCalls = new AtomicInteger();
    AtomicInteger closedByInterrupt = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    CyclicBarrier start = new CyclicBarrier(THREADS + 1);
    try (PositionalWriter writer = PositionalWriter.open(file)) {
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int me = t;
        Thread worker = new Thread(() -> {
          try {
            start.await();
          } catch (Exception e) {
            wrong.add(e);
            return;
          }
          for (int r = 0; r < ROUNDS; r++) {
            try {
              writer.write(ByteBuffer.wrap(pattern(me, r)), slot(me, r));
              completed[me][r] = true;
              if (r % 3 == 1 && completed[me][r - 1]) {
                ByteBuffer back = ByteBuffer.allocate(SLOT);
                int n = writer.read(back, slot(me, r - 1));
                if (n != SLOT || !Arrays.equals(back.array(), pattern(me, r - 1))) {
                  wrong.add(new AssertionError("read back wrong bytes of round " + (r - 1)));
                }
              }
              if (r % 250 == 0) {
                writer.force(false);
              }
            } catch (ClosedByInterruptException | InterruptedIOException e) {
              // Only an interrupted caller may fail, and it must keep its interrupt status.
              if (!Thread.interrupted()) {
                wrong.add(new AssertionError("failed without being interrupted", e));
              }
              interruptedCalls.incrementAndGet();
              if (e instanceof ClosedByInterruptException) {
                closedByInterrupt.incrementAndGet();
              }
            } catch (Throwable e) {
              wrong.add(e);
            }
          }
          Thread.interrupted();
        }, "writer-" + t);
        worker.start();
        workers.add(worker);
      }
      Thread interrupter = new Thread(() -> {
        SplittableRandom random = TestSeed.random("PositionalWriterInterruptTest.interrupter");
        try {
          start.await();
        } catch (Exception e) {
          wrong.add(e);
          return;
        }
        while (!done.get()) {
          workers.get(random.nextInt(THREADS)).interrupt();
          for (int spin = random.nextInt(500); spin > 0; spin--) {
            Thread.onSpinWait();
          }
          if (random.nextInt(8) == 0) {
            Thread.yield();
          }
        }
      }, "interrupter");
      interrupter.start();
      for (Thread worker : workers) {
        worker.join();
      }
      done.set(true);
      interrupter.join();

      assertThat(wrong).isEmpty();
      // The test exercised what it claims to: calls failed by interrupts, channels closed in I/O.
      assertThat(interruptedCalls.get()).isPositive();
      assertThat(closedByInterrupt.get()).isPositive();
      assertThat(writer.reopens()).isPositive();
      assertThat(writer.retries()).as("other threads' calls retried on a reopened channel")
          .isPositive();

      // The writer still works.
      long end = slot(0, ROUNDS);
      writer.write(ByteBuffer.wrap(pattern(0, ROUNDS)), end);
      ByteBuffer back = ByteBuffer.allocate(SLOT);
      assertThat(writer.read(back, end)).isEqualTo(SLOT);
      assertThat(back.array()).isEqualTo(pattern(0, ROUNDS));
      writer.force(true);
    }

    byte[] onDisk = Files.readAllBytes(file);
    int verified = 0;
    for (int t = 0; t < THREADS; t++) {
      for (int r = 0; r < ROUNDS; r++) {
        if (completed[t][r]) {
          int at = (int) slot(t, r);
          assertThat(Arrays.copyOfRange(onDisk, at, at + SLOT))
              .as("thread %d round %d", t, r)
              .isEqualTo(pattern(t, r));
          verified++;
        }
      }
    }
    assertThat(verified).isGreaterThan(THREADS * ROUNDS / 2);
  }

  @Test
  void aCallerInterruptedInsideIoGetsClosedByInterruptAndTheNextCallerReopensTheSameFile()
      throws Exception {
    Path file = dir.resolve("f");
    AtomicReference<Thread> victim = new AtomicReference<>();
    ScriptedOpener opener = ScriptedOpener.writes((real, src, position) -> {
      if (Thread.currentThread() == victim.get()) {
        // Interrupted at the point where the JDK's interruptible I/O begins.
        Thread.currentThread().interrupt();
      }
      return real.write(src, position);
    });
    try (PositionalWriter writer =
        PositionalWriter.open(opener, file, CREATE, WRITE, TRUNCATE_EXISTING)) {
      writer.write(ByteBuffer.wrap(pattern(0, 0)), 0);
      AtomicReference<Throwable> victimGot = new AtomicReference<>();
      AtomicBoolean victimStillInterrupted = new AtomicBoolean();
      Thread v = new Thread(() -> {
        try {
          writer.write(ByteBuffer.wrap(pattern(1, 0)), SLOT);
        } catch (Throwable e) {
          victimGot.set(e);
          victimStillInterrupted.set(Thread.currentThread().isInterrupted());
        }
      });
      victim.set(v);
      v.start();
      v.join();
      assertThat(victimGot.get()).isInstanceOf(ClosedByInterruptException.class);
      assertThat(victimStillInterrupted).isTrue();
      assertThat(opener.channels.get(0).realIsOpen()).as("the JDK closed the channel").isFalse();

      // What the interrupted write left is unspecified (here: nothing, the JDK closed first).
      assertThat(writer.size()).isBetween((long) SLOT, 2L * SLOT);
      assertThat(writer.reopens()).as("any operation reopens, here size()").isEqualTo(1);
      writer.write(ByteBuffer.wrap(pattern(2, 0)), 2 * SLOT);
      assertThat(writer.reopens()).isEqualTo(1);
      assertThat(opener.channels).hasSize(2);
      assertThat(opener.channelOptions.get(1))
          .as("never reopened with CREATE, CREATE_NEW or TRUNCATE_EXISTING")
          .containsExactlyInAnyOrder(READ, WRITE);
      ByteBuffer back = ByteBuffer.allocate(SLOT);
      assertThat(writer.read(back, 0)).isEqualTo(SLOT);
      assertThat(back.array()).as("the write before the closure survived").isEqualTo(pattern(0, 0));
    }
    byte[] onDisk = Files.readAllBytes(file);
    assertThat(Arrays.copyOfRange(onDisk, 0, SLOT)).isEqualTo(pattern(0, 0));
    assertThat(Arrays.copyOfRange(onDisk, 2 * SLOT, 3 * SLOT)).isEqualTo(pattern(2, 0));
  }

  @Test
  void aClosedByInterruptForAnInterruptTheCallerAlreadyConsumedIsRetriedNotThrown()
      throws Exception {
    // Since JDK 21 Thread.interrupt sets the status before it finds the channel the thread is
    // blocked on, so an interrupt the thread already saw and cleared can close the channel of its
    // next call, which then throws ClosedByInterruptException with the status clear. Scripted:
    // the first write transfers part of its bytes, the channel closes, and the call throws so.
    Path file = dir.resolve("f");
    AtomicBoolean staleInterrupt = new AtomicBoolean(true);
    ScriptedOpener opener = ScriptedOpener.writes((real, src, position) -> {
      if (staleInterrupt.getAndSet(false)) {
        ByteBuffer half = src.duplicate();
        half.limit(half.position() + half.remaining() / 2);
        int n = real.write(half, position);
        src.position(src.position() + n);
        real.close();
        throw new ClosedByInterruptException();
      }
      return real.write(src, position);
    });
    try (PositionalWriter writer = PositionalWriter.open(opener, file)) {
      writer.write(ByteBuffer.wrap(pattern(3, 3)), 5);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      assertThat(writer.reopens()).isEqualTo(1);
      assertThat(writer.bytesWritten()).isEqualTo(SLOT);
    }
    byte[] onDisk = Files.readAllBytes(file);
    assertThat(Arrays.copyOfRange(onDisk, 5, 5 + SLOT)).isEqualTo(pattern(3, 3));
    assertThat(onDisk).hasSize(5 + SLOT);
  }

  @Test
  void afterAnInterruptClosedTheChannelADeletedOrReplacedFileIsNotReopened() throws Exception {
    Path file = dir.resolve("f");
    AtomicBoolean interruptNext = new AtomicBoolean();
    ScriptedOpener opener = ScriptedOpener.writes((real, src, position) -> {
      if (interruptNext.getAndSet(false)) {
        Thread.currentThread().interrupt();
      }
      return real.write(src, position);
    });
    try (PositionalWriter writer = PositionalWriter.open(opener, file)) {
      writer.write(ByteBuffer.wrap(pattern(0, 0)), 0);
      interruptNext.set(true);
      assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(pattern(0, 1)), 0))
          .isInstanceOf(ClosedByInterruptException.class);
      assertThat(Thread.interrupted()).isTrue();

      // Replaced: the old file lives on under another name, a new one takes the path.
      Files.move(file, dir.resolve("f.moved"));
      Files.write(file, new byte[] {42});
      assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(pattern(0, 1)), 0))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("no longer the file");
      assertThat(Files.readAllBytes(file)).as("the other file is untouched").containsExactly(42);

      // Deleted: reopening must not create it again.
      Files.delete(file);
      assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(pattern(0, 1)), 0))
          .isInstanceOf(NoSuchFileException.class);
      assertThat(file).as("not recreated").doesNotExist();
    }
  }

}
