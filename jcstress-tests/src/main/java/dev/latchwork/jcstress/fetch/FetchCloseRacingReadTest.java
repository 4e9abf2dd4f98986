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
 * close() racing a read that waits for a part which never arrives (the source holds it back): the
 * close must wake the reader, whether it lands before the reader's presence check, between the
 * check and the park, or after the park.
 */
@JCStressTest(Mode.Termination)
@Description("FetchStore.close racing a blocked read must wake the read")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the read ended with ClosedStoreException")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the read missed the close and hangs")
@State
public class FetchCloseRacingReadTest {
  private final FetchStore store = GatedSource.openStore(new GatedSource());

  @Actor
  public void reader() throws IOException, InterruptedException {
    try {
      store.read(ByteBuffer.allocate(8), 0);
      throw new AssertionError("read returned although the part never arrived");
    } catch (ClosedStoreException expected) {
      // the only way out
    }
  }

  @Signal
  public void close() {
    store.close();
  }
}
