package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WriteBehind flushes once per threshold of bytes written, on its executor, one flush at a time:
 * a write during a flush neither waits for it nor is forgotten (the flushing task flushes it
 * next), a refused task or a failed flush does not fail the write that triggered it.
 */
@Timeout(30)
class WriteBehindTest {
  private final Tracer tracer = Tracer.forInstance(FetchStore.class);
  private final AtomicInteger flushes = new AtomicInteger();

  private boolean countFlush() {
    flushes.incrementAndGet();
    return true;
  }

  @Test
  void flushesOnceForEveryThresholdOfBytesWritten() {
    WriteBehind writeBehind = new WriteBehind(tracer, this::countFlush, 100, Runnable::run);
    for (int i = 0; i < 3; i++) {
      writeBehind.written(30);
    }
    assertThat(flushes).as("90 of 100 bytes").hasValue(0);
    writeBehind.written(30);
    assertThat(flushes).as("120 bytes").hasValue(1);
    writeBehind.written(99);
    assertThat(flushes).as("99 since the flush").hasValue(1);
    writeBehind.written(1);
    assertThat(flushes).as("100 since the flush").hasValue(2);
    writeBehind.written(250);
    assertThat(flushes).as("one flush covers a big write").hasValue(3);
  }

  @Test
  void aWriteDuringAFlushDoesNotWaitAndTheFlushingTaskFlushesItNext() throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch endFlush = new CountDownLatch(1);
    CountDownLatch secondFlush = new CountDownLatch(1);
    List<Thread> flushThreads = new CopyOnWriteArrayList<>();
    WriteBehind writeBehind = new WriteBehind(tracer, () -> {
      flushThreads.add(Thread.currentThread());
      int n = flushes.incrementAndGet();
      if (n == 1) {
        inFlush.countDown();
        try {
          endFlush.await();
        } catch (InterruptedException e) {
          throw new InterruptedIOException("test flush interrupted");
        }
      } else {
        secondFlush.countDown();
      }
      return true;
    }, 100, r -> new Thread(r, "test-flush").start());
    writeBehind.written(100); // returns at once: the flush runs on the executor's thread
    assertThat(inFlush.await(10, TimeUnit.SECONDS)).isTrue();
    writeBehind.written(500); // returns at once too: the first flush still runs
    assertThat(flushes).hasValue(1);
    endFlush.countDown();
    assertThat(secondFlush.await(10, TimeUnit.SECONDS))
        .as("the 500 bytes written during the first flush are flushed next").isTrue();
    assertThat(flushes).hasValue(2);
    assertThat(flushThreads).as("never on the writing thread")
        .allMatch(t -> t.getName().equals("test-flush")).hasSize(2);
  }

  @Test
  void aFailedFlushDoesNotFailTheWriteAndTheNextThresholdFlushesAgain() {
    WriteBehind writeBehind = new WriteBehind(tracer, () -> {
      if (flushes.incrementAndGet() == 1) {
        throw new IOException("EIO (test)");
      }
      return true;
    }, 10, Runnable::run);
    writeBehind.written(10);
    writeBehind.written(10);
    assertThat(flushes).hasValue(2);
  }

  @Test
  void aRefusedFlushTaskDoesNotFailTheWriteAndALaterOneRuns() {
    AtomicInteger offered = new AtomicInteger();
    WriteBehind writeBehind = new WriteBehind(tracer, this::countFlush, 10, r -> {
      if (offered.incrementAndGet() == 1) {
        throw new RejectedExecutionException("shut down (test)");
      }
      r.run();
    });
    writeBehind.written(10);
    assertThat(flushes).hasValue(0);
    writeBehind.written(1);
    assertThat(flushes).as("the refusal left no flush marked as running").hasValue(1);
  }

  @Test
  void aNonPositiveThresholdIsRefused() {
    assertThatThrownBy(() -> new WriteBehind(tracer, this::countFlush, 0, Runnable::run))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
  }
}
