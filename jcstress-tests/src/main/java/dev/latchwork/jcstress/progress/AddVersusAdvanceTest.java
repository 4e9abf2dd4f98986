package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * {@link ProgressNotifier}: {@code add(1)} racing {@code advanceTo(5)} is atomic and monotonic:
 * the add either lands first (returns 1, then the advance lifts the value to 5) or last (returns 6,
 * the final value). A lost update or a backwards move shows as any other pair.
 *
 * <p>Results: r1 what add(1) returned, r2 the final get().
 */
@JCStressTest
@Outcome(id = "1, 5", expect = ACCEPTABLE, desc = "add(1) first, then advanceTo(5).")
@Outcome(id = "6, 6", expect = ACCEPTABLE, desc = "advanceTo(5) first, then add(1).")
@Outcome(expect = FORBIDDEN, desc = "A lost update or a move backwards.")
@State
public class AddVersusAdvanceTest {
  private final ProgressNotifier progress = new ProgressNotifier();

  @Actor
  public void adder(JJ_Result r) {
    r.r1 = progress.add(1);
  }

  @Actor
  public void advancer() {
    progress.advanceTo(5);
  }

  @Arbiter
  public void arbiter(JJ_Result r) {
    r.r2 = progress.get();
  }
}
