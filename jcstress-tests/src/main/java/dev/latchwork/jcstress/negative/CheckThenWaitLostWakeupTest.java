package dev.latchwork.jcstress.negative;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Negative control 1: the condition-variable store whose reader checks and then waits in separate
 * critical sections. The hang (STALE) must be observed, or the suite is not able to catch a lost
 * wake-up at all; {@code ResultCheck} fails the run if it was not.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The reader saw the progress, or was parked when the broadcast came.")
@Outcome(id = "STALE", expect = ACCEPTABLE_INTERESTING,
    desc = "Lost wake-up caught: the broadcast landed between the reader's check and its wait; the reader hangs.")
@State
public class CheckThenWaitLostWakeupTest {
  private final CheckThenWaitStore store = new CheckThenWaitStore();

  @Actor
  public void reader() {
    try {
      store.awaitAtLeast(1);
    } catch (InterruptedException e) {
      // jcstress interrupts a stale actor to reclaim the thread; the hang was already recorded.
      Thread.currentThread().interrupt();
    }
  }

  @Signal
  public void downloader() {
    store.advanceTo(1);
  }
}
