package dev.latchwork.jcstress.writer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A thread waits on the writer's byte progress for the whole payload, then commits; the last
 * chunk's write lands concurrently. The waiter must always wake up and the commit must return:
 * the write's progress signal is never lost, whether it lands before or during the wait.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter saw the last write and committed")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the waiter missed the last write's progress")
@State
public class WriterProgressTerminationTest {
  private final WriterFixture f = new WriterFixture(false);

  @Actor
  public void awaitThenCommit() throws InterruptedException {
    f.writer.progress().bytes().awaitAtLeast(2);
    try {
      f.writer.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      f.cleanUp();
    }
  }

  @Signal
  public void writeLast() {
    f.writeLast();
  }
}
