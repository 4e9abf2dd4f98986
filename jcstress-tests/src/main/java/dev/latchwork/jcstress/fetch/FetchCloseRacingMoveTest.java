package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.ClosedStoreException;
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
 * close() racing moveTo() on a complete store: exactly one of them claims the temp file. If the
 * move wins, the target holds the whole object; if the close wins, moveTo throws
 * ClosedStoreException and the temp file is deleted. Either way nothing is left in the temp
 * directory, and never is the download both gone and unmoved.
 */
@JCStressTest
@Description("FetchStore.close racing moveTo: moved and kept, or closed and deleted")
@Outcome(id = "MOVED, KEPT", expect = ACCEPTABLE, desc = "moveTo claimed the file first")
@Outcome(id = "CLOSED, GONE", expect = ACCEPTABLE, desc = "close claimed the file first")
@Outcome(expect = FORBIDDEN, desc = "a lost or partial move, or a leaked temp file")
@State
public class FetchCloseRacingMoveTest {
  private final Path dir;
  private final Path target;
  private final FetchStore store;

  public FetchCloseRacingMoveTest() {
    dir = GatedSource.newStateDirectory();
    target = GatedSource.TEMP_DIR.resolve(dir.getFileName() + ".bin");
    store = GatedSource.openCompleteStore(dir);
  }

  @Actor
  public void mover(LL_Result r) {
    try {
      store.moveTo(target);
      r.r1 = "MOVED";
    } catch (ClosedStoreException e) {
      r.r1 = "CLOSED";
    } catch (IOException | InterruptedException | RuntimeException e) {
      r.r1 = e.toString();
    }
  }

  @Actor
  public void closer() {
    store.close();
  }

  @Arbiter
  public void arbiter(LL_Result r) {
    try {
      boolean moved = GatedSource.holdsTheObject(target);
      boolean absent = !Files.exists(target);
      if (!GatedSource.deleteIfEmpty(dir)) {
        r.r2 = "LEFT";
      } else {
        r.r2 = moved ? "KEPT" : absent ? "GONE" : "PARTIAL";
      }
      Files.deleteIfExists(target);
    } catch (IOException e) {
      r.r2 = e.toString();
    }
  }
}
