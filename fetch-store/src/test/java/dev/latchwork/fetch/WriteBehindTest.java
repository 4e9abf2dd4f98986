package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WriteBehind flushes once per threshold of bytes written, on the writing thread, one flush at a
 * time: a write during a flush neither waits for it nor is forgotten, and a failed flush does not
 * fail the write that triggered it.
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
    WriteBehind writeBehind = new WriteBehind(tracer, this::countFlush, 100);
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
  void aWriteDuringAFlushNeitherWaitsNorFlushesAndTheFirstWriteAfterItFlushesIt()
      throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch endFlush = new CountDownLatch(1);
    WriteBehind writeBehind = new WriteBehind(tracer, () -> {
      if (flushes.incrementAndGet() == 1) {
        inFlush.countDown();
        try {
          endFlush.await();
        } catch (InterruptedException e) {
          throw new InterruptedIOException("test flush interrupted");
        }
      }
      return true;
    }, 100);
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> writeBehind.written(100));
    assertThat(inFlush.await(10, TimeUnit.SECONDS)).isTrue();
    writeBehind.written(500); // returns at once: the first flush still runs
    assertThat(flushes).hasValue(1);
    endFlush.countDown();
    first.get(10, TimeUnit.SECONDS);
    writeBehind.written(1);
    assertThat(flushes).as("the 501 bytes written during the first flush").hasValue(2);
  }

  @Test
  void aFailedFlushDoesNotFailTheWriteAndTheNextThresholdFlushesAgain() {
    WriteBehind writeBehind = new WriteBehind(tracer, () -> {
      if (flushes.incrementAndGet() == 1) {
        throw new IOException("EIO (test)");
      }
      return true;
    }, 10);
    writeBehind.written(10);
    writeBehind.written(10);
    assertThat(flushes).hasValue(2);
  }

  @Test
  void aNonPositiveThresholdIsRefused() {
    assertThatThrownBy(() -> new WriteBehind(tracer, this::countFlush, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
  }
}
