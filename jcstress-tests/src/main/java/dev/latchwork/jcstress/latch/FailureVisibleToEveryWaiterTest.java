package dev.latchwork.jcstress.latch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.SignalFailedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link BroadcastLatch}: the failure cause reaches every waiter, whenever it waits: a waiter
 * blocked while the latch fails, the failing thread awaiting right after, a future obtained before
 * the failure, and a late waiter (the arbiter) all see {@link SignalFailedException} with the same
 * cause, and {@code failure()} returns it.
 *
 * <p>Results (each 1 when correct): r1 the failing thread's own await afterwards; r2 the racing
 * waiter (2: returned normally, 3: timed out after 10 s, 4: wrong cause); r3 the arbiter's checks
 * of the future, {@code failure()} and a fresh await.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Every waiter saw the same cause.")
@Outcome(expect = FORBIDDEN, desc = "A waiter missed the failure, returned normally, timed out or saw another cause.")
@State
public class FailureVisibleToEveryWaiterTest {
  private final Throwable cause = new Exception("test cause");

  private final BroadcastLatch latch = new BroadcastLatch();
  private final CompletableFuture<Void> earlyFuture = latch.toFuture();

  @Actor
  public void failer(III_Result r) {
    latch.fail(cause);
    r.r1 = awaitOutcome(0);
  }

  @Actor
  public void waiter(III_Result r) {
    // A generous bound only so that a broken latch shows as a forbidden outcome instead of a hang.
    r.r2 = awaitOutcome(10);
  }

  @Arbiter
  public void arbiter(III_Result r) {
    boolean futureSawCause;
    try {
      earlyFuture.get(10, TimeUnit.SECONDS);
      futureSawCause = false;
    } catch (ExecutionException e) {
      futureSawCause = e.getCause() == cause;
    } catch (TimeoutException e) {
      futureSawCause = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      futureSawCause = false;
    }
    boolean ok = futureSawCause && latch.failure() == cause && awaitOutcome(0) == 1;
    r.r3 = ok ? 1 : 0;
  }

  /**
   * 1: SignalFailedException with cause; 2: returned normally; 3: timed out; 4: other cause;
   * 5: interrupted (nothing here interrupts, so this is a harness failure).
   */
  private int awaitOutcome(long timeoutSeconds) {
    try {
      return latch.await(timeoutSeconds, TimeUnit.SECONDS) ? 2 : 3;
    } catch (SignalFailedException e) {
      return e.getCause() == cause ? 1 : 4;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 5;
    }
  }
}
