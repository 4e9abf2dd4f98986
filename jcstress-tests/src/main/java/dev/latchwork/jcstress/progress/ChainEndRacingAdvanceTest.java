package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * {@link ProgressNotifier}'s wake-up chain: the end of a chain racing the next advance. A future
 * for 2 is registered up front. The advance to 1 may start a chain by waking the thread waiting
 * for 1, which then holds the chain and, finding nothing else reached, ends it while the producer
 * advances to 2 (and, seeing the chain still running, leaves the wake-up to it). The future must
 * be completed either way.
 *
 * <p>Results: r1 what the waiter for 1 returned, r2 the future's value (arbiter); -1 if either
 * was not served within 10 s (a lost wake-up).
 */
@JCStressTest
@Outcome(id = {"1, 2", "2, 2"}, expect = ACCEPTABLE, desc = "Both were served.")
@Outcome(expect = FORBIDDEN, desc = "A wake-up was lost (-1) or a value is below its target.")
@State
public class ChainEndRacingAdvanceTest {
  private final ProgressNotifier progress = new ProgressNotifier();
  private final CompletableFuture<Long> forTwo = progress.whenAtLeast(2);

  @Actor
  public void waiterForOne(JJ_Result r) {
    r.r1 = ChainHarness.await(progress, 1);
  }

  @Actor
  public void producer() {
    progress.advanceTo(1);
    progress.advanceTo(2);
  }

  @Arbiter
  public void arbiter(JJ_Result r) {
    r.r2 = ChainHarness.value(forTwo);
  }
}
