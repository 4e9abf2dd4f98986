package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.WriteBehindProbe;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IZ_Result;

/**
 * WriteBehind's progress guarantee: two writes, each reaching the threshold (1 byte) on its own,
 * race each other and the flush the first of them starts. Whichever write loses the race to
 * start a flush (its CAS finds one running) relies on the running one to flush its byte next.
 * Once both writes returned, every byte must be covered by a flush that began after it was
 * counted: the arbiter's {@code written(0)} then finds nothing at the threshold and flushes
 * nothing. A flush it does run is a byte the write-behind forgot (the lost crossing between the
 * flushing task clearing its flag and a writer's failed CAS). A third flush would be one with
 * nothing to write: the flushing task re-read the count, a writer then won the CAS and took it,
 * and the task, winning the CAS after it, fsyncs for nothing.
 *
 * <p>r1: flushes run by the two writers; r2: whether the arbiter's check had to flush.
 */
@JCStressTest
@Description("A write racing a running write-behind flush is flushed by it or by the writer itself")
@Outcome(id = "1, false", expect = ACCEPTABLE,
    desc = "one flush took both bytes (the second write came before the flush took the count)")
@Outcome(id = "2, false", expect = ACCEPTABLE,
    desc = "two flushes: the second write's byte was flushed by the running task or by its own")
@Outcome(expect = FORBIDDEN,
    desc = "a byte left unflushed (the arbiter had to flush), no flush at all, or an empty flush")
@State
public class WriteBehindWriteRacingFlushTest {
  private final WriteBehindProbe writeBehind = new WriteBehindProbe(1);

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
