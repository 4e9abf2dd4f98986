package dev.latchwork.jcstress.cache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchBudget;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZI_Result;

/**
 * {@link FetchBudget}: one lane releases the only permit and takes it again at once while another
 * lane tries to take it: exactly one of the two ends up holding it. Both holding it (the budget
 * exceeded) or neither (a permit lost) is forbidden. Results: the re-acquisition, the other
 * acquisition, the permits held afterwards.
 */
@JCStressTest
@Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "The releasing lane took the permit back.")
@Outcome(id = "false, true, 1", expect = ACCEPTABLE, desc = "The other lane took the freed permit.")
@Outcome(expect = FORBIDDEN, desc = "The budget exceeded, or a permit lost.")
@State
public class BudgetReacquireRacingAcquireTest {
  private final FetchBudget budget = new FetchBudget(1);
  private final FetchBudget.Lane first = budget.newLane("first");
  private final FetchBudget.Lane second = budget.newLane("second");

  /** Takes the only permit for the first lane. */
  public BudgetReacquireRacingAcquireTest() {
    try {
      if (!first.tryAcquire(0, TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("a fresh budget refused its first permit");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Releases the permit and tries to take it back without waiting.
   *
   * @param r the result
   */
  @Actor
  public void releaseAndRetake(ZZI_Result r) {
    first.release();
    r.r1 = tryNow(first);
  }

  /**
   * Tries to take the permit without waiting.
   *
   * @param r the result
   */
  @Actor
  public void other(ZZI_Result r) {
    r.r2 = tryNow(second);
  }

  /**
   * Reads the permits held.
   *
   * @param r the result
   */
  @Arbiter
  public void arbiter(ZZI_Result r) {
    r.r3 = budget.waiting() == 0 ? budget.inFlight() : -1;
  }

  private static boolean tryNow(FetchBudget.Lane lane) {
    try {
      return lane.tryAcquire(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException("a non-waiting tryAcquire was interrupted", e);
    }
  }
}
