package dev.latchwork.fetch;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/** Helpers shared by the store tests. */
final class StoreTesting {
  private StoreTesting() {}

  /** Retries quickly: tests inject a Backoff that does not sleep anyway. */
  static final RetryPolicy FAST =
      new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(5), 0);

  /** A backoff that records the delays it was asked for and returns at once. */
  static final class RecordingBackoff implements RetryPolicy.Backoff {
    final List<Duration> delays = new CopyOnWriteArrayList<>();

    @Override
    public void pause(Duration delay, dev.latchwork.core.BroadcastLatch stop) {
      delays.add(delay);
    }
  }

  /** Reads a cache handle's whole object; each read waits at most 30 s for its bytes. */
  static byte[] readAll(FetchCache.Handle h) throws Exception {
    byte[] out = new byte[(int) h.size()];
    ByteBuffer buf = ByteBuffer.wrap(out);
    while (buf.hasRemaining()) {
      int n = h.read(buf, buf.position(), Duration.ofSeconds(30));
      if (n <= 0) {
        throw new AssertionError("read at " + buf.position() + " of " + h + " returned " + n);
      }
    }
    return out;
  }

  /** Waits (without sleeping) until {@code t} is parked or has ended. */
  static void awaitParked(Thread t) {
    for (;;) {
      Thread.State state = t.getState();
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
          || state == Thread.State.TERMINATED) {
        return;
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /** True if the byte at {@code position} is present: a read that does not wait. */
  static boolean isPresent(FetchCache.Handle h, long position) throws Exception {
    try {
      return h.read(ByteBuffer.allocate(1), position, Duration.ZERO) == 1;
    } catch (TimeoutException e) {
      return false;
    }
  }
}
