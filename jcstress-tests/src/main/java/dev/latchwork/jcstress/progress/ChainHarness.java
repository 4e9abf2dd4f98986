package dev.latchwork.jcstress.progress;

import dev.latchwork.core.ProgressNotifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bounded waits of the wake-up chain harnesses: a lost wake-up shows as -1, not a hang. 10 s
 * is far beyond any scheduling delay, so a timeout is a lost wake-up, not slowness.
 */
final class ChainHarness {
  private ChainHarness() {}

  /** {@code awaitAtLeast(target)} bounded by 10 s: the value, -1 on timeout, -2 if interrupted. */
  static long await(ProgressNotifier progress, long target) {
    try {
      return progress.awaitAtLeast(target, 10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -2;
    }
  }

  /** The future's value within 10 s: -1 if it did not complete, -3 if it failed. */
  static long value(CompletableFuture<Long> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return -1;
    } catch (ExecutionException e) {
      return -3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -2;
    }
  }
}
