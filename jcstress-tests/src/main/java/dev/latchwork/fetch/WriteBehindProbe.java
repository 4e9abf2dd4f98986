package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives the jcstress harnesses in {@code dev.latchwork.jcstress.fetch} a package-private {@link
 * WriteBehind} whose flush only counts and whose executor runs the flush on the calling thread,
 * so that a harness sees every flush the moment its task ends. Not part of the library.
 */
public final class WriteBehindProbe {
  private final AtomicInteger flushes = new AtomicInteger();
  private final WriteBehind writeBehind;

  /** A write-behind that flushes every {@code threshold} bytes. */
  public WriteBehindProbe(long threshold) {
    writeBehind = new WriteBehind(Tracer.forInstance(FetchStore.class), () -> {
      flushes.incrementAndGet();
      return true;
    }, threshold, Runnable::run);
  }

  /** Counts {@code n} bytes written; may run a flush (or several) before returning. */
  public void written(long n) {
    writeBehind.written(n);
  }

  /** The flushes run so far. */
  public int flushes() {
    return flushes.get();
  }
}
