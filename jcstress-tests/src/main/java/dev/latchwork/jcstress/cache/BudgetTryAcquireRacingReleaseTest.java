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
import org.openjdk.jcstress.infra.results.ZI_Result;

/**
 * {@link FetchBudget}: a non-waiting {@code tryAcquire} racing the release of the only permit
 * either gets it (and the budget counts one permit held) or does not (and none is held). A
 * permit counted twice, or lost, is forbidden. Results: whether tryAcquire succeeded, and the
 * permits held afterwards.
 */
@JCStressTest
@Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "The release came first; the acquirer took the permit.")
@Outcome(id = "false, 0", expect = ACCEPTABLE, desc = "The acquirer came first and gave up; the permit is free.")
@Outcome(expect = FORBIDDEN, desc = "A permit lost or counted twice.")
@State
public class BudgetTryAcquireRacingReleaseTest {
  private final FetchBudget budget = new FetchBudget(1);
  private final FetchBudget.Lane holder = budget.newLane("holder");
  private final FetchBudget.Lane acquirer = budget.newLane("acquirer");

  /** Takes the only permit for the holder. */
  public BudgetTryAcquireRacingReleaseTest() {
    try {
      if (!holder.tryAcquire(0, TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("a fresh budget refused its first permit");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Tries to take a permit without waiting.
   *
   * @param r the result
   */
  @Actor
  public void acquirer(ZI_Result r) {
    r.r1 = tryNow(acquirer);
  }

  /**
   * Releases the holder's permit.
   *
   * @param r the result
   */
  @Actor
  public void releaser(ZI_Result r) {
    holder.release();
  }

  /**
   * Reads the permits held.
   *
   * @param r the result
   */
  @Arbiter
  public void arbiter(ZI_Result r) {
    r.r2 = budget.waiting() == 0 ? budget.inFlight() : -1;
  }

  private static boolean tryNow(FetchBudget.Lane lane) {
    try {
      return lane.tryAcquire(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException("a non-waiting tryAcquire was interrupted", e);
    }
  }
}
