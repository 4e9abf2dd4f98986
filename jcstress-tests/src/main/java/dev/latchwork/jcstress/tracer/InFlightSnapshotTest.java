package dev.latchwork.jcstress.tracer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.Tracer;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@link Tracer} in-flight registry: two threads enter and exit traced operations while taking
 * {@code inFlight()} snapshots. Whatever the interleaving, a running operation always shows in a
 * snapshot its own thread takes, and a finished operation never shows after its {@code close()}
 * returned, not to its own thread and not (arbiter) to anybody afterwards.
 *
 * <p>Results: r1/r3 whether each thread's snapshot inside its span contains its operation (1);
 * r2/r4 whether its snapshot right after close still does (0); the arbiter adds 10 to r2 and r4
 * if a later snapshot still lists the operation.
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "Running operations listed, finished ones gone.")
@Outcome(expect = FORBIDDEN, desc = "A running operation missing from a snapshot, or a finished one still listed.")
@State
public class InFlightSnapshotTest {
  static {
    Tracer.trackInFlight(true);
  }

  private final Tracer first = Tracer.forInstance(InFlightSnapshotTest.class);
  private final Tracer second = Tracer.forInstance(InFlightSnapshotTest.class);

  @Actor
  public void actor1(IIII_Result r) {
    long tid = Thread.currentThread().getId();
    Tracer.Span span = first.enter("read", "pos", 1L);
    try {
      r.r1 = listed(Tracer.inFlight(), first, "read", tid) ? 1 : 0;
    } finally {
      span.close();
    }
    r.r2 = listed(Tracer.inFlight(), first, "read", tid) ? 1 : 0;
  }

  @Actor
  public void actor2(IIII_Result r) {
    long tid = Thread.currentThread().getId();
    Tracer.Span span = second.enter("write");
    try {
      r.r3 = listed(Tracer.inFlight(), second, "write", tid) ? 1 : 0;
    } finally {
      span.close();
    }
    r.r4 = listed(Tracer.inFlight(), second, "write", tid) ? 1 : 0;
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    List<Tracer.Operation> after = Tracer.inFlight();
    if (listedByAnyThread(after, first, "read")) {
      r.r2 += 10;
    }
    if (listedByAnyThread(after, second, "write")) {
      r.r4 += 10;
    }
  }

  private static boolean listed(List<Tracer.Operation> snapshot, Tracer tracer, String operation, long tid) {
    for (Tracer.Operation op : snapshot) {
      if (op.threadId() == tid && matches(op, tracer, operation)) {
        return true;
      }
    }
    return false;
  }

  private static boolean listedByAnyThread(List<Tracer.Operation> snapshot, Tracer tracer, String operation) {
    for (Tracer.Operation op : snapshot) {
      if (matches(op, tracer, operation)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Tracer.Operation op, Tracer tracer, String operation) {
    return op.instance() == tracer.instance()
        && op.operation().equals(operation)
        && op.component().equals(tracer.component());
  }
}
