package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A scripted positional write that holds the write at one position until released. */
final class BlockingWrite implements ChannelDouble.Write {
  private final long blockedPosition;
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  BlockingWrite(long blockedPosition) {
    this.blockedPosition = blockedPosition;
  }

  @Override
  public int write(FileChannel real, ByteBuffer src, long position) throws IOException {
    if (position == blockedPosition && entered.getCount() > 0) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while held");
      }
    }
    return real.write(src, position);
  }

  /** Waits until the held write is inside the channel. */
  void awaitEntered() throws InterruptedException {
    assertThat(entered.await(60, TimeUnit.SECONDS)).as("the held write entered").isTrue();
  }

  void release() {
    release.countDown();
  }
}
