package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * {@link ProgressNotifier}: {@code advanceTo} racing {@code complete()}. Either the advance comes
 * first and is kept, or it comes after and is rejected with IllegalStateException and changes
 * nothing; in both cases a later {@code awaitAtLeast} returns the final value at once.
 *
 * <p>Results: r1 1 if advanceTo(5) returned, 0 if it threw IllegalStateException; r2 the final
 * {@code get()}; r3 what {@code awaitAtLeast(5)} returned afterwards (arbiter).
 */
@JCStressTest
@Outcome(id = "1, 5, 5", expect = ACCEPTABLE, desc = "The advance came first and is part of the final value.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "complete() came first; the advance was rejected and changed nothing.")
@Outcome(expect = FORBIDDEN, desc = "An accepted advance was lost, a rejected one was applied, or awaitAtLeast disagrees.")
@State
public class AdvanceVersusCompleteTest {
  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void downloader(JJJ_Result r) {
    try {
      progress.advanceTo(5);
      r.r1 = 1;
    } catch (IllegalStateException rejected) {
      r.r1 = 0;
    }
  }

  @Actor
  public void completer() {
    progress.complete();
  }

  @Arbiter
  public void arbiter(JJJ_Result r) {
    r.r2 = progress.get();
    try {
      r.r3 = progress.awaitAtLeast(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.r3 = -2; // nothing interrupts the arbiter: a forbidden outcome
    }
  }
}
