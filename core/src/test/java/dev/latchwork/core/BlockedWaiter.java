package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

/**
 * A platform thread running one blocking wait, recording what it returned or threw and whether
 * its interrupt status was set afterwards.
 */
final class BlockedWaiter {
  /** The wait to run; its result, if any, is recorded. */
  @FunctionalInterface
  interface Wait {
    Object call() throws Exception;
  }

  private final Thread thread;
  private volatile Object returned;
  private volatile Throwable thrown;
  private volatile boolean interruptedAfter;

  private BlockedWaiter(Wait wait) {
    this.thread = new Thread(() -> {
      try {
        returned = wait.call();
      } catch (Throwable e) {
        thrown = e;
      }
      interruptedAfter = Thread.currentThread().isInterrupted();
    });
  }

  static BlockedWaiter start(Wait wait) {
    BlockedWaiter waiter = new BlockedWaiter(wait);
    waiter.thread.start();
    return waiter;
  }

  Thread thread() {
    return thread;
  }

  /** Joins the thread, failing if it does not finish within 30 s (a lost wake-up). */
  BlockedWaiter finish() throws InterruptedException {
    thread.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(thread.isAlive()).as("waiter finished within 30 s").isFalse();
    return this;
  }

  Object returned() {
    return returned;
  }

  Throwable thrown() {
    return thrown;
  }

  boolean interruptedAfter() {
    return interruptedAfter;
  }
}
