package dev.latchwork.jcstress.positional;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.PositionalWriter;
import java.io.IOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@link PositionalWriter}: two threads write adjacent, non-overlapping ranges of one file at the
 * same time, without any lock of their own. Afterwards the file holds each write whole: no byte
 * lost, none from the neighbour. The ranges straddle nothing special; the guarantee is that
 * concurrent positional writes do not disturb each other.
 *
 * <p>Results: r1/r2 1 if each write returned (-1: IOException); r3/r4 the content of each range
 * (1: all 'A', 2: all 'B', 0: zeros, 9: mixed).
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 2", expect = ACCEPTABLE, desc = "Both writes on disk, each whole.")
@Outcome(expect = FORBIDDEN, desc = "A write failed, was lost, or was torn by its neighbour.")
@State
public class AdjacentWritesStayWholeTest {
  private static final int HALF = 64;
  private static final SlotFile FILE = SlotFile.create("adjacent", 2 * HALF);

  private final long slot = FILE.claim();

  @Actor
  public void left(IIII_Result r) {
    r.r1 = write((byte) 'A', slot);
  }

  @Actor
  public void right(IIII_Result r) {
    r.r2 = write((byte) 'B', slot + HALF);
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    byte[] bytes = FILE.read(slot);
    r.r3 = SlotFile.classify(bytes, 0, HALF);
    r.r4 = SlotFile.classify(bytes, HALF, 2 * HALF);
    FILE.release(slot);
  }

  private static int write(byte value, long position) {
    try {
      FILE.writer().write(SlotFile.filled(HALF, value), position);
      return 1;
    } catch (IOException e) {
      return -1;
    }
  }
}
