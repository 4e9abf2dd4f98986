package dev.latchwork.jcstress.writer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.writer.IncompleteChunkWriteException;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The last chunk's write races {@code commit()}. The write always succeeds; the commit either
 * includes it (it waits for a write that claimed its index) or fails listing the chunk as
 * missing, in which case the writer stays usable and a second commit publishes the file. Never a
 * partial target, never a lost write.
 *
 * <p>r1: 1 if the write returned normally; r2: 1 if the racing commit published, 2 if it
 * reported the chunk missing; r3: 1 if, after a second commit where needed, the target is
 * complete and no temporary file is left.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the commit included the last write")
@Outcome(id = "1, 2, 1", expect = ACCEPTABLE_INTERESTING, desc = "the commit came first and reported the chunk missing")
@Outcome(expect = FORBIDDEN, desc = "a lost write, a failed commit, or a wrong target")
@State
public class LastWriteRacingCommitTest {
  private final WriterFixture f = new WriterFixture(false);

  @Actor
  public void write(III_Result r) {
    r.r1 = f.writeLast() ? 1 : 0;
  }

  @Actor
  public void commit(III_Result r) {
    try {
      r.r2 = f.writer.commit().equals(f.target) ? 1 : 0;
    } catch (IncompleteChunkWriteException e) {
      r.r2 = e.missingCount() == 1 && e.firstMissing()[0] == 1 ? 2 : 0;
    } catch (IOException | RuntimeException e) {
      r.r2 = 0;
    }
  }

  @Arbiter
  public void check(III_Result r) {
    try {
      if (r.r2 == 2) {
        f.writer.commit();
      }
      r.r3 = f.targetComplete() && f.noTemporaryFiles() ? 1 : 0;
    } catch (IOException | RuntimeException e) {
      r.r3 = 0;
    }
    f.cleanUp();
  }
}
