package dev.latchwork.jcstress.fetch;

import dev.latchwork.fetch.RangeSink;
import dev.latchwork.fetch.RangeSource;
import dev.latchwork.fetch.RangeTransfer;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * The object of {@link GatedSource} (one part of {@link GatedSource#SIZE} bytes), delivered
 * through the sink in two writes once the gate opens: {@code [0, FIRST)}, then the rest of the
 * part, either at once (the part completes) or never (the transfer holds it until it is closed,
 * so the part stays in flight and only its written watermark can serve a reader).
 */
final class SplitPartSource implements RangeSource {
  /** Bytes of the first write. */
  static final int FIRST = 16;

  final CompletableFuture<Void> gate = new CompletableFuture<>();
  private final boolean deliverRest;

  /**
   * @param deliverRest whether the rest of the part follows the first write (else it is held
   *     back until the transfer is closed)
   */
  SplitPartSource(boolean deliverRest) {
    this.deliverRest = deliverRest;
  }

  @Override
  public ObjectInfo describe() {
    return new ObjectInfo(GatedSource.SIZE, "v1");
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) {
    throw new UnsupportedOperationException("the store fetches through transfer()");
  }

  @Override
  public RangeTransfer transfer(ObjectInfo object, long start, long end) {
    return new RangeTransfer() {
      private final CompletableFuture<Void> closed = new CompletableFuture<>();

      @Override
      public long deliverTo(RangeSink sink) throws IOException {
        SourceGate.await(gate, closed);
        long at = start;
        if (at < FIRST) {
          sink.write(GatedSource.bytes(at, FIRST), at);
          at = FIRST;
        }
        if (!deliverRest) {
          SourceGate.await(closed, closed); // holds the rest until the close ends the delivery
        }
        sink.write(GatedSource.bytes(at, end), at);
        return end - start;
      }

      @Override
      public void close() {
        closed.complete(null);
      }
    };
  }
}
