package dev.latchwork.jcstress.latch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.BroadcastLatch;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZI_Result;

/**
 * {@link BroadcastLatch}: two racing {@code fail(cause)} calls have exactly one winner, and the
 * recorded failure is the winner's cause, never the loser's. Results: first fail(), second fail(),
 * and (arbiter) whose cause {@code failure()} returns (1, 2, or 0 for neither).
 */
@JCStressTest
@Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "The first failer won; its cause is recorded.")
@Outcome(id = "false, true, 2", expect = ACCEPTABLE, desc = "The second failer won; its cause is recorded.")
@Outcome(expect = FORBIDDEN, desc = "Both or neither won, or the loser's cause was recorded.")
@State
public class FailVersusFailTest {
  private final Throwable cause1 = new Exception("cause 1");
  private final Throwable cause2 = new Exception("cause 2");

  private final BroadcastLatch latch = new BroadcastLatch();

  @Actor
  public void failer1(ZZI_Result r) {
    r.r1 = latch.fail(cause1);
  }

  @Actor
  public void failer2(ZZI_Result r) {
    r.r2 = latch.fail(cause2);
  }

  @Arbiter
  public void arbiter(ZZI_Result r) {
    Throwable failure = latch.failure();
    r.r3 = failure == cause1 ? 1 : failure == cause2 ? 2 : 0;
  }
}
