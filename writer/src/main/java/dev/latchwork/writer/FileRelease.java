package dev.latchwork.writer;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a {@link ChunkWriter} is aborted or closed and lets go of its temporary files: {@link
 * #abort()} and {@link #close()}, the actions of ABORTED (close and delete the files) and CLOSED
 * (close them, keeping them resumable), and the wait for their outcome. A deletion that failed is
 * tried again by the next abort. Safe for use by any number of threads.
 *
 * <p>Memory consistency effects: the action happens-before {@link #await()} returns or throws.
 */
final class FileRelease {
  /*
   * Implementation notes.
   *
   * `released` holds the latch of the latest release attempt; it opens when the attempt succeeds
   * and fails with the collected failures otherwise. A retry replaces a failed latch by CAS, so
   * of the callers that find it failed exactly one deletes again and the others wait for it.
   *
   * The data file is deleted first and the checkpoint then, while still holding its lock. If the
   * data file cannot be deleted the checkpoint stays, locked: the write stays unfinished and in
   * use, so nobody else starts or resumes it before a retried abort deletes it.
   */

  private final Path target;
  private final Path part;
  private final DataFile data;
  private final Checkpoint checkpoint;
  private final CheckpointRounds rounds;
  private final WriterPhases phases;
  private final Commits commits;
  private final ProgressNotifier[] progress;
  private final AtomicReference<BroadcastLatch> released = new AtomicReference<>(new BroadcastLatch());

  FileRelease(Path target, DataFile data, Checkpoint checkpoint, CheckpointRounds rounds, WriterPhases phases,
      Commits commits, ProgressNotifier... progress) {
    this.target = target;
    this.part = TempFiles.partPath(target);
    this.data = data;
    this.checkpoint = checkpoint;
    this.rounds = rounds;
    this.phases = phases;
    this.commits = commits;
    this.progress = progress;
  }

  /** See {@link ChunkWriter#abort()}. */
  boolean abort() throws IOException {
    for (;;) {
      int phase = phases.get();
      if (phase == WriterPhases.OPEN || phase == WriterPhases.FAILED) {
        if (phases.end(phase, WriterPhases.ABORTED)) {
          await();
          return true;
        }
      } else if (phase == WriterPhases.COMMITTING) {
        awaitCommitAttempt();
      } else if (phase == WriterPhases.ABORTED) {
        return awaitOrRetryDeletion();
      } else {
        return false;
      }
    }
  }

  /** See {@link ChunkWriter#close()}. */
  void close() throws IOException {
    IOException checkpointFailure = null;
    if (phases.get() == WriterPhases.OPEN) {
      try {
        rounds.checkpoint();
      } catch (IOException e) {
        checkpointFailure = e;
      }
    }
    for (;;) {
      int phase = phases.get();
      if (phase == WriterPhases.OPEN) {
        if (phases.end(WriterPhases.OPEN, WriterPhases.CLOSED)) {
          await();
          break;
        }
      } else if (phase == WriterPhases.COMMITTING) {
        awaitCommitAttempt();
      } else {
        break;
      }
    }
    if (checkpointFailure != null) {
      throw checkpointFailure;
    }
  }

  private void awaitCommitAttempt() throws InterruptedIOException {
    Commits.Attempt a = commits.current();
    if (a != null) {
      Commits.awaitEnd(a);
    }
  }

  /** The action of ABORTED: stops the checkpoints, closes and deletes the files. */
  void delete() {
    IOException failure = new IOException("could not delete the unfinished write " + part);
    try {
      rounds.cancelPeriodic();
      FileIo.closeAll(failure, data);
      deleteFiles(failure);
      end(new CancellationException("the ChunkWriter for " + target + " was aborted"));
    } catch (Error e) {
      released.get().fail(e); // the waiters get it as itself, rather than waiting forever
      throw e;
    }
    settle(released.get(), failure);
  }

  /** The action of CLOSED: stops the checkpoints and closes the files, keeping them. */
  void release() {
    IOException failure = new IOException("could not close the unfinished write " + part);
    try {
      rounds.cancelPeriodic();
      FileIo.closeAll(failure, data, checkpoint);
      end(new IllegalStateException("the ChunkWriter for " + target + " was closed"));
    } catch (Error e) {
      released.get().fail(e);
      throw e;
    }
    settle(released.get(), failure);
  }

  private void end(RuntimeException cause) {
    for (ProgressNotifier n : progress) {
      n.fail(cause);
    }
  }

  private void deleteFiles(IOException failure) {
    try {
      Files.deleteIfExists(part);
    } catch (IOException e) {
      failure.addSuppressed(e);
      return;
    }
    try {
      checkpoint.delete();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private static void settle(BroadcastLatch latch, IOException failure) {
    if (failure.getSuppressed().length == 0) {
      latch.open();
    } else {
      latch.fail(failure);
    }
  }

  /**
   * After the abort's action ran: waits for its deletion and, if that failed, deletes again (the
   * cause may have been fixed since).
   *
   * @return true if this call deleted the files
   */
  private boolean awaitOrRetryDeletion() throws IOException {
    for (;;) {
      BroadcastLatch current = released.get();
      if (current.failure() == null) {
        await(current); // throws if that deletion fails: this caller joined it
        return false;
      }
      BroadcastLatch retry = new BroadcastLatch();
      if (released.compareAndSet(current, retry)) {
        IOException failure = new IOException("could not delete the unfinished write " + part);
        deleteFiles(failure);
        settle(retry, failure);
        await(retry);
        return true;
      }
    }
  }

  /** Waits for the release or deletion to end; throws its failure. */
  private void await() throws IOException {
    await(released.get());
  }

  private void await(BroadcastLatch latch) throws IOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while releasing " + part).initCause(e);
    } catch (SignalFailedException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }
}
