package dev.latchwork.jcstress.negative;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IZ_Result;

/**
 * Negative control: the clear-then-forget write-behind, raced exactly as {@code
 * fetch.WriteBehindWriteRacingFlushTest} races the real one. A write counted while the other
 * writer's flush ran is left unflushed, so the arbiter's check has to flush it ("1, true");
 * {@code ResultCheck} fails the run if that was not observed, since then the real harness could
 * not have caught it either.
 *
 * <p>r1: flushes run by the two writers; r2: whether the arbiter's check had to flush.
 */
@JCStressTest
@Outcome(id = "1, false", expect = ACCEPTABLE, desc = "one flush took both bytes")
@Outcome(id = "2, false", expect = ACCEPTABLE, desc = "the writes did not overlap a flush")
@Outcome(id = "1, true", expect = ACCEPTABLE_INTERESTING,
    desc = "Broken write-behind caught: a byte written during a flush was never flushed.")
@State
public class ForgottenWriteBehindFlushTest {
  private final ClearThenForgetWriteBehind writeBehind = new ClearThenForgetWriteBehind(1);

  @Actor
  public void firstWriter() {
    writeBehind.written(1);
  }

  @Actor
  public void secondWriter() {
    writeBehind.written(1);
  }

  @Arbiter
  public void check(IZ_Result r) {
    r.r1 = writeBehind.flushes();
    writeBehind.written(0);
    r.r2 = writeBehind.flushes() != r.r1;
  }
}
