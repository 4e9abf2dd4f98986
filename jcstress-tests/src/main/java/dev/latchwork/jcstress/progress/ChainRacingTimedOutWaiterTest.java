package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * {@link ProgressNotifier}'s wake-up chain: a waiter that times out just as the chain reaches it.
 * A future for 2 is registered up front. The advance to 2 reaches the lowest waiter first, the
 * thread waiting for 1 for only a few microseconds: it may time out before, while or after it is
 * claimed. If it was claimed, it holds the chain and must hand it on to the future although it
 * leaves by a timeout.
 *
 * <p>Results: r1 what the short waiter returned, or -1 if it timed out (both fine); r2 the
 * future's value (arbiter), or -1 if it was not completed within 10 s (the chain died with the
 * timed-out waiter).
 */
@JCStressTest
@Outcome(id = {"-1, 2", "2, 2"}, expect = ACCEPTABLE, desc = "The future was served; the short waiter timed out or was served.")
@Outcome(expect = FORBIDDEN, desc = "The future was never completed (lost wake-up) or a value is wrong.")
@State
public class ChainRacingTimedOutWaiterTest {
  private final ProgressNotifier progress = new ProgressNotifier();
  private final CompletableFuture<Long> forTwo = progress.whenAtLeast(2);

  @Actor
  public void shortWaiterForOne(JJ_Result r) {
    try {
      r.r1 = progress.awaitAtLeast(1, 20, TimeUnit.MICROSECONDS);
    } catch (TimeoutException e) {
      r.r1 = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.r1 = -2;
    }
  }

  @Actor
  public void producer() {
    progress.advanceTo(2);
  }

  @Arbiter
  public void arbiter(JJ_Result r) {
    r.r2 = ChainHarness.value(forTwo);
  }
}
