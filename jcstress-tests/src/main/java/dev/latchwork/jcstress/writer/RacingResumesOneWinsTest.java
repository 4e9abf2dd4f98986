package dev.latchwork.jcstress.writer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.writer.ChunkWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads of one process race to resume the same unfinished write (closed, chunk 0
 * recorded). Exactly one gets the writer; the other is refused as "in use" before it opens the
 * checkpoint, and the winner can finish and commit the write.
 *
 * <p>r1, r2: 1 if that actor resumed, 2 if it was refused as in use, 0 on anything else; r3: 1 if
 * the winner then wrote the missing chunk and committed the complete file.
 */
@JCStressTest
@Outcome(id = {"1, 2, 1", "2, 1, 1"}, expect = ACCEPTABLE, desc = "one resumed and committed, the other was refused")
@Outcome(expect = FORBIDDEN, desc = "both or neither resumed, an unclean failure, or the winner could not commit")
@State
public class RacingResumesOneWinsTest {
  private final WriterFixture f = WriterFixture.closedWithFirstChunk();
  private volatile ChunkWriter first;
  private volatile ChunkWriter second;

  @Actor
  public void resumeOne(III_Result r) {
    try {
      first = f.resume();
      r.r1 = 1;
    } catch (IOException e) {
      r.r1 = e.getMessage() != null && e.getMessage().contains("in use") ? 2 : 0;
    }
  }

  @Actor
  public void resumeTwo(III_Result r) {
    try {
      second = f.resume();
      r.r2 = 1;
    } catch (IOException e) {
      r.r2 = e.getMessage() != null && e.getMessage().contains("in use") ? 2 : 0;
    }
  }

  @Arbiter
  public void check(III_Result r) {
    ChunkWriter winner = first != null ? first : second;
    try {
      if (winner != null && (first == null || second == null)) {
        winner.write(1, ByteBuffer.wrap(new byte[] {'b'}));
        winner.commit();
        r.r3 = f.targetComplete() ? 1 : 0;
      }
    } catch (IOException | RuntimeException e) {
      r.r3 = 0;
    }
    f.cleanUp(first, second);
  }
}
