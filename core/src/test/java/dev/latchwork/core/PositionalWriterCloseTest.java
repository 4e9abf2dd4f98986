package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionalWriterCloseTest {
  @TempDir Path dir;

  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<String> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  /** Holds the write at position 0 and records when writes finish and channels close. */
  private ScriptedOpener recordingOpener(BlockingWrite held) {
    return ScriptedOpener.writes((real, src, position) -> {
      int n = held.write(real, src, position);
      events.add("write " + position + " done");
      return n;
    }).onChannelClose(() -> events.add("channel closed"));
  }

  @Test
  void closeWaitsForTheWriteInFlightThenClosesAndRejectsNewOperations() throws Exception {
    Path file = dir.resolve("f");
    BlockingWrite held = new BlockingWrite(0);
    PositionalWriter writer = PositionalWriter.open(recordingOpener(held), file);
    Future<?> inFlight = pool.submit(() -> {
      writer.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
      return null;
    });
    held.awaitEntered();
    Future<?> closer = pool.submit(() -> {
      writer.close();
      return null;
    });
    while (!writer.closing()) {
      Thread.yield(); // waiting for a condition: close() has begun
    }
    assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(new byte[] {9}), 10))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.force(true)).isInstanceOf(ClosedChannelException.class);
    assertThat(closer).as("close() waits for the write in flight").isNotDone();
    assertThat(events).isEmpty();

    held.release();
    inFlight.get();
    closer.get();
    assertThat(events).containsExactly("write 0 done", "channel closed");
    writer.close();
    assertThat(events).as("closing again closes nothing").hasSize(2);
    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
  }

  @Test
  void anInterruptedCloseThrowsButTheWriterStillClosesWhenTheWriteInFlightEnds()
      throws Exception {
    Path file = dir.resolve("f");
    BlockingWrite held = new BlockingWrite(0);
    PositionalWriter writer = PositionalWriter.open(recordingOpener(held), file);
    Future<?> inFlight = pool.submit(() -> {
      writer.write(ByteBuffer.wrap(new byte[] {7}), 0);
      return null;
    });
    held.awaitEntered();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(writer::close).isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(writer.closing()).isTrue();
    held.release();
    inFlight.get();
    writer.close(); // returns once the last operation closed the channel
    assertThat(events).containsExactly("write 0 done", "channel closed");
    assertThat(Files.readAllBytes(file)).containsExactly(7);
  }

  @Test
  void anInterruptedThreadClosesAnIdleWriterWithoutAnExceptionAndKeepsItsInterruptStatus()
      throws Exception {
    Path file = dir.resolve("f");
    PositionalWriter writer = PositionalWriter.open(file);
    writer.write(ByteBuffer.wrap(new byte[] {5}), 0);
    Thread.currentThread().interrupt();
    try {
      writer.close(); // nothing in flight: nothing to wait for, so the interrupt is not consulted
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(writer.closing()).isTrue();
    assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(new byte[] {1}), 1))
        .isInstanceOf(ClosedChannelException.class);
    assertThat(Files.readAllBytes(file)).containsExactly(5);
  }

  @Test
  void concurrentClosesAllReturnAfterTheChannelIsClosed() throws Exception {
    BlockingWrite held = new BlockingWrite(0);
    PositionalWriter writer = PositionalWriter.open(recordingOpener(held), dir.resolve("f"));
    Future<?> inFlight = pool.submit(() -> {
      writer.write(ByteBuffer.wrap(new byte[] {7}), 0);
      return null;
    });
    held.awaitEntered();
    CountDownLatch closersStarted = new CountDownLatch(3);
    List<Future<?>> closers = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      closers.add(pool.submit(() -> {
        closersStarted.countDown();
        writer.close();
        assertThat(events).contains("channel closed");
        return null;
      }));
    }
    closersStarted.await();
    held.release();
    inFlight.get();
    for (Future<?> closer : closers) {
      closer.get();
    }
    assertThat(events).containsExactly("write 0 done", "channel closed");
  }
}
