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
 * {@link ProgressNotifier}: racing {@code advanceTo(2)} and {@code advanceTo(1)} never move the
 * value backwards. Each advancer reads the value right after its own advance (it can only be at
 * least what it advanced to), and the final value is the maximum.
 *
 * <p>Results: r1 get() after advanceTo(2), r2 get() after advanceTo(1), r3 the final get().
 */
@JCStressTest
@Outcome(id = "2, 1, 2", expect = ACCEPTABLE, desc = "advanceTo(1) read before advanceTo(2) landed.")
@Outcome(id = "2, 2, 2", expect = ACCEPTABLE, desc = "advanceTo(1) read after advanceTo(2) landed (or was a no-op).")
@Outcome(expect = FORBIDDEN, desc = "The value moved backwards or an advance was lost.")
@State
public class RacingAdvancesNeverGoBackTest {
  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void advanceToTwo(JJJ_Result r) {
    progress.advanceTo(2);
    r.r1 = progress.get();
  }

  @Actor
  public void advanceToOne(JJJ_Result r) {
    progress.advanceTo(1);
    r.r2 = progress.get();
  }

  @Arbiter
  public void arbiter(JJJ_Result r) {
    r.r3 = progress.get();
  }
}
