package dev.latchwork.jcstress.progress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ProgressNotifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * {@link ProgressNotifier}: a {@code whenAtLeast(2)} future registered while the advances race it
 * completes with a value of at least 2, whether it was registered before, between or after them;
 * a future whose target is never reached completes with the final value when the notifier
 * completes. (The arbiter waits up to 10 s for each future, so an asynchronous completion is
 * allowed; a future that never completes shows as -1, a forbidden outcome.)
 *
 * <p>Results: r1 the value of {@code whenAtLeast(2)}, r2 the value of {@code whenAtLeast(10)}.
 */
@JCStressTest
@Outcome(id = "2, 3", expect = ACCEPTABLE, desc = "Registered before the value passed 2.")
@Outcome(id = "3, 3", expect = ACCEPTABLE, desc = "Registered after the last advance: completed at once.")
@Outcome(expect = FORBIDDEN, desc = "A future never completed (-1), failed (-2), or completed below its target while progress could still grow.")
@State
public class WhenAtLeastCompletesTest {
  private final ProgressNotifier progress = new ProgressNotifier();
  private CompletableFuture<Long> reachTwo;
  private CompletableFuture<Long> reachTen;

  @Actor
  public void reader() {
    reachTwo = progress.whenAtLeast(2);
    reachTen = progress.whenAtLeast(10);
  }

  @Actor
  public void downloader() {
    progress.add(1);
    progress.add(1);
    progress.add(1);
    progress.complete();
  }

  @Arbiter
  public void arbiter(JJ_Result r) {
    r.r1 = valueOf(reachTwo);
    r.r2 = valueOf(reachTen);
  }

  private static long valueOf(CompletableFuture<Long> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return -1;
    } catch (ExecutionException e) {
      return -2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -3;
    }
  }
}
