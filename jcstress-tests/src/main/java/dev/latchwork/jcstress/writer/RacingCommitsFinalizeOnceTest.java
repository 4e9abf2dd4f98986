package dev.latchwork.jcstress.writer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.writer.ChunkWriterProbe;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads call {@code commit()} on a complete ChunkWriter at once: both get the target, the
 * commit is finalized exactly once, and the target holds the whole payload.
 *
 * <p>r1, r2: 1 if that caller's commit returned the target; r3: finalizations * 10 + (1 if the
 * target is complete and no temporary file is left).
 */
@JCStressTest
@Outcome(id = "1, 1, 11", expect = ACCEPTABLE, desc = "both callers got the target from one finalization")
@Outcome(expect = FORBIDDEN, desc = "a caller failed, the commit was finalized twice, or the target is wrong")
@State
public class RacingCommitsFinalizeOnceTest {
  private final WriterFixture f = new WriterFixture(true);

  @Actor
  public void commit1(III_Result r) {
    r.r1 = commit();
  }

  @Actor
  public void commit2(III_Result r) {
    r.r2 = commit();
  }

  @Arbiter
  public void check(III_Result r) {
    r.r3 = ChunkWriterProbe.finalizations(f.writer) * 10 + (f.targetComplete() && f.noTemporaryFiles() ? 1 : 0);
    f.cleanUp();
  }

  private int commit() {
    try {
      return f.writer.commit().equals(f.target) ? 1 : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
