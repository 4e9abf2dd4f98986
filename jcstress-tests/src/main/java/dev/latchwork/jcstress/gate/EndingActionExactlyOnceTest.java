package dev.latchwork.jcstress.gate;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ShutdownGate;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads each end an operation in flight and then close the gate: whatever the interleaving,
 * whether a close (both exits first) or an exit (a close first) drains the gate, the ending action
 * runs exactly once, exactly one close() returns {@code true}, and the gate ends drained with
 * nothing in flight.
 *
 * <p>r1: ending action runs (counted atomically, so a double run is seen); r2: close() calls that
 * returned true; r3: 1 if drained() is open and inFlight() is 0.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "one drain, one first closer")
@Outcome(expect = FORBIDDEN, desc = "the ending action ran twice or never, or two first closers")
@State
public class EndingActionExactlyOnceTest {
  private final AtomicInteger runs = new AtomicInteger();
  private final AtomicInteger firstClosers = new AtomicInteger();
  private final ShutdownGate gate = new ShutdownGate(runs::incrementAndGet);

  public EndingActionExactlyOnceTest() {
    for (int i = 0; i < 2; i++) {
      if (!gate.enter()) {
        throw new IllegalStateException("a new gate refused an entry");
      }
    }
  }

  @Actor
  public void actor1() {
    exitThenClose();
  }

  @Actor
  public void actor2() {
    exitThenClose();
  }

  private void exitThenClose() {
    gate.exit();
    if (gate.close()) {
      firstClosers.incrementAndGet();
    }
  }

  @Arbiter
  public void check(III_Result r) {
    r.r1 = runs.get();
    r.r2 = firstClosers.get();
    r.r3 = gate.drained().isOpen() && gate.inFlight() == 0 ? 1 : 0;
  }
}
