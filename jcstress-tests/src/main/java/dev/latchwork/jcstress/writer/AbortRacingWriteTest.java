package dev.latchwork.jcstress.writer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.nio.file.Files;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A write races {@code abort()}. The write either lands before the abort (and is discarded with
 * the temporary file) or is refused with IllegalStateException; the abort always succeeds; no
 * file is left or created again afterwards, and no target appears.
 *
 * <p>r1: 1 if the write returned normally, 2 if it was refused; r2: 1 if abort returned true;
 * r3: 1 if no temporary file and no target exist after both.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the write landed before the abort, which deleted it")
@Outcome(id = "2, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "the abort came first and the write was refused")
@Outcome(expect = FORBIDDEN, desc = "an unclean failure, a failed abort, or files left behind")
@State
public class AbortRacingWriteTest {
  private final WriterFixture f = new WriterFixture(false);

  @Actor
  public void write(III_Result r) {
    try {
      r.r1 = f.writeLast() ? 1 : 2;
    } catch (RuntimeException e) {
      r.r1 = 0;
    }
  }

  @Actor
  public void abort(III_Result r) {
    try {
      r.r2 = f.writer.abort() ? 1 : 0;
    } catch (IOException | RuntimeException e) {
      r.r2 = 0;
    }
  }

  @Arbiter
  public void check(III_Result r) {
    r.r3 = f.noTemporaryFiles() && !Files.exists(f.target) ? 1 : 0;
    f.cleanUp();
  }
}
