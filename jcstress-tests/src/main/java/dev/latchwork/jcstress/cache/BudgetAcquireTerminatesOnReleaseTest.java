package dev.latchwork.jcstress.cache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchBudget;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * {@link FetchBudget}: a lane waiting in {@code acquire()} for the only permit is handed it when
 * another lane releases it, whether the release lands before the waiter looks, between its look
 * and its park, or while it is parked. A hang is a lost hand-over.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter got the released permit.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "Lost hand-over: the waiter hangs on a free permit.")
@State
public class BudgetAcquireTerminatesOnReleaseTest {
  private final FetchBudget budget = new FetchBudget(1);
  private final FetchBudget.Lane holder = budget.newLane("holder");
  private final FetchBudget.Lane waiter = budget.newLane("waiter");

  /** Takes the only permit for the holder. */
  public BudgetAcquireTerminatesOnReleaseTest() {
    try {
      if (!holder.acquire()) {
        throw new IllegalStateException("a fresh budget refused its first permit");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits for the permit.
   *
   * @throws InterruptedException never in this harness
   */
  @Actor
  public void waiter() throws InterruptedException {
    if (!waiter.acquire() || budget.inFlight() != 1 || waiter.held() != 1) {
      throw new IllegalStateException("acquired, but the counts are wrong: " + budget);
    }
  }

  /** Releases the holder's permit. */
  @Signal
  public void releaser() {
    holder.release();
  }
}
