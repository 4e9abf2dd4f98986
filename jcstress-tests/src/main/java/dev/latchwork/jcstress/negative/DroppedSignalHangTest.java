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
 * Negative control 2: the downloader's non-blocking signal on a zero-capacity hand-off. When the
 * reader is between its progress check and its receive, the signal is dropped and the reader hangs
 * (STALE); {@code ResultCheck} fails the run if that was not observed.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The reader saw the progress, or was receiving when the signal came.")
@Outcome(id = "STALE", expect = ACCEPTABLE_INTERESTING,
    desc = "Dropped signal caught: nobody was receiving when the downloader signalled; the reader hangs.")
@State
public class DroppedSignalHangTest {
  private final DroppingSignalNotifier notifier = new DroppingSignalNotifier();

  @Actor
  public void reader() {
    try {
      notifier.awaitAtLeast(1);
    } catch (InterruptedException e) {
      // jcstress interrupts a stale actor to reclaim the thread; the hang was already recorded.
      Thread.currentThread().interrupt();
    }
  }

  @Signal
  public void downloader() {
    // Whether the signal was delivered shows as the reader terminating or hanging.
    notifier.advanceTo(1);
  }
}
