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
 * A read inside a part in flight racing the write that brings its bytes: the reader wants bytes
 * [8, 16) of a part whose first 16 bytes the fetch thread writes once the signal opens the gate,
 * and whose rest never comes, so the part never completes and only the part's written watermark
 * can wake the reader. Whether the write lands before the reader looks, between its look and its
 * registration on the watermark, or while it waits, the read must return exactly the written
 * bytes: a reader left waiting although its bytes are in the file is a lost wake-up.
 */
@JCStressTest(Mode.Termination)
@Description("FetchStore.read inside a part racing the write of its bytes must return them")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE,
    desc = "the read returned the bytes written so far, with the rest of the part still in flight")
@Outcome(id = "STALE", expect = FORBIDDEN,
    desc = "lost wake-up: the reader waits although its bytes were written (the watermark advance was missed)")
@State
public class FetchReadInsidePartRacingWriteTest {
  private final SplitPartSource source = new SplitPartSource(false);
  private final FetchStore store = GatedSource.openStore(source);

  @Actor
  public void reader() {
    try {
      String read = GatedSource.read(store, 8, SplitPartSource.FIRST - 8);
      if (!"DATA".equals(read)) {
        throw new AssertionError("read inside the part in flight: " + read);
      }
    } finally {
      store.close(); // aborts the transfer holding the rest of the part
    }
  }

  @Signal
  public void firstWrite() {
    source.gate.complete(null);
  }
}
