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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@code enter()} races {@code close()} on an idle gate: an entry either is refused, or is counted
 * before the drain, so the ending action never runs while the entered operation is inside, and
 * the action runs exactly once after it leaves; the operation's write (made inside) is visible to
 * the ending action.
 *
 * <p>r1: 1 if enter() succeeded; r2: 1 if the entered operation saw the ending action already run
 * while inside (forbidden), -1 if it did not enter; r3: ending action runs (in the arbiter);
 * r4: what the ending action read of the operation's write (42 written, 0 if nothing entered).
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 42", expect = ACCEPTABLE, desc = "entered first; the action ran after its exit and saw its write")
@Outcome(id = "0, -1, 1, 0", expect = ACCEPTABLE, desc = "close won; the entry was refused and nothing ran inside")
@Outcome(expect = FORBIDDEN, desc = "the action ran while an entered operation was inside, ran twice or never, or missed the write")
@State
public class EntryRacingCloseTest {
  private final AtomicInteger runs = new AtomicInteger();
  private final ShutdownGate gate = new ShutdownGate(this::ending);
  private int data;
  private int seen;

  private void ending() {
    seen = data;
    runs.incrementAndGet(); // atomic: a second run, or a run while inside, must be seen
  }

  @Actor
  public void operation(IIII_Result r) {
    if (gate.enter()) {
      r.r1 = 1;
      data = 42;
      r.r2 = runs.get();
      gate.exit();
    } else {
      r.r1 = 0;
      r.r2 = -1;
    }
  }

  @Actor
  public void closer() {
    gate.close();
  }

  @Arbiter
  public void check(IIII_Result r) {
    r.r3 = gate.drained().isOpen() ? runs.get() : -runs.get() - 100;
    r.r4 = seen;
  }
}
