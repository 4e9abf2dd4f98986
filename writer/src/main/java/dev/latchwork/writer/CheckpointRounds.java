package dev.latchwork.writer;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.internal.FlightRecorderState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group-commit checkpoint rounds of one {@link ChunkWriter}: a round forces the data file once
 * and appends to the {@link Checkpoint} every chunk whose write had returned before that force, so
 * a chunk is never recorded before its bytes are durable. Rounds run on demand ({@link
 * #checkpoint()}), periodically and after a number of written chunks, the latter two on one daemon
 * thread shared by all writers. Safe for use by any number of threads.
 *
 * <p>Memory consistency effects: actions in a thread prior to a chunk write that returned before
 * {@link #checkpoint()} was called happen-before the force of the round that records the chunk,
 * and the end of that round happens-before {@code checkpoint()} returns.
 */
final class CheckpointRounds {
  /*
   * Implementation notes.
   *
   * Checkpoint rounds are single-flight through `round` (CAS null -> round). A round scans for
   * WRITTEN slots first, then forces the data file, then appends those records, so every recorded
   * chunk's write returned before the force began. A round that races commit/abort/close may find
   * its channels closed; it then ends quietly, since the writer no longer needs a checkpoint.
   * Background rounds run on one shared daemon thread.
   *
   * checkpoint() takes a ticket (the id of the latest round) first; a round with a larger id began
   * after the call, so it covered every write that returned before it. A caller that finds a
   * round running waits for it and, if it is not such a round, takes another.
   *
   * Invariants: at most one round runs at a time, so Checkpoint.append is confined to one thread
   * at a time; round ids increase; `round` is cleared before the round's latch is signalled, so
   * woken waiters can start the next round at once; at most one background round is queued at a
   * time (backgroundQueued).
   */

  // The writer's logger: a failed checkpoint is the writer's event and keeps its log category.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

  private final Path target;
  private final ChunkSlots slots;
  private final DataFile data;
  private final Checkpoint checkpoint;
  private final IntSupplier phase;
  private final int everyChunks;
  private final AtomicLong sinceCheckpoint = new AtomicLong();
  private final AtomicBoolean backgroundQueued = new AtomicBoolean();
  private final AtomicReference<Round> round = new AtomicReference<>();
  private final AtomicLong roundIds = new AtomicLong();
  private volatile ScheduledFuture<?> periodic;

  /**
   * @param target the writer's target, for messages
   * @param phase the writer's current phase ({@link WriterPhases#OPEN} etc.)
   * @param everyChunks start a background round after this many written chunks; 0 never
   */
  CheckpointRounds(Path target, ChunkSlots slots, DataFile data, Checkpoint checkpoint, IntSupplier phase, int everyChunks) {
    this.target = target;
    this.slots = slots;
    this.data = data;
    this.checkpoint = checkpoint;
    this.phase = phase;
    this.everyChunks = everyChunks;
  }

  /** Schedules periodic background rounds, unless {@code every} is zero or there are no chunks. */
  void startPeriodic(Duration every) {
    if (!every.isZero() && slots.length() > 0) {
      long nanos = TimeUnit.NANOSECONDS.convert(every);
      periodic = Background.EXECUTOR.scheduleWithFixedDelay(this::backgroundCheckpoint, nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Stops the periodic rounds; a round already running finishes. */
  void cancelPeriodic() {
    ScheduledFuture<?> p = periodic;
    if (p != null) {
      p.cancel(false);
    }
  }

  /** After a chunk write returned: queues a background round once everyChunks were written. */
  void chunkWritten() {
    int threshold = everyChunks;
    if (threshold > 0 && sinceCheckpoint.incrementAndGet() >= threshold && backgroundQueued.compareAndSet(false, true)) {
      Background.EXECUTOR.execute(this::backgroundCheckpoint);
    }
  }

  /** See {@link ChunkWriter#checkpoint()}. */
  void checkpoint() throws IOException {
    long ticket = roundIds.get();
    for (;;) {
      int p = phase.getAsInt();
      if (p != WriterPhases.OPEN && p != WriterPhases.COMMITTING) {
        return;
      }
      Round r = round.get();
      if (r == null) {
        Round mine = new Round(roundIds.incrementAndGet());
        if (round.compareAndSet(null, mine)) {
          runRound(mine);
          awaitRound(mine);
          return;
        }
      } else {
        awaitRound(r);
        if (r.id > ticket) {
          return; // that round began after this call, so it covered every write before it
        }
      }
    }
  }

  private void backgroundCheckpoint() {
    backgroundQueued.set(false);
    if (phase.getAsInt() != WriterPhases.OPEN) {
      return;
    }
    Round mine = new Round(roundIds.incrementAndGet());
    if (round.compareAndSet(null, mine)) {
      try {
        runRound(mine);
      } catch (Error e) {
        // the executor would keep it in a future nobody reads; say so before it ends the task
        LOG.error("background checkpoint of {} failed", target, e);
        throw e;
      }
    }
  }

  private void runRound(Round r) {
    Throwable failure = null;
    try {
      recordDurableChunks();
    } catch (IOException | RuntimeException e) {
      int p = phase.getAsInt();
      if (p == WriterPhases.OPEN || (p == WriterPhases.COMMITTING && !(e instanceof ClosedChannelException))) {
        failure = e;
        LOG.warn("checkpoint of {} failed", target, e);
      } // else the writer ended and closed the files under the round: nothing left to record
    } catch (Error e) {
      failure = e; // not swallowed: the waiters and the caller get it as itself
      throw e;
    } finally {
      round.set(null); // before waking waiters, so that they can start the next round at once
      if (failure == null) {
        r.done.open();
      } else {
        r.done.fail(failure);
      }
    }
  }

  private void recordDurableChunks() throws IOException {
    sinceCheckpoint.set(0);
    long[] indices = new long[16];
    int[] crcs = new int[16];
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      long s = slots.get(i);
      if (ChunkSlots.state(s) == ChunkSlots.WRITTEN) {
        if (n == indices.length) {
          indices = Arrays.copyOf(indices, n * 2);
          crcs = Arrays.copyOf(crcs, n * 2);
        }
        indices[n] = i;
        crcs[n++] = ChunkSlots.crc(s);
      }
    }
    if (n == 0) {
      return;
    }
    CheckpointEvent event =
        FlightRecorderState.isInitialized() ? CheckpointEvent.begun() : null;
    data.force(true); // every chunk collected above was written before this force began
    checkpoint.append(indices, crcs, n);
    if (event != null) {
      event.finish(n, (long) n * Checkpoint.RECORD_SIZE);
    }
    for (int k = 0; k < n; k++) {
      slots.recorded((int) indices[k], crcs[k]);
    }
  }

  private static void awaitRound(Round r) throws IOException {
    try {
      r.done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while waiting for a checkpoint").initCause(e);
    } catch (SignalFailedException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IOException("checkpoint failed: " + e.getCause(), e.getCause());
    }
  }

  /** One checkpoint round. */
  private static final class Round {
    final long id;
    final BroadcastLatch done = new BroadcastLatch();

    Round(long id) {
      this.id = id;
    }
  }

  /** The shared daemon thread that runs background checkpoints of all writers. */
  private static final class Background {
    static final ScheduledExecutorService EXECUTOR = executor();

    private static ScheduledExecutorService executor() {
      ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "latchwork-chunk-checkpoint");
        t.setDaemon(true);
        return t;
      });
      e.setRemoveOnCancelPolicy(true); // an ended writer's periodic task lets go of it at once
      return e;
    }
  }
}
