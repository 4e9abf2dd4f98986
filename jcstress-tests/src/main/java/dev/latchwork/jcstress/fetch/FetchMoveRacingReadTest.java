package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * moveTo() racing a read of a complete store: the read gets the bytes or ClosedStoreException,
 * and the move always completes, on moveTo's own thread, whether the reader was inside the temp
 * file when moveTo closed the store (moveTo waits for it to leave) or not. The target holds every
 * byte and the temp file is gone once moveTo returns.
 */
@JCStressTest
@Description("FetchStore.moveTo racing a read: data or ClosedStoreException, and always moved")
@Outcome(id = "DATA, MOVED", expect = ACCEPTABLE, desc = "the read came first")
@Outcome(id = "CLOSED, MOVED", expect = ACCEPTABLE, desc = "the move came first")
@Outcome(expect = FORBIDDEN, desc = "a lost or partial move, a leaked file, or wrong bytes")
@State
public class FetchMoveRacingReadTest {
  private final Path dir;
  private final Path target;
  private final FetchStore store;

  public FetchMoveRacingReadTest() {
    dir = GatedSource.newStateDirectory();
    target = GatedSource.TEMP_DIR.resolve(dir.getFileName() + ".bin");
    store = GatedSource.openCompleteStore(dir);
  }

  @Actor
  public void reader(LL_Result r) {
    r.r1 = GatedSource.readEight(store);
  }

  @Actor
  public void mover(LL_Result r) {
    try {
      store.moveTo(target);
      r.r2 = "MOVED";
    } catch (IOException | InterruptedException | RuntimeException e) {
      r.r2 = e.toString();
    }
  }

  @Arbiter
  public void arbiter(LL_Result r) {
    try {
      if ("MOVED".equals(r.r2) && !GatedSource.holdsTheObject(target)) {
        r.r2 = "PARTIAL";
      }
      if (GatedSource.deleteIfEmpty(dir)) {
        Files.deleteIfExists(target);
      } else {
        r.r2 = r.r2 + ", LEFT";
      }
    } catch (IOException e) {
      r.r2 = e.toString();
    }
  }
}
