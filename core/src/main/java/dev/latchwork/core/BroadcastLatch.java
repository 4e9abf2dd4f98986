package dev.latchwork.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** API skeleton: implementation pending (issue 2). */
public final class BroadcastLatch {
  public BroadcastLatch() {}

  public boolean open() { throw new UnsupportedOperationException("pending"); }

  public boolean fail(Throwable cause) { throw new UnsupportedOperationException("pending"); }

  public boolean isOpen() { throw new UnsupportedOperationException("pending"); }

  public Throwable failure() { throw new UnsupportedOperationException("pending"); }

  public void await() throws InterruptedException { throw new UnsupportedOperationException("pending"); }

  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    throw new UnsupportedOperationException("pending");
  }

  public boolean await(Duration timeout) throws InterruptedException {
    throw new UnsupportedOperationException("pending");
  }

  public CompletableFuture<Void> toFuture() { throw new UnsupportedOperationException("pending"); }
}
