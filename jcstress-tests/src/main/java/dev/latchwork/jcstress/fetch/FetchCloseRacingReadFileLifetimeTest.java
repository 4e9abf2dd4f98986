package dev.latchwork.jcstress.fetch;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * close() racing a read of bytes that are already present, on a complete store: the read either
 * gets the bytes or ClosedStoreException, and once both have returned the temp file is gone. A
 * reader that entered the file just as close() ran must not see it deleted under it (it would
 * read garbage or fail with another error), and must not leave it behind either.
 */
@JCStressTest
@Description("FetchStore.close racing a read: data or ClosedStoreException, never a leaked file")
@Outcome(id = "DATA, GONE", expect = ACCEPTABLE, desc = "the read came first")
@Outcome(id = "CLOSED, GONE", expect = ACCEPTABLE, desc = "the close came first")
@Outcome(id = ".*, LEFT", expect = FORBIDDEN, desc = "the temp file outlived the store")
@Outcome(expect = FORBIDDEN, desc = "wrong bytes or an unexpected exception")
@State
public class FetchCloseRacingReadFileLifetimeTest {
  private final Path dir;
  private final FetchStore store;

  public FetchCloseRacingReadFileLifetimeTest() {
    dir = GatedSource.newStateDirectory();
    store = GatedSource.openCompleteStore(dir);
  }

  @Actor
  public void reader(LL_Result r) {
    r.r1 = GatedSource.readEight(store);
  }

  @Actor
  public void closer() {
    store.close();
  }

  @Arbiter
  public void arbiter(LL_Result r) {
    try (Stream<Path> files = Files.list(dir)) {
      r.r2 = files.findAny().isPresent() ? "LEFT" : "GONE";
    } catch (IOException e) {
      r.r2 = e.toString();
    }
    try {
      if ("GONE".equals(r.r2)) {
        Files.delete(dir);
      }
    } catch (IOException e) {
      r.r2 = e.toString();
    }
  }
}
