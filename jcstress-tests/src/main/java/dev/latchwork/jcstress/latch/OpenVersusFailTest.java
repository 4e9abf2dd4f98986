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
 * {@link BroadcastLatch}: {@code open()} racing {@code fail(cause)} has exactly one winner, and
 * the latch's final state is the winner's: open without failure, or open with that failure.
 * Results: open() returned, fail() returned, and the final state read by the arbiter (0: not
 * open, 1: open without failure, 2: open with the cause, 3: open with some other failure).
 */
@JCStressTest
@Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "open() won; no failure recorded.")
@Outcome(id = "false, true, 2", expect = ACCEPTABLE, desc = "fail() won; the cause is recorded.")
@Outcome(expect = FORBIDDEN, desc = "Two winners, no winner, or a final state that is not the winner's.")
@State
public class OpenVersusFailTest {
  private final Throwable cause = new Exception("test cause");

  private final BroadcastLatch latch = new BroadcastLatch();

  @Actor
  public void opener(ZZI_Result r) {
    r.r1 = latch.open();
  }

  @Actor
  public void failer(ZZI_Result r) {
    r.r2 = latch.fail(cause);
  }

  @Arbiter
  public void arbiter(ZZI_Result r) {
    Throwable failure = latch.failure();
    r.r3 = !latch.isOpen() ? 0 : failure == null ? 1 : failure == cause ? 2 : 3;
  }
}
