package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.ClosedStoreException;
import dev.latchwork.fetch.FetchStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A permanent failure of the part a reader waits for, racing that reader: the failing fetch fails
 * every part latch while the reader checks, demands and parks. The reader must come out with the
 * failure, never hang.
 */
@JCStressTest(Mode.Termination)
@Description("A permanent fetch failure racing a read must wake the read with the failure")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the read ended with the failure")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the read missed the failure and hangs")
@State
public class FetchFailureRacingReadTest {
  private final GatedSource source = new GatedSource();
  private final FetchStore store = GatedSource.openStore(source);

  @Actor
  public void reader() throws InterruptedException {
    try {
      store.read(ByteBuffer.allocate(8), 0);
      throw new AssertionError("read returned although the part failed");
    } catch (ClosedStoreException e) {
      throw new AssertionError("nobody closed the store", e);
    } catch (IOException expected) {
      // carries the source's failure
    } finally {
      store.close();
    }
  }

  @Signal
  public void sourceFails() {
    source.gate.completeExceptionally(new IOException("injected: object deleted"));
  }
}
