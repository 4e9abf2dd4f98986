package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * {@link ProgressNotifier}: a waiter whose target is never reached terminates with
 * {@link SignalFailedException} (carrying the cause) when the notifier fails.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter got SignalFailedException with the cause.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "The waiter hangs after fail().")
@State
public class AwaitTerminatesOnFailTest {
  private final Throwable cause = new Exception("download failed (test cause)");

  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void reader() throws InterruptedException {
    try {
      progress.awaitAtLeast(10);
    } catch (SignalFailedException expected) {
      if (expected.getCause() != cause) {
        throw new IllegalStateException("wrong cause", expected);
      }
      return;
    }
    throw new IllegalStateException("awaitAtLeast returned normally on a failed notifier");
  }

  @Signal
  public void downloader() {
    progress.advanceTo(2);
    progress.fail(cause);
  }
}
