package dev.latchwork.benchmarks.latch;

import dev.latchwork.core.BroadcastLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * A one-shot gate as the latch benchmarks use it: {@link BroadcastLatch} and the two things a user
 * would pick instead, {@code CountDownLatch(1)} and {@code CompletableFuture<Void>}. In a forked
 * benchmark only one implementation is ever loaded, so the interface call is monomorphic and
 * inlined: the benchmark measures the primitive, not this adapter.
 */
abstract class OneShot {
  abstract void open();

  abstract void await() throws InterruptedException;

  static OneShot create(String impl) {
    return switch (impl) {
      case "latchwork" -> new Latchwork();
      case "countDownLatch" -> new CountDown();
      case "completableFuture" -> new Future();
      default -> {
        throw new IllegalArgumentException(
            "impl must be latchwork, countDownLatch or completableFuture, not " + impl);
      }
    };
  }

  private static final class Latchwork extends OneShot {
    private final BroadcastLatch latch = new BroadcastLatch();

    @Override
    void open() {
      latch.open();
    }

    @Override
    void await() throws InterruptedException {
      latch.await();
    }
  }

  private static final class CountDown extends OneShot {
    private final CountDownLatch latch = new CountDownLatch(1);

    @Override
    void open() {
      latch.countDown();
    }

    @Override
    void await() throws InterruptedException {
      latch.await();
    }
  }

  private static final class Future extends OneShot {
    private final CompletableFuture<Void> future = new CompletableFuture<>();

    @Override
    void open() {
      future.complete(null);
    }

    /** {@code get()}, not {@code join()}: interruptible, like the other two. */
    @Override
    void await() throws InterruptedException {
      try {
        future.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("the benchmark never fails the future", e);
      }
    }
  }
}
