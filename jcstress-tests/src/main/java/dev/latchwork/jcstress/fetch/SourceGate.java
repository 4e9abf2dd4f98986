package dev.latchwork.jcstress.fetch;

import dev.latchwork.fetch.RangeSourceException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** The wait of the harnesses' in-memory sources: a delivery holds until its gate or its close. */
public final class SourceGate {
  private SourceGate() {}

  /**
   * Waits until {@code gate} completes or {@code closed} does (the store closed the stream).
   *
   * @param gate completes normally to serve, exceptionally to fail the delivery
   * @param closed completed by the stream's or transfer's close
   * @throws RangeSourceException (permanent) if the gate failed
   * @throws IOException if the stream was closed; an InterruptedIOException if interrupted
   */
  public static void await(CompletableFuture<?> gate, CompletableFuture<?> closed)
      throws IOException {
    try {
      CompletableFuture.anyOf(gate, closed).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted at the gate");
    } catch (ExecutionException e) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT, "gate failed",
          e.getCause());
    }
    if (closed.isDone()) {
      throw new IOException("stream closed");
    }
  }
}
