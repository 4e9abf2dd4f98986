package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchStore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A read inside a part racing the part's last write and its completion: the reader wants bytes
 * [8, 24) of a part that the fetch thread writes in two pieces, [0, 16) and [16, 64), once the
 * signal opens the gate; the second write raises the watermark to the whole part, and the
 * completion then publishes the part and retires its watermark. Whether the reader looks before
 * the first write, between the writes (its bytes half there), between the last write and the
 * completion, or after it, and whether it finds the watermark, creates it or finds none, the read
 * must return exactly its bytes.
 */
@JCStressTest(Mode.Termination)
@Description("FetchStore.read inside a part racing the part's last write and completion must return")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the read returned its bytes")
@Outcome(id = "STALE", expect = FORBIDDEN,
    desc = "lost wake-up: the reader waits on a watermark that the completion retired, or missed the last advance")
@State
public class FetchReadInsidePartRacingCompletionTest {
  private final SplitPartSource source = new SplitPartSource(true);
  private final FetchStore store = GatedSource.openStore(source);

  @Actor
  public void reader() {
    try {
      String read = GatedSource.read(store, 8, SplitPartSource.FIRST);
      if (!"DATA".equals(read)) {
        throw new AssertionError("read across the part's two writes: " + read);
      }
    } finally {
      store.close();
    }
  }

  @Signal
  public void writes() {
    source.gate.complete(null);
  }
}
