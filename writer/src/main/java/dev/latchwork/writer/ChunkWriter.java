package dev.latchwork.writer;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one file from fixed-size chunks that any number of threads write in any order, straight
 * to their positions and without a writer-wide lock, and publishes it all-or-nothing.
 *
 * <p>The chunks go into a temporary file beside the target ({@code .<name>.lwpart}, owner-only
 * permissions where the file system supports POSIX permissions), with a checkpoint
 * ({@code .<name>.lwckpt}) that records which chunks are durable. {@link #commit()} finalizes
 * exactly once: it checks that every chunk is present, writes the footer and header of a {@link
 * ChunkLayout.Format#FRAMED FRAMED} file (the whole-payload CRC32C is combined from the per-chunk
 * CRCs, no data is read back), forces the file, renames it atomically onto the target and forces
 * the directory. Until then the target path holds whatever it held before; it never holds a
 * partial file.
 *
 * <pre>{@code
 * ChunkLayout layout = ChunkLayout.framed(1 << 20, totalBytes);
 * ChunkWriter writer = ChunkWriter.create(target, layout);
 * // from any number of worker threads, in any order:
 * writer.write(index, chunkBytes);
 * // then, from any thread (or with Options.autoCommit(true), automatically):
 * writer.commit();
 * }</pre>
 *
 * <p><b>Crash recovery.</b> Checkpoints are taken by group commit: periodically (see {@link
 * Options#checkpointInterval}), after a number of chunks ({@link Options#checkpointEveryChunks})
 * and on demand ({@link #checkpoint()}), the data file is forced once and the chunks whose writes
 * had returned before that force are appended to the checkpoint, which is then forced. A chunk is
 * never recorded before its bytes are durable. After a crash, {@link #resume(Path, Options)}
 * reopens the write; {@link #missingChunks()} says which chunks to write again.
 *
 * <p><b>Ending a writer.</b> Every writer ends with {@link #commit()}, {@link #abort()} (deletes
 * the temporary files) or {@link #close()} (keeps them, resumable). A commit that fails on I/O is
 * terminal but keeps the temporary files, so the write can be resumed once the cause is fixed, or
 * aborted.
 *
 * <p><b>Memory consistency effects.</b> Actions in a thread prior to a {@link #write} that
 * returns normally happen-before the finalization of the commit that includes the chunk, and the
 * finalization happens-before {@link #commit()} returns, in every thread that calls it, and before
 * the {@link #progress()} notifiers complete. Actions prior to a write that returned
 * happen-before a {@link #progress()} await that observes the count including it. Every write
 * that was in flight when {@link #abort()} was called happens-before the temporary files are
 * deleted, and the deletion happens-before {@code abort()} returns.
 *
 * <p><b>Blocking.</b> No operation holds a lock while doing I/O, and writes never wait for each
 * other, for a checkpoint or for a commit. {@code commit}, {@code abort}, {@code close} and {@code
 * checkpoint} wait only for the outcome of work that is already running (a finalization, a
 * deletion, a checkpoint round), interruptibly; an interrupted caller gets an {@link
 * InterruptedIOException} with its interrupt status set, and the work goes on without it.
 *
 * <p><b>Naming.</b> For a target {@code dir/name} the temporary file is {@code dir/.name.lwpart}
 * and the checkpoint {@code dir/.name.lwckpt}: fixed names, so that {@link #resume} finds them and
 * {@link #create} refuses to start a second write of the same target while one is unfinished.
 *
 * <p>Every public operation is traced with {@link Tracer} (component {@code ChunkWriter}).
 */
public final class ChunkWriter implements Closeable {
  /*
   * Implementation notes.
   *
   * Per-chunk state (EMPTY, CLAIMED, WRITTEN, RECORDED, with the chunk's CRC32C) lives in
   * ChunkSlots: a write claims its slot by CAS before writing a byte, so a second write of an
   * index fails (or, with verifyDuplicates, is compared by CRC) without touching the file.
   *
   * Writer lifecycle and in-flight writes share one AtomicLong, ctl: phase in the bits from 48 up,
   * number of writes in flight below. A write enters by a CAS that increments the count only while
   * the phase is OPEN, and leaves by a decrement. commit/abort/close move the phase away from OPEN
   * with a CAS that keeps the count, so after that CAS no write can enter, and whoever brings the
   * count to zero under the new phase - the thread that made the CAS if it saw zero, else the
   * last write to leave - runs the phase's action (finalize, delete, release). Exactly one thread
   * sees zero under a given phase, so the action runs exactly once, and nobody waits for a write
   * in flight: there is no lock, and nothing blocks while I/O is running except the callers who
   * wait for the action's outcome on a BroadcastLatch, interruptibly. The decrement of the last
   * write is a release that the acting thread acquires, so every returned write happens-before
   * the action.
   *
   * A commit attempt is published in `attempt` (CAS null -> attempt) before the phase CAS, so
   * concurrent commit() callers join the same attempt and get the same outcome. If the attempt
   * finds chunks missing (a write in flight failed), the phase goes back to OPEN and the attempt is
   * cleared: the writer stays usable. A successful or I/O-failed attempt stays in `attempt`
   * forever, and later commit() calls return its outcome.
   *
   * Checkpoint rounds (group commit, single-flight, background scheduling) live in
   * CheckpointRounds; a round that races commit/abort/close ends quietly.
   */

  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

  // Phases; package-private for CheckpointRounds.
  static final int OPEN = 0;
  static final int COMMITTING = 1;
  static final int COMMITTED = 2;
  static final int ABORTED = 3;
  static final int CLOSED = 4;
  static final int FAILED = 5;
  private static final int PHASE_SHIFT = 48;
  private static final long COUNT_MASK = (1L << PHASE_SHIFT) - 1;

  private final Path target;
  private final Path part;
  private final ChunkLayout layout;
  private final Options options;
  private final Tracer tracer;
  private final DataFile data;
  private final Checkpoint checkpoint;
  private final int chunkCount;
  private final ChunkSlots slots;
  private final AtomicLong ctl = new AtomicLong();
  private final AtomicLong landed = new AtomicLong();
  private final AtomicReference<Attempt> attempt = new AtomicReference<>();
  private final BroadcastLatch released = new BroadcastLatch();
  private final AtomicInteger finalizations = new AtomicInteger();
  private final Progress progress;
  private final CheckpointRounds rounds;

  private ChunkWriter(
      Path target,
      ChunkLayout layout,
      Options options,
      Tracer tracer,
      DataFile data,
      Checkpoint checkpoint,
      Map<Long, Integer> recorded) {
    this.target = target;
    this.part = TempFiles.partPath(target);
    this.layout = layout;
    this.options = options;
    this.tracer = tracer;
    this.data = data;
    this.checkpoint = checkpoint;
    this.chunkCount = (int) layout.chunkCount();
    this.slots = new ChunkSlots(chunkCount, recorded);
    long bytes = 0;
    for (long i : recorded.keySet()) {
      bytes += layout.chunkLength(i);
    }
    landed.set(recorded.size());
    this.progress = new Progress(new ProgressNotifier(recorded.size()), new ProgressNotifier(bytes));
    this.rounds = new CheckpointRounds(target, slots, data, checkpoint, () -> phase(ctl.get()), options.checkpointEveryChunks);
  }

  // ---------------------------------------------------------------------------------------------
  // Opening

  /**
   * Creates a writer with {@link Options#defaults()}; see {@link #create(Path, ChunkLayout, Options)}.
   *
   * @param target the path the committed file will have
   * @param layout the chunk size and payload size
   * @return a writer with every chunk missing
   * @throws IOException as {@link #create(Path, ChunkLayout, Options)}
   */
  public static ChunkWriter create(Path target, ChunkLayout layout) throws IOException {
    return create(target, layout, Options.defaults());
  }

  /**
   * Starts writing a new file that {@link #commit()} will publish at {@code target}.
   *
   * @param target the path the committed file will have
   * @param layout the chunk size and payload size
   * @param options how the writer commits, checkpoints and treats duplicates
   * @return a writer with every chunk missing
   * @throws FileAlreadyExistsException if an unfinished write for {@code target} exists (resume
   *     it, abort it, or pass {@link Options#replaceUnfinished(boolean)})
   * @throws NoSuchFileException if the target's directory does not exist
   * @throws IllegalArgumentException if {@code target} is a directory
   * @throws IOException if the temporary files cannot be created
   */
  public static ChunkWriter create(Path target, ChunkLayout layout, Options options) throws IOException {
    return create(target, layout, options, DataFile::positional);
  }

  static ChunkWriter create(Path target, ChunkLayout layout, Options options, DataFile.Opener opener)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(options, "options");
    Path t = target.toAbsolutePath();
    Tracer tracer = Tracer.forInstance(ChunkWriter.class);
    Tracer.Span span = tracer.enter("create", "target", t, "layout", layout);
    try {
      if (Files.isDirectory(t)) {
        throw new IllegalArgumentException("target " + t + " is a directory");
      }
      Path dir = t.getParent();
      if (!Files.isDirectory(dir)) {
        throw new NoSuchFileException(dir.toString(), null, "the target's directory does not exist");
      }
      TempFiles.Created files = TempFiles.create(t, layout, options.replaceUnfinished, opener);
      ChunkWriter w = new ChunkWriter(t, layout, options, tracer, files.data(), files.checkpoint(), Map.of());
      w.started();
      return w;
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  /**
   * Resumes with {@link Options#defaults()}; see {@link #resume(Path, Options)}.
   *
   * @param target the target path of the unfinished write
   * @return a writer whose checkpointed chunks are present
   * @throws IOException as {@link #resume(Path, Options)}
   */
  public static ChunkWriter resume(Path target) throws IOException {
    return resume(target, Options.defaults());
  }

  /**
   * Reopens the unfinished write for {@code target}, for example after a crash. The layout is the
   * one recorded in the checkpoint; chunks recorded there are present (and, with {@link
   * Options#verifyOnResume(boolean)}, re-read and checked against their CRC32C first: a chunk that
   * fails is missing again). A torn or corrupt checkpoint tail is ignored and truncated. Write
   * the chunks listed by {@link #missingChunks()}, then commit.
   *
   * @param target the target path of the unfinished write
   * @param options how the writer commits, checkpoints, treats duplicates and verifies
   * @return a writer whose checkpointed chunks are present
   * @throws NoSuchFileException if there is no unfinished write for {@code target}
   * @throws CorruptChunkFileException if the checkpoint header is damaged or the temporary file
   *     does not fit its layout
   * @throws IOException if the write is in use by another writer, or on I/O failure
   */
  public static ChunkWriter resume(Path target, Options options) throws IOException {
    return resume(target, options, DataFile::positional);
  }

  static ChunkWriter resume(Path target, Options options, DataFile.Opener opener) throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    Path t = target.toAbsolutePath();
    Tracer tracer = Tracer.forInstance(ChunkWriter.class);
    Tracer.Span span = tracer.enter("resume", "target", t);
    try {
      TempFiles.Reopened files = TempFiles.reopen(t, options.verifyOnResume, opener);
      try {
        ChunkWriter w = new ChunkWriter(t, files.layout(), options, tracer, files.data(), files.checkpoint(), files.present());
        w.started();
        return w;
      } catch (IOException | RuntimeException e) {
        FileIo.closeAll(e, files.data(), files.checkpoint());
        throw e;
      }
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  private void started() throws IOException {
    rounds.startPeriodic(options.checkpointInterval);
    if (options.autoCommit && landed.get() == chunkCount) {
      awaitOutcome(startOrJoinCommit());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes chunk {@code index}: all remaining bytes of {@code data}, which must be exactly {@link
   * ChunkLayout#chunkLength(long) chunkLength(index)} bytes. On success the buffer's position
   * advances to its limit. Safe from any number of threads at once; writes of different indices
   * proceed in parallel. With {@link Options#autoCommit(boolean)}, the write that lands the last
   * missing chunk then commits, and throws the commit's exception if it fails.
   *
   * <p>A write whose I/O fails throws and leaves the chunk missing; it can be written again.
   *
   * @param index the chunk index, in {@code [0, layout().chunkCount())}
   * @param data the chunk's bytes, from position to limit
   * @throws IndexOutOfBoundsException if {@code index} is not a chunk index of the layout
   * @throws IllegalArgumentException if {@code data} has the wrong length for the index
   * @throws IllegalStateException if the index was already written (with {@link
   *     Options#verifyDuplicates(boolean)}: with different content, compared by CRC32C), or the
   *     writer was committed, aborted, closed or is committing
   * @throws IOException if the write fails (nothing is recorded for the chunk), or, with
   *     auto-commit, if this write triggered a commit that failed
   */
  public void write(long index, ByteBuffer data) throws IOException {
    Objects.requireNonNull(data, "data");
    Tracer.Span span = tracer.enter("write", "index", index, "bytes", data.remaining());
    try {
      if (writeChunk(index, data) && options.autoCommit) {
        awaitOutcome(startOrJoinCommit());
      }
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  /** Returns true if this write landed the last missing chunk. */
  private boolean writeChunk(long index, ByteBuffer src) throws IOException {
    int len = layout.chunkLength(index);
    if (src.remaining() != len) {
      throw new IllegalArgumentException(
          "chunk " + index + " of " + target + " must be " + len + " bytes, got " + src.remaining());
    }
    int i = (int) index;
    int crc = Crc32c.of(src);
    int phase = phase(ctl.get());
    if (phase == ABORTED || phase == CLOSED) {
      throw notOpen(phase, index);
    }
    long s = slots.get(i);
    if (ChunkSlots.state(s) != ChunkSlots.EMPTY) {
      duplicate(index, s, crc);
      return false;
    }
    enter(index);
    boolean last;
    try {
      if (!slots.claim(i, crc)) {
        duplicate(index, slots.get(i), crc);
        return false;
      }
      boolean ok = false;
      try {
        data.write(src.duplicate(), layout.chunkOffset(index));
        ok = true;
      } finally {
        if (!ok) {
          slots.release(i);
        }
      }
      slots.written(i, crc);
      advance(progress.chunks(), 1);
      advance(progress.bytes(), len);
      last = landed.incrementAndGet() == chunkCount;
    } finally {
      exit();
    }
    src.position(src.limit());
    rounds.chunkWritten();
    return last;
  }

  private void duplicate(long index, long s, int crc) {
    int stored = ChunkSlots.crc(s);
    if (options.verifyDuplicates) {
      if (stored == crc) {
        return;
      }
      throw new IllegalStateException(
          "chunk " + index + " of " + target + " was already written with different content (CRC32C "
              + FramedFormat.hex(stored) + ", this write " + FramedFormat.hex(crc) + ")");
    }
    throw new IllegalStateException("chunk " + index + " of " + target + " was already written"
        + (ChunkSlots.state(s) == ChunkSlots.CLAIMED ? " (that write is still in flight)" : ""));
  }

  private static void advance(ProgressNotifier n, long delta) {
    try {
      n.add(delta);
    } catch (IllegalStateException e) {
      // Only a caller can have ended the notifier early (the writer ends it after the last write
      // has left); progress then stops being reported, the write itself is unaffected.
      LOG.debug("progress notifier was ended by a caller", e);
    }
  }

  private void enter(long index) {
    for (;;) {
      long c = ctl.get();
      if (phase(c) != OPEN) {
        throw notOpen(phase(c), index);
      }
      if (ctl.compareAndSet(c, c + 1)) {
        return;
      }
    }
  }

  private void exit() {
    long c = ctl.decrementAndGet();
    if (count(c) == 0) {
      quiescent(phase(c));
    }
  }

  /** Runs the action of a phase; called exactly once per phase change, with no write in flight. */
  private void quiescent(int phase) {
    switch (phase) {
      case COMMITTING -> finalizeCommit(attempt.get());
      case ABORTED -> deleteFiles();
      case CLOSED -> releaseFiles();
      default -> {
        // OPEN: the count fell to zero with nothing to do
      }
    }
  }

  private IllegalStateException notOpen(int phase, long index) {
    String what = switch (phase) {
      case COMMITTING -> "is committing";
      case COMMITTED -> "was committed";
      case ABORTED -> "was aborted";
      case CLOSED -> "was closed";
      default -> "failed to commit";
    };
    return new IllegalStateException("cannot write chunk " + index + ": the ChunkWriter for " + target + " " + what);
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * Publishes the file at the target, exactly once however many threads call this: all callers
   * get the target or the same kind of exception with the same message. Waits (interruptibly)
   * for writes in flight when it was called; an interrupted caller gets an {@link
   * InterruptedIOException} with its interrupt status set, while the commit itself goes on.
   *
   * @return the target
   * @throws IncompleteChunkWriteException if chunks are missing; the writer stays usable
   * @throws IllegalStateException if the writer was aborted or closed
   * @throws IOException if finalizing failed; terminal, the temporary files are kept (resumable)
   */
  public Path commit() throws IOException {
    Tracer.Span span = tracer.enter("commit", "target", target);
    try {
      return awaitOutcome(startOrJoinCommit());
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  private Attempt startOrJoinCommit() throws IncompleteChunkWriteException {
    for (;;) {
      Attempt a = attempt.get();
      if (a != null) {
        return a;
      }
      int phase = phase(ctl.get());
      if (phase == ABORTED || phase == CLOSED) {
        throw new IllegalStateException("cannot commit: the ChunkWriter for " + target + (phase == ABORTED ? " was aborted" : " was closed"));
      }
      if (phase != OPEN) {
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
      for (;;) {
        long c = ctl.get();
        if (phase(c) != OPEN) { // abort or close won
          mine.done.fail(new IllegalStateException("cannot commit: the ChunkWriter for " + target + " was " + (phase(c) == ABORTED ? "aborted" : "closed")));
          return mine;
        }
        if (ctl.compareAndSet(c, pack(COMMITTING, count(c)))) {
          if (count(c) == 0) {
            finalizeCommit(mine);
          }
          return mine;
        }
      }
    }
  }

  private Path awaitOutcome(Attempt a) throws IOException {
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
      throw new IOException("commit of " + target + " failed: " + cause, cause);
    }
  }

  /** Runs in exactly one thread per attempt, with no write in flight. */
  private void finalizeCommit(Attempt a) {
    finalizations.incrementAndGet();
    // Finalizing is not a wait; an interrupt meant for the thread's own work must not abort it.
    boolean interrupted = Thread.interrupted();
    try {
      IncompleteChunkWriteException missing = incomplete(); // exact: no write is in flight
      if (missing.missingCount() > 0) {
        ctl.set(pack(OPEN, 0)); // no write can enter while COMMITTING, so nothing else changes ctl
        attempt.compareAndSet(a, null);
        a.done.fail(missing);
        return;
      }
      publish();
      ctl.set(pack(COMMITTED, 0));
      progress.chunks().complete();
      progress.bytes().complete();
      a.done.open();
    } catch (IOException | RuntimeException | Error e) {
      ctl.set(pack(FAILED, 0));
      rounds.cancelPeriodic();
      FileIo.closeAll(e, data, checkpoint);
      failProgress(e);
      LOG.warn("commit of {} failed; the unfinished write is kept and can be resumed or aborted", target, e);
      a.done.fail(e);
      if (e instanceof Error error) {
        throw error;
      }
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
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    TempFiles.forceDirectory(target.getParent());
    // The target is published: failures from here on only leave a stale checkpoint behind, which
    // the next create() for this target overwrites.
    try {
      checkpoint.close();
      Files.deleteIfExists(checkpoint.path());
    } catch (IOException e) {
      LOG.warn("{}: committed, but could not delete the checkpoint {}", target, checkpoint.path(), e);
    }
  }

  private IncompleteChunkWriteException incomplete() {
    long[] first = new long[IncompleteChunkWriteException.LISTED];
    int listed = 0;
    long missing = 0;
    for (int i = 0; i < chunkCount; i++) {
      if (slots.isEmpty(i)) {
        if (listed < first.length) {
          first[listed++] = i;
        }
        missing++;
      }
    }
    return new IncompleteChunkWriteException(target, chunkCount, missing, Arrays.copyOf(first, listed));
  }

  // ---------------------------------------------------------------------------------------------
  // Abort and close

  /**
   * Abandons the write: deletes the temporary file and its checkpoint; the target is untouched.
   * Writes racing the abort either complete before it (and are discarded) or fail with {@link
   * IllegalStateException}; no file is created again afterwards. If a commit is in progress,
   * waits for it: if it succeeds there is nothing to abort. Also removes the files a failed
   * commit kept.
   *
   * @return true if this call aborted the write; false if it was already aborted, committed or
   *     closed (so that {@code finally { writer.abort(); }} after a commit is harmless)
   * @throws IOException if the files cannot be deleted, or the caller is interrupted while
   *     waiting ({@link InterruptedIOException}, interrupt status set; the abort goes on)
   */
  public boolean abort() throws IOException {
    Tracer.Span span = tracer.enter("abort", "target", target);
    try {
      for (;;) {
        long c = ctl.get();
        int phase = phase(c);
        if (phase == OPEN || phase == FAILED) {
          if (ctl.compareAndSet(c, pack(ABORTED, count(c)))) {
            if (count(c) == 0) {
              quiescent(ABORTED);
            }
            awaitReleased();
            return true;
          }
        } else if (phase == COMMITTING) {
          Attempt a = attempt.get();
          if (a != null) {
            awaitEnd(a.done);
          }
        } else if (phase == ABORTED) {
          awaitReleased();
          return false;
        } else {
          return false;
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  /**
   * Ends this writer without committing or deleting anything: takes a last checkpoint, then
   * releases the files, so that {@link #resume} can continue the write later (in this process or
   * another). Writes racing close may not be recorded and then have to be written again after
   * resuming. No effect after commit or abort.
   */
  @Override
  public void close() throws IOException {
    Tracer.Span span = tracer.enter("close", "target", target);
    try {
      IOException checkpointFailure = null;
      try {
        if (phase(ctl.get()) == OPEN) {
          checkpoint();
        }
      } catch (IOException e) {
        checkpointFailure = e;
      }
      for (;;) {
        long c = ctl.get();
        int phase = phase(c);
        if (phase == OPEN) {
          if (ctl.compareAndSet(c, pack(CLOSED, count(c)))) {
            if (count(c) == 0) {
              quiescent(CLOSED);
            }
            awaitReleased();
            break;
          }
        } else if (phase == COMMITTING) {
          Attempt a = attempt.get();
          if (a != null) {
            awaitEnd(a.done);
          }
        } else {
          break;
        }
      }
      if (checkpointFailure != null) {
        throw checkpointFailure;
      }
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  private void deleteFiles() {
    IOException failure = new IOException("could not delete the unfinished write " + part);
    endFiles(failure, true, new CancellationException("the ChunkWriter for " + target + " was aborted"));
  }

  private void releaseFiles() {
    IOException failure = new IOException("could not close the unfinished write " + part);
    endFiles(failure, false, new IllegalStateException("the ChunkWriter for " + target + " was closed"));
  }

  /**
   * The action of ABORTED ({@code delete}) and CLOSED: stops the checkpoints, closes (and deletes)
   * the files, fails the progress notifiers with {@code ended}, then opens {@code released}, or
   * fails it with {@code failure} if any step failed (collected as suppressed exceptions).
   */
  private void endFiles(IOException failure, boolean delete, RuntimeException ended) {
    rounds.cancelPeriodic();
    FileIo.closeAll(failure, data, checkpoint);
    if (delete) {
      FileIo.deleteQuietly(failure, part, checkpoint.path());
    }
    failProgress(ended);
    if (failure.getSuppressed().length == 0) {
      released.open();
    } else {
      released.fail(failure);
    }
  }

  private void failProgress(Throwable cause) {
    progress.chunks().fail(cause);
    progress.bytes().fail(cause);
  }

  private void awaitReleased() throws IOException {
    try {
      released.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while releasing " + part).initCause(e);
    } catch (SignalFailedException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * Waits for a commit attempt to end; returns whether it succeeded. Callers re-read the phase to
   * see what the attempt left behind either way.
   */
  private static boolean awaitEnd(BroadcastLatch latch) throws InterruptedIOException {
    try {
      latch.await();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw (InterruptedIOException) new InterruptedIOException("interrupted while waiting for a commit").initCause(e);
    } catch (SignalFailedException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoints

  /**
   * Makes every chunk whose write returned before this call durable and recorded in the
   * checkpoint (group commit: one force of the data file covers all of them). If a checkpoint is
   * already running, waits for it and then takes another. No effect once the writer has ended.
   *
   * @throws IOException if forcing or appending fails (the chunks stay written, unrecorded), or
   *     the caller is interrupted while waiting ({@link InterruptedIOException})
   */
  public void checkpoint() throws IOException {
    Tracer.Span span = tracer.enter("checkpoint", "target", target);
    try {
      rounds.checkpoint();
    } catch (IOException | RuntimeException | Error e) {
      span.fail(e);
      throw e;
    } finally {
      span.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /**
   * The target path (absolute).
   *
   * @return the absolute target path
   */
  public Path target() {
    return target;
  }

  /**
   * The layout being written.
   *
   * @return the layout
   */
  public ChunkLayout layout() {
    return layout;
  }

  /**
   * The indices of chunks that are neither written nor being written, ascending; a snapshot.
   * After {@link #resume}, the chunks to write before committing.
   *
   * @return the missing chunk indices, ascending; a new array
   */
  public long[] missingChunks() {
    return slots.missing();
  }

  /**
   * Progress of this writer: chunks and bytes written (after a resume, counting the recovered
   * chunks). Both notifiers complete when the commit succeeds and fail when it fails, the writer
   * is aborted ({@link CancellationException}) or closed. Callers read and await them; advancing
   * or ending them is not supported.
   *
   * @return the chunks and bytes written so far
   */
  public Progress progress() {
    return progress;
  }

  /** How many times a commit attempt was finalized (test hook: at most one success). */
  int finalizationCount() {
    return finalizations.get();
  }

  @Override
  public String toString() {
    long c = ctl.get();
    String phase = switch (phase(c)) {
      case OPEN -> "open";
      case COMMITTING -> "committing";
      case COMMITTED -> "committed";
      case ABORTED -> "aborted";
      case CLOSED -> "closed";
      default -> "failed";
    };
    return "ChunkWriter[" + target + ", " + layout + ", " + phase + ", " + count(c) + " writes in flight]";
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static long pack(int phase, long count) {
    return ((long) phase << PHASE_SHIFT) | count;
  }

  private static int phase(long c) {
    return (int) (c >>> PHASE_SHIFT);
  }

  private static long count(long c) {
    return c & COUNT_MASK;
  }

  /** One commit attempt: its outcome is shared by every commit() caller that joined it. */
  private static final class Attempt {
    final BroadcastLatch done = new BroadcastLatch();
  }

  /**
   * Progress of a {@link ChunkWriter}: chunks and bytes written. The notifiers belong to the
   * writer: read them and wait on them ({@code get}, {@code awaitAtLeast}, {@code whenAtLeast});
   * advancing or ending them is not supported (the writer then stops reporting progress, its
   * writes are unaffected).
   *
   * @param chunks the number of chunks written
   * @param bytes the number of payload bytes written
   */
  public record Progress(ProgressNotifier chunks, ProgressNotifier bytes) {}

  /**
   * Options of {@link ChunkWriter#create(Path, ChunkLayout, Options)} and {@link
   * ChunkWriter#resume(Path, Options)}; immutable, each setter returns a new instance.
   */
  public static final class Options {
    private static final Options DEFAULTS = new Options(false, false, false, false, Duration.ofSeconds(1), 0);

    final boolean autoCommit;
    final boolean verifyDuplicates;
    final boolean verifyOnResume;
    final boolean replaceUnfinished;
    final Duration checkpointInterval;
    final int checkpointEveryChunks;

    private Options(boolean autoCommit, boolean verifyDuplicates, boolean verifyOnResume,
        boolean replaceUnfinished, Duration checkpointInterval, int checkpointEveryChunks) {
      this.autoCommit = autoCommit;
      this.verifyDuplicates = verifyDuplicates;
      this.verifyOnResume = verifyOnResume;
      this.replaceUnfinished = replaceUnfinished;
      this.checkpointInterval = checkpointInterval;
      this.checkpointEveryChunks = checkpointEveryChunks;
    }

    /**
     * No auto-commit, duplicates rejected, no verification on resume, a checkpoint every second.
     *
     * @return the default options
     */
    public static Options defaults() {
      return DEFAULTS;
    }

    /**
     * Commit automatically when the last chunk lands (from the thread that wrote it).
     *
     * @param on whether to commit automatically
     * @return a copy of these options with this setting
     */
    public Options autoCommit(boolean on) {
      return new Options(on, verifyDuplicates, verifyOnResume, replaceUnfinished, checkpointInterval, checkpointEveryChunks);
    }

    /**
     * Accept a second write of an index when it has the same CRC32C as the first (ignoring it),
     * instead of rejecting every second write; for pipelines that deliver chunks at least once.
     *
     * @param on whether a duplicate with the same CRC32C is accepted
     * @return a copy of these options with this setting
     */
    public Options verifyDuplicates(boolean on) {
      return new Options(autoCommit, on, verifyOnResume, replaceUnfinished, checkpointInterval, checkpointEveryChunks);
    }

    /**
     * On resume, re-read every recorded chunk and check its CRC32C; failing chunks are missing.
     *
     * @param on whether resume re-reads and checks recorded chunks
     * @return a copy of these options with this setting
     */
    public Options verifyOnResume(boolean on) {
      return new Options(autoCommit, verifyDuplicates, on, replaceUnfinished, checkpointInterval, checkpointEveryChunks);
    }

    /**
     * Let create() delete an unfinished write for the same target instead of failing.
     *
     * @param on whether create() replaces an unfinished write
     * @return a copy of these options with this setting
     */
    public Options replaceUnfinished(boolean on) {
      return new Options(autoCommit, verifyDuplicates, verifyOnResume, on, checkpointInterval, checkpointEveryChunks);
    }

    /**
     * How often a background checkpoint runs; {@link Duration#ZERO} disables periodic
     * checkpoints.
     *
     * @param interval time between background checkpoints, or {@link Duration#ZERO} for none
     * @return a copy of these options with this setting
     * @throws IllegalArgumentException if negative
     */
    public Options checkpointInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("checkpoint interval must not be negative: " + interval);
      }
      return new Options(autoCommit, verifyDuplicates, verifyOnResume, replaceUnfinished, interval, checkpointEveryChunks);
    }

    /**
     * Start a background checkpoint after this many chunks were written since the last one; 0
     * (the default) disables it.
     *
     * @param chunks chunks written between background checkpoints, or 0 for none
     * @return a copy of these options with this setting
     * @throws IllegalArgumentException if negative
     */
    public Options checkpointEveryChunks(int chunks) {
      if (chunks < 0) {
        throw new IllegalArgumentException("checkpointEveryChunks must not be negative: " + chunks);
      }
      return new Options(autoCommit, verifyDuplicates, verifyOnResume, replaceUnfinished, checkpointInterval, chunks);
    }

    @Override
    public String toString() {
      return "Options[autoCommit=" + autoCommit + ", verifyDuplicates=" + verifyDuplicates
          + ", verifyOnResume=" + verifyOnResume + ", replaceUnfinished=" + replaceUnfinished
          + ", checkpointInterval=" + checkpointInterval + ", checkpointEveryChunks=" + checkpointEveryChunks + "]";
    }
  }
}
