package dev.latchwork.jcstress.latch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.SignalFailedException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * {@link BroadcastLatch}: a waiter in {@code await()} terminates with a
 * {@link SignalFailedException} carrying the cause when another thread fails the latch. Returning
 * normally, or with another cause, is an error (the actor throws, which jcstress reports as ERROR,
 * an unlisted and therefore forbidden outcome).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter got SignalFailedException with the cause.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "Lost wake-up: the waiter hangs although the latch failed.")
@State
public class AwaitTerminatesOnFailTest {
  private final Throwable cause = new Exception("download failed (test cause)");

  private final BroadcastLatch latch = new BroadcastLatch();

  @Actor
  public void waiter() throws InterruptedException {
    try {
      latch.await();
    } catch (SignalFailedException expected) {
      if (expected.getCause() != cause) {
        throw new IllegalStateException("wrong cause", expected);
      }
      return;
    }
    throw new IllegalStateException("await() returned normally on a failed latch");
  }

  @Signal
  public void failer() {
    latch.fail(cause);
  }
}
