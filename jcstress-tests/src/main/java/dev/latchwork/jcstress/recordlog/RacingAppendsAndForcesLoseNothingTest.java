package dev.latchwork.jcstress.recordlog;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.core.internal.RecordLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads each append a record to one {@link RecordLog} and force it, racing: whichever
 * force runs, shares or follows the other, each returns only once its own record is durable, so a
 * recovery afterwards finds both records, whole and in one of the two orders.
 *
 * <p>r1, r2: 1 if that actor's append and force returned normally; r3: the records recovered, as
 * 12 (first then second), 21 (second then first), or anything else for a loss or corruption.
 */
@JCStressTest
@Outcome(id = {"1, 1, 12", "1, 1, 21"}, expect = ACCEPTABLE, desc = "both forces returned and both records were recovered")
@Outcome(expect = FORBIDDEN, desc = "a force failed, or a record was lost, torn or duplicated")
@State
public class RacingAppendsAndForcesLoseNothingTest {
  private static final RecordLog.Framing FRAMING = RecordLog.Framing.fixed(8, 0x4a435354);
  private static final Path DIR = createDir();
  private static final AtomicLong NAMES = new AtomicLong();

  private final Path file = DIR.resolve("log" + NAMES.incrementAndGet());
  private final RecordLog log;

  public RacingAppendsAndForcesLoseNothingTest() {
    try {
      log = RecordLog.create(file, FRAMING, ByteBuffer.allocate(0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int appendAndForce(long value) {
    try {
      log.append(ByteBuffer.allocate(8).putLong(0, value));
      log.force();
      return 1;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Actor
  public void first(III_Result r) {
    r.r1 = appendAndForce(1);
  }

  @Actor
  public void second(III_Result r) {
    r.r2 = appendAndForce(2);
  }

  @Arbiter
  public void recover(III_Result r) {
    StringBuilder order = new StringBuilder();
    try {
      log.close();
      RecordLog.open(file, FRAMING, 0, new RecordLog.Recovery() {
        @Override
        public void header(ByteBuffer header) {
          // no header
        }

        @Override
        public boolean record(ByteBuffer record) {
          order.append(record.getLong());
          return true;
        }
      }).deleteAndClose();
      r.r3 = Integer.parseInt(order.toString());
    } catch (IOException | NumberFormatException e) {
      r.r3 = -1;
    }
  }

  private static Path createDir() {
    try {
      Path shm = Path.of("/dev/shm");
      Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "latchwork-jcstress-recordlog")
          : Files.createTempDirectory("latchwork-jcstress-recordlog");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
