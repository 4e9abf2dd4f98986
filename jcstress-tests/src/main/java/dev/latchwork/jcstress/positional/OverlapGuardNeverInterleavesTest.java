package dev.latchwork.jcstress.positional;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.OverlappingWriteException;
import dev.latchwork.core.PositionalWriter;
import java.io.IOException;
import java.nio.file.StandardOpenOption;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link PositionalWriter} with {@link PositionalWriter.Option#REJECT_OVERLAPS}: two writes whose
 * ranges overlap in the middle never interleave. Either one is rejected with
 * {@link OverlappingWriteException} and left no byte behind, or they did not overlap in time and
 * the shared range holds exactly one of them, whole.
 *
 * <p>Layout of a slot: A writes {@code [0, 2W)} with 'A', B writes {@code [W, 3W)} with 'B'.
 * Results: r1/r2 1 if the write returned, 0 if rejected as overlapping, -1 on another IOException;
 * r3 the slot's content as three digits (head, shared middle, tail), each 0 zeros, 1 'A', 2 'B',
 * 9 mixed.
 */
@JCStressTest
@Outcome(id = "1, 1, 112", expect = ACCEPTABLE, desc = "Not concurrent: B then A; the middle is A's, whole.")
@Outcome(id = "1, 1, 122", expect = ACCEPTABLE, desc = "Not concurrent: A then B; the middle is B's, whole.")
@Outcome(id = "1, 0, 110", expect = ACCEPTABLE, desc = "B overlapped A in flight and was rejected; only A on disk.")
@Outcome(id = "0, 1, 22", expect = ACCEPTABLE, desc = "A overlapped B in flight and was rejected; only B on disk.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "Both rejected (a conservative guard): nothing written, nothing interleaved.")
@Outcome(expect = FORBIDDEN, desc = "Interleaved bytes, a rejected write that left bytes behind, or an accepted write that is missing.")
@State
public class OverlapGuardNeverInterleavesTest {
  private static final int W = 64;
  private static final SlotFile FILE = SlotFile.create("overlap", 3 * W,
      StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
      PositionalWriter.Option.REJECT_OVERLAPS);

  private final long slot = FILE.claim();

  @Actor
  public void writerA(III_Result r) {
    r.r1 = write((byte) 'A', slot);
  }

  @Actor
  public void writerB(III_Result r) {
    r.r2 = write((byte) 'B', slot + W);
  }

  @Arbiter
  public void arbiter(III_Result r) {
    byte[] bytes = FILE.read(slot);
    r.r3 = 100 * SlotFile.classify(bytes, 0, W)
        + 10 * SlotFile.classify(bytes, W, 2 * W)
        + SlotFile.classify(bytes, 2 * W, 3 * W);
    FILE.release(slot);
  }

  private static int write(byte value, long position) {
    try {
      FILE.writer().write(SlotFile.filled(2 * W, value), position);
      return 1;
    } catch (OverlappingWriteException rejected) {
      return 0;
    } catch (IOException e) {
      return -1;
    }
  }
}
