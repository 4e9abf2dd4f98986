package dev.latchwork.jcstress.negative;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Negative control 3: the check-then-count shutdown gate, raced exactly as {@code
 * gate.EntryRacingCloseTest} races the real one. An operation admitted after the closer saw
 * nothing in flight finds the ending action already run ("1, 1"); {@code ResultCheck} fails the
 * run if that was not observed, since then the real harness could not have caught it either.
 *
 * <p>r1: 1 if enter() admitted the operation; r2: 1 if the admitted operation saw the ending
 * action already run, 0 if not, -1 if it was refused.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "entered first; the action ran after its exit")
@Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "close won; the entry was refused")
@Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
    desc = "Broken gate caught: the ending action ran while an admitted operation was inside.")
@State
public class CheckThenCountGateTest {
  private final AtomicInteger runs = new AtomicInteger();
  private final CheckThenCountGate gate = new CheckThenCountGate(runs::incrementAndGet);

  @Actor
  public void operation(II_Result r) {
    if (gate.enter()) {
      r.r1 = 1;
      r.r2 = runs.get();
      gate.exit();
    } else {
      r.r1 = 0;
      r.r2 = -1;
    }
  }

  @Actor
  public void closer() {
    gate.close();
  }
}
