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
 * {@link ProgressNotifier}: a waiter for target 3 terminates when the advances reach 3, whichever
 * comes first: the waiter may check before, between or after the single-step advances, and the
 * last step may land between its check and its park. The waiter must see a value of at least 3.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter returned a value >= its target.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "Lost wake-up: the waiter hangs although its target was reached.")
@State
public class AwaitTerminatesWhenTargetReachedTest {
  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void reader() throws InterruptedException {
    long seen = progress.awaitAtLeast(3);
    if (seen < 3) {
      throw new IllegalStateException("awaitAtLeast(3) returned " + seen);
    }
  }

  @Signal
  public void downloader() {
    progress.add(1);
    progress.advanceTo(2);
    progress.add(1);
  }
}
