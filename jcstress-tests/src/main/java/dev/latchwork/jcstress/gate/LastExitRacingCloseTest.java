package dev.latchwork.jcstress.gate;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.ShutdownGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The last operation in flight exits while another thread closes the gate: exactly one of them
 * drains it, the ending action runs once, sees the write the operation made before its exit
 * (happens-before exit to the ending action), and on the thread the contract names; {@code
 * close()} returns {@code true} (it was the first closer).
 *
 * <p>r1: 1 if close() returned true; r2: ending action runs; r3: what the action read of the
 * operation's write (42); r4: 1 if the action ran on the operation's thread, 2 on the closer's.
 */
@JCStressTest
@Outcome(id = "1, 1, 42, 1", expect = ACCEPTABLE, desc = "closed first; the last exit drained the gate")
@Outcome(id = "1, 1, 42, 2", expect = ACCEPTABLE, desc = "exited first; the closer drained the gate")
@Outcome(expect = FORBIDDEN, desc = "no drain, a double drain, a lost write, or the action on a wrong thread")
@State
public class LastExitRacingCloseTest {
  private final ShutdownGate gate = new ShutdownGate(this::ending);
  private volatile Thread operationThread;
  private volatile Thread closerThread;
  private int data;
  private int seen;
  private int runs;
  private int ranOn;

  public LastExitRacingCloseTest() {
    if (!gate.enter()) {
      throw new IllegalStateException("a new gate refused an entry");
    }
  }

  private void ending() {
    seen = data;
    runs++;
    Thread current = Thread.currentThread();
    ranOn = current == operationThread ? 1 : current == closerThread ? 2 : 3;
  }

  @Actor
  public void lastExit() {
    operationThread = Thread.currentThread();
    data = 42;
    gate.exit();
  }

  @Actor
  public void closer(IIII_Result r) {
    closerThread = Thread.currentThread();
    r.r1 = gate.close() ? 1 : 0;
  }

  @Arbiter
  public void check(IIII_Result r) {
    r.r2 = gate.drained().isOpen() ? runs : -runs - 100;
    r.r3 = seen;
    r.r4 = ranOn;
  }
}
