package dev.latchwork.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** API skeleton: implementation pending (issue 2). */
public final class ProgressNotifier {
  public ProgressNotifier() {}

  public ProgressNotifier(long initialValue) {}

  public long get() { throw new UnsupportedOperationException("pending"); }

  public void advanceTo(long value) { throw new UnsupportedOperationException("pending"); }

  public long add(long delta) { throw new UnsupportedOperationException("pending"); }

  public void complete() { throw new UnsupportedOperationException("pending"); }

  public void fail(Throwable cause) { throw new UnsupportedOperationException("pending"); }

  public boolean isDone() { throw new UnsupportedOperationException("pending"); }

  public long awaitAtLeast(long target) throws InterruptedException {
    throw new UnsupportedOperationException("pending");
  }

  public long awaitAtLeast(long target, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    throw new UnsupportedOperationException("pending");
  }

  public long awaitAtLeast(long target, Duration timeout)
      throws InterruptedException, TimeoutException {
    throw new UnsupportedOperationException("pending");
  }

  public CompletableFuture<Long> whenAtLeast(long target) {
    throw new UnsupportedOperationException("pending");
  }
}
