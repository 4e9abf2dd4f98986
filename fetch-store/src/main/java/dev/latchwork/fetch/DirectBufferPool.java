package dev.latchwork.fetch;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers that network transfers fill, shared by every store in the process: a fetch
 * takes one while an attempt runs and gives it back when the attempt ends, so the direct memory a
 * process holds is bounded by the fetches in progress plus {@link #retained} idle buffers, however
 * many stores it opens and closes. Thread-safe and lock-free.
 */
final class DirectBufferPool {
  /*
   * Implementation notes.
   *
   * Direct memory is freed only when its buffer is collected, and a buffer cached by an object
   * that stays reachable (a closed store kept by its caller) is never freed: a pool per store
   * would hold a buffer per store ever opened. Hence one pool for the process, and an idle list
   * capped at `retained`: a buffer given back to a full list is dropped for the collector.
   *
   * idleCount is raised before a buffer is offered and lowered after one is polled, so it is
   * never below the list's true size and the list never exceeds `retained`.
   */

  /** The pool every store uses: 1 MiB buffers, as many idle as two per processor (at least 4). */
  static final DirectBufferPool SHARED =
      new DirectBufferPool(1 << 20, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

  private final int bufferSize;
  private final int retained;
  private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  DirectBufferPool(int bufferSize, int retained) {
    if (bufferSize <= 0 || retained < 0) {
      throw new IllegalArgumentException(
          "bufferSize must be positive and retained not negative: " + bufferSize + ", " + retained);
    }
    this.bufferSize = bufferSize;
    this.retained = retained;
  }

  /** Returns a cleared direct buffer of {@link #bufferSize()} bytes, idle or new. */
  ByteBuffer acquire() {
    ByteBuffer b = idle.poll();
    if (b == null) {
      return ByteBuffer.allocateDirect(bufferSize);
    }
    idleCount.decrementAndGet();
    return b.clear();
  }

  /** Gives back a buffer from {@link #acquire()}; the caller must not touch it again. */
  void release(ByteBuffer buffer) {
    if (idleCount.incrementAndGet() <= retained) {
      idle.offer(buffer.clear());
    } else {
      idleCount.decrementAndGet();
    }
  }

  int bufferSize() {
    return bufferSize;
  }

  /** Idle buffers held now (never above the cap given at construction). */
  int idle() {
    return idleCount.get();
  }
}
