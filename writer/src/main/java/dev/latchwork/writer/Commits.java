package dev.latchwork.writer;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.internal.FileOps;
import dev.latchwork.core.internal.FlightRecorderState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit attempts of one {@link ChunkWriter}: starting or joining an attempt, and finalizing
 * it (checking that every chunk is present, writing the FRAMED footer and header, forcing,
 * renaming onto the target, forcing the directory). Every caller that joins an attempt gets its
 * outcome. Safe for use by any number of threads.
 *
 * <p>Memory consistency effects: the finalization of an attempt happens-before every joined
 * {@link #await} returns or throws.
 */
final class Commits {
  /*
   * Implementation notes.
   *
   * An attempt is published in `attempt` (CAS null -> attempt) before the phase moves to
   * COMMITTING, so concurrent commit() callers join the same attempt. The finalization is the
   * action of COMMITTING: it runs in exactly one thread, with no write in flight. If it finds
   * chunks missing (a write in flight failed), the attempt is cleared and the phase goes back to
   * OPEN: the writer stays usable. A successful or failed attempt stays in `attempt` forever, so
   * later commit() calls get its outcome.
   *
   * Finalizing is not a wait: it clears the finalizing thread's interrupt status for its I/O (an
   * interrupt meant for that thread's own work must not abort the commit everyone waits for) and
   * restores it afterwards.
   */

  // The writer's logger: a failed commit is the writer's event and keeps its log category.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

  private final Path target;
  private final Path part;
  private final ChunkLayout layout;
  private final DataFile data;
  private final Checkpoint checkpoint;
  private final ChunkSlots slots;
  private final CheckpointRounds rounds;
  private final WriterPhases phases;
  private final ProgressNotifier[] progress;
  private final AtomicReference<Attempt> attempt = new AtomicReference<>();
  private final AtomicInteger finalizations = new AtomicInteger();

  Commits(Path target, ChunkLayout layout, DataFile data, Checkpoint checkpoint, ChunkSlots slots,
      CheckpointRounds rounds, WriterPhases phases, ProgressNotifier... progress) {
    this.target = target;
    this.part = TempFiles.partPath(target);
    this.layout = layout;
    this.data = data;
    this.checkpoint = checkpoint;
    this.slots = slots;
    this.rounds = rounds;
    this.phases = phases;
    this.progress = progress;
  }

  /** One commit attempt: its outcome is shared by every commit() caller that joined it. */
  static final class Attempt {
    final BroadcastLatch done = new BroadcastLatch();
  }

  /** The current attempt, or a new one if there is none and the writer can commit. */
  Attempt startOrJoin() throws IncompleteChunkWriteException {
    for (;;) {
      Attempt a = attempt.get();
      if (a != null) {
        return a;
      }
      int phase = phases.get();
      if (phase == WriterPhases.ABORTED || phase == WriterPhases.CLOSED) {
        throw phases.notOpen(phase, "commit");
      }
      if (phase != WriterPhases.OPEN) {
        continue; // an attempt is being published or cleared
      }
      IncompleteChunkWriteException missing = incomplete();
      if (missing.missingCount() > 0) {
        throw missing;
      }
      Attempt mine = new Attempt();
      if (!attempt.compareAndSet(null, mine)) {
        continue;
      }
      if (!phases.end(WriterPhases.OPEN, WriterPhases.COMMITTING)) {
        mine.done.fail(phases.notOpen(phases.get(), "commit")); // abort or close won
      }
      return mine;
    }
  }

  /** The attempt being finalized or finalized last, or null. */
  Attempt current() {
    return attempt.get();
  }

  /**
   * Waits for an attempt's outcome.
   *
   * @return the target
   */
  Path await(Attempt a) throws IOException {
    try {
      a.done.await();
      return target;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while waiting for the commit of " + target).initCause(e);
    } catch (SignalFailedException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IncompleteChunkWriteException incomplete) {
        throw incomplete.copyForCaller();
      }
      if (cause instanceof IllegalStateException) {
        throw new IllegalStateException(cause.getMessage(), cause);
      }
      if (cause instanceof Error error) {
        throw error; // not an I/O failure: propagates as itself, to every caller of the attempt
      }
      throw new IOException("commit of " + target + " failed: " + cause, cause);
    }
  }

  /**
   * Waits for an attempt to end, whatever its outcome; callers re-read the phase to see what it
   * left behind.
   */
  static void awaitEnd(Attempt a) throws InterruptedIOException {
    try {
      a.done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while waiting for a commit").initCause(e);
    } catch (SignalFailedException e) {
      // ended either way
    }
  }

  /** The action of COMMITTING: runs in exactly one thread per attempt, with no write in flight. */
  void finalizeAttempt() {
    Attempt a = attempt.get();
    finalizations.incrementAndGet();
    boolean interrupted = Thread.interrupted();
    ChunkCommitEvent event =
        FlightRecorderState.isInitialized() ? ChunkCommitEvent.begun() : null;
    try {
      IncompleteChunkWriteException missing = incomplete(); // exact: no write is in flight
      if (missing.missingCount() > 0) {
        attempt.compareAndSet(a, null);
        phases.reopen();
        a.done.fail(missing);
        return;
      }
      publish();
      phases.settle(WriterPhases.COMMITTED);
      for (ProgressNotifier n : progress) {
        n.complete();
      }
      if (event != null) {
        event.finish(layout.chunkCount(), layout.payloadSize());
      }
      a.done.open();
    } catch (IOException | RuntimeException | Error e) {
      phases.settle(WriterPhases.FAILED);
      rounds.cancelPeriodic();
      FileIo.closeAll(e, data, checkpoint);
      for (ProgressNotifier n : progress) {
        n.fail(e);
      }
      LOG.warn("commit of {} failed; the unfinished write is kept and can be resumed or aborted", target, e);
      a.done.fail(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void publish() throws IOException {
    int[] crcs = slots.crcs();
    if (layout.format() == ChunkLayout.Format.FRAMED) {
      int payloadCrc = FramedFormat.payloadCrc(layout, crcs);
      data.write(FramedFormat.encodeFooter(layout, crcs, payloadCrc), layout.dataOffset() + layout.payloadSize());
      data.write(FramedFormat.encodeHeader(FramedFormat.FILE_MAGIC, layout), 0);
    }
    long size = data.size();
    if (size != layout.fileSize()) {
      throw new IOException("unfinished write " + part + " is " + size + " bytes, expected " + layout.fileSize());
    }
    data.force(true);
    rounds.cancelPeriodic();
    data.close();
    TempFiles.copyPermissions(target, part);
    FileOps.moveDurably(part, target); // atomic rename and directory sync, whatever any interrupt
    // The target is published: failures from here on only leave a stale checkpoint behind, which
    // the next create() for this target overwrites.
    try {
      checkpoint.delete();
    } catch (IOException e) {
      LOG.warn("{}: committed, but could not delete the checkpoint {}", target, checkpoint.path(), e);
    }
  }

  /** The chunks missing now; exact when no write is in flight. */
  IncompleteChunkWriteException incomplete() {
    long[] first = new long[IncompleteChunkWriteException.LISTED];
    int listed = 0;
    long missing = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.isEmpty(i)) {
        if (listed < first.length) {
          first[listed++] = i;
        }
        missing++;
      }
    }
    return new IncompleteChunkWriteException(target, slots.length(), missing, Arrays.copyOf(first, listed));
  }

  /** How many attempts were finalized (test hook: at most one success). */
  int finalizations() {
    return finalizations.get();
  }
}
