package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * {@link ProgressNotifier}: a waiter whose target is never reached terminates when the notifier
 * completes, and returns the final value (end of data), instead of hanging.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter returned the final value 4 < target 10.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "The waiter hangs after complete(): end of data was never signalled.")
@State
public class AwaitTerminatesOnCompleteBelowTargetTest {
  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void reader() throws InterruptedException {
    long seen = progress.awaitAtLeast(10);
    if (seen != 4) {
      throw new IllegalStateException("awaitAtLeast(10) after complete at 4 returned " + seen);
    }
  }

  @Signal
  public void downloader() {
    progress.advanceTo(4);
    progress.complete();
  }
}
