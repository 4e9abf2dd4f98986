package dev.latchwork.writer;

import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.ProgressView;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;

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
 * ChunkWriter writer = ChunkWriter.create(target, layout);   // or ChunkWriter.builder(target)....create(layout)
 * // from any number of worker threads, in any order:
 * writer.write(index, chunkBytes);
 * // then, from any thread (or with Builder.autoCommit(true), automatically):
 * writer.commit();
 * }</pre>
 *
 * <p><b>Crash recovery.</b> Checkpoints are taken by group commit: periodically (see {@link
 * Builder#checkpointInterval}), after a number of chunks ({@link Builder#checkpointEveryChunks})
 * and on demand ({@link #checkpoint()}), the data file is forced once and the chunks whose writes
 * had returned before that force are appended to the checkpoint, which is then forced. A chunk is
 * never recorded before its bytes are durable. After a crash, {@link Builder#resume()} reopens
 * the write; {@link #missingChunks()} says which chunks to write again.
 *
 * <p><b>Ending a writer.</b> Every writer ends with {@link #commit()}, {@link #abort()} (deletes
 * the temporary files) or {@link #close()} (keeps them, resumable). A commit that fails on I/O is
 * terminal but keeps the temporary files, so the write can be resumed once the cause is fixed, or
 * aborted. An {@link Error} while committing ends the writer the same way and reaches every
 * commit caller as itself.
 *
 * <p><b>Memory consistency effects.</b> Actions in a thread prior to a {@link #write} that
 * returns normally happen-before the finalization of the commit that includes the chunk, and the
 * finalization happens-before {@link #commit()} returns, in every thread that calls it, and before
 * the {@link #progress()} views complete. Actions prior to a write that returned happen-before a
 * {@link #progress()} await that observes the count including it. Every write that was in flight
 * when {@link #abort()} was called happens-before the temporary files are deleted, and the
 * deletion happens-before {@code abort()} returns.
 *
 * <p><b>Blocking.</b> No operation holds a lock while doing I/O, and writes never wait for each
 * other, for a checkpoint or for a commit. {@code commit}, {@code abort}, {@code close} and {@code
 * checkpoint} wait only for the outcome of work that is already running (a finalization, a
 * deletion, a checkpoint round), interruptibly; an interrupted caller gets an {@link
 * InterruptedIOException} with its interrupt status set, and the work goes on without it.
 *
 * <p><b>Naming and ownership.</b> For a target {@code dir/name} the temporary file is {@code
 * dir/.name.lwpart} and the checkpoint {@code dir/.name.lwckpt}: fixed names, so that {@link
 * Builder#resume()} finds them and {@link #create} refuses to start a second write of the same
 * target while one is unfinished. A writer holds an exclusive lock on its checkpoint until it
 * ends, so no second writer, in this process or another, resumes or replaces the write meanwhile;
 * refusing one never drops the lock.
 *
 * <p>Every public operation is traced with {@link Tracer} (component {@code ChunkWriter}).
 */
public final class ChunkWriter implements Closeable {
  /*
   * Implementation notes.
   *
   * The writer is assembled from one class per concern, all package-private:
   *   ChunkSlots        per-chunk state (EMPTY, CLAIMED, WRITTEN, RECORDED) and CRC32C; a write
   *                     claims its slot by CAS before writing a byte.
   *   WriterPhases      the phase (OPEN, COMMITTING, COMMITTED, ABORTED, CLOSED, FAILED) and the
   *                     writes in flight: commit/abort/close end OPEN, and the phase's action runs
   *                     once the writes in flight have left, exactly once, on the thread that
   *                     drained it (onPhase dispatches it).
   *   CheckpointRounds  group-commit checkpoint rounds, single-flight, with background scheduling.
   *   Commits           commit attempts, joined by concurrent commit() callers, and finalization.
   *   FileRelease       the actions of ABORTED and CLOSED, and retrying a failed deletion.
   *   WriterOpening     create and resume: the target's checks, the temporary files, tracing.
   *   TempFiles         the temporary files: names, creation, reopening to resume.
   */

  private final Path target;
  private final ChunkLayout layout;
  private final Settings settings;
  private final Tracer tracer;
  private final ChunkSlots slots;
  private final ChunkWrites writes;
  private final Progress progress;
  private final WriterPhases phases;
  private final CheckpointRounds rounds;
  private final Commits commits;
  private final FileRelease release;

  ChunkWriter(Path target, ChunkLayout layout, Settings settings, Tracer tracer, DataFile data,
      Checkpoint checkpoint, Map<Long, Integer> recorded) {
    this.target = target;
    this.layout = layout;
    this.settings = settings;
    this.tracer = tracer;
    this.slots = new ChunkSlots((int) layout.chunkCount(), recorded);
    long recoveredBytes = 0;
    for (long i : recorded.keySet()) {
      recoveredBytes += layout.chunkLength(i);
    }
    ProgressNotifier chunks = new ProgressNotifier(recorded.size());
    ProgressNotifier bytes = new ProgressNotifier(recoveredBytes);
    this.progress = new Progress(chunks.view(), bytes.view());
    this.phases = new WriterPhases(target, this::onPhase);
    this.rounds = new CheckpointRounds(target, slots, data, checkpoint, phases::get, settings.checkpointEveryChunks());
    this.writes = new ChunkWrites(target, layout, settings.verifyDuplicates(), data, slots, phases, rounds, chunks, bytes);
    this.commits = new Commits(target, layout, data, checkpoint, slots, rounds, phases, chunks, bytes);
    this.release = new FileRelease(target, data, checkpoint, rounds, phases, commits, chunks, bytes);
  }

  /**
   * Configures a writer for {@code target}; finish with {@link Builder#create(ChunkLayout)} or
   * {@link Builder#resume()}.
   *
   * @param target the path the commit will publish the file at
   * @return a new builder with the defaults: no auto-commit, duplicates rejected, no verification
   *     on resume, a checkpoint every second
   */
  public static Builder builder(Path target) {
    return new Builder(Objects.requireNonNull(target, "target"));
  }

  /**
   * Starts writing a new file at {@code target} with the default settings: {@code
   * builder(target).create(layout)}.
   *
   * @param target the path the commit will publish the file at
   * @param layout the layout of the file
   * @return the new writer
   * @throws IOException see {@link Builder#create(ChunkLayout)}
   */
  public static ChunkWriter create(Path target, ChunkLayout layout) throws IOException {
    return builder(target).create(layout);
  }

  /**
   * Reopens the unfinished write for {@code target} with the default settings: {@code
   * builder(target).resume()}.
   *
   * @param target the target of the unfinished write
   * @return the resumed writer
   * @throws IOException see {@link Builder#resume()}
   */
  public static ChunkWriter resume(Path target) throws IOException {
    return builder(target).resume();
  }

  /** After construction: starts the periodic checkpoints, and commits at once if due. */
  void started() throws IOException {
    rounds.startPeriodic(settings.checkpointInterval());
    if (settings.autoCommit() && writes.allLanded()) {
      commits.await(commits.startOrJoin());
    }
  }

  /** Runs the action of a phase the writer reached, once no write is in flight. */
  private void onPhase(int phase) {
    switch (phase) {
      case WriterPhases.COMMITTING -> commits.finalizeAttempt();
      case WriterPhases.ABORTED -> release.delete();
      case WriterPhases.CLOSED -> release.release();
      default -> throw new AssertionError("no action for phase " + phase);
    }
  }

  /**
   * Writes chunk {@code index}: all remaining bytes of {@code data}, which must be exactly {@link
   * ChunkLayout#chunkLength(long) chunkLength(index)} bytes. On success the buffer's position
   * advances to its limit. Safe from any number of threads at once; writes of different indices
   * proceed in parallel. With {@link Builder#autoCommit(boolean)}, the write that lands the last
   * missing chunk then commits, and throws the commit's exception if it fails.
   *
   * <p>A write whose I/O fails throws and leaves the chunk missing; it can be written again.
   *
   * @param index the chunk index
   * @param data the chunk's bytes
   * @throws IndexOutOfBoundsException if {@code index} is not a chunk index of the layout
   * @throws IllegalArgumentException if {@code data} has the wrong length for the index
   * @throws IllegalStateException if the index was already written (with {@link
   *     Builder#verifyDuplicates(boolean)}: with different content, compared by CRC32C), or the
   *     writer was committed, aborted, closed or is committing
   * @throws IOException if the write fails (nothing is recorded for the chunk), or, with
   *     auto-commit, if this write triggered a commit that failed
   */
  public void write(long index, ByteBuffer data) throws IOException {
    Objects.requireNonNull(data, "data");
    try (Tracer.Span span = tracer.enter("write", "index", index, "bytes", data.remaining()).failUnlessOk()) {
      if (writes.write(index, data) && settings.autoCommit()) {
        commits.await(commits.startOrJoin());
      }
      span.ok();
    }
  }

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
    try (Tracer.Span span = tracer.enter("commit", "target", target).failUnlessOk()) {
      return span.ok(commits.await(commits.startOrJoin()));
    }
  }

  /**
   * Abandons the write: deletes the temporary file and its checkpoint; the target is untouched.
   * Writes racing the abort either complete before it (and are discarded) or fail with {@link
   * IllegalStateException}; no file is created again afterwards. If a commit is in progress,
   * waits for it: if it succeeds there is nothing to abort. Also removes the files a failed
   * commit kept. If the deletion fails, the next {@code abort()} tries again; until the files are
   * gone the write stays locked, so nobody else resumes or replaces it meanwhile.
   *
   * @return true if this call deleted the temporary files; false if it was already done, or the
   *     writer was committed or closed (so that {@code finally { writer.abort(); }} after a commit
   *     is harmless)
   * @throws IOException if the files cannot be deleted, or the caller is interrupted while
   *     waiting ({@link InterruptedIOException}, interrupt status set; the abort goes on)
   */
  public boolean abort() throws IOException {
    try (Tracer.Span span = tracer.enter("abort", "target", target).failUnlessOk()) {
      return span.ok(release.abort());
    }
  }

  /**
   * Ends this writer without committing or deleting anything: takes a last checkpoint, then
   * releases the files, so that {@link Builder#resume()} can continue the write later (in this
   * process or another). Writes racing close may not be recorded and then have to be written
   * again after resuming. No effect after commit or abort.
   *
   * @throws IOException if the last checkpoint or closing the files fails (the files are released
   *     either way), or the caller is interrupted while waiting
   */
  @Override
  public void close() throws IOException {
    try (Tracer.Span span = tracer.enter("close", "target", target).failUnlessOk()) {
      release.close();
      span.ok();
    }
  }

  /**
   * Makes every chunk whose write returned before this call durable and recorded in the
   * checkpoint (group commit: one force of the data file covers all of them). If a checkpoint is
   * already running, waits for it and then takes another. No effect once the writer has ended.
   *
   * @throws IOException if forcing or appending fails (the chunks stay written, unrecorded), or
   *     the caller is interrupted while waiting ({@link InterruptedIOException})
   */
  public void checkpoint() throws IOException {
    try (Tracer.Span span = tracer.enter("checkpoint", "target", target).failUnlessOk()) {
      rounds.checkpoint();
      span.ok();
    }
  }

  /**
   * The target path.
   *
   * @return the target (absolute)
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
   * After {@link Builder#resume()}, the chunks to write before committing.
   *
   * @return the missing chunks' indices
   */
  public long[] missingChunks() {
    return slots.missing();
  }

  /**
   * Progress of this writer: chunks and bytes written (after a resume, counting the recovered
   * chunks). Both complete when the commit succeeds and fail when it fails, the writer is aborted
   * ({@link CancellationException}) or closed. Read-only views: callers read and await them.
   *
   * @return the progress views
   */
  public Progress progress() {
    return progress;
  }

  /** How many times a commit attempt was finalized (test hook: at most one success). */
  int finalizationCount() {
    return commits.finalizations();
  }

  @Override
  public String toString() {
    return "ChunkWriter[" + target + ", " + layout + ", " + phases + "]";
  }

  /**
   * Progress of a {@link ChunkWriter}: chunks and bytes written, as read-only views of the
   * writer's notifiers.
   *
   * @param chunks the number of chunks written
   * @param bytes the number of payload bytes written
   */
  public record Progress(ProgressView chunks, ProgressView bytes) {}

  /** The settings a {@link Builder} collected; immutable. */
  record Settings(boolean autoCommit, boolean verifyDuplicates, boolean verifyOnResume, boolean replaceUnfinished,
      Duration checkpointInterval, int checkpointEveryChunks, DataFile.Opener opener) {}

  /**
   * Configures and opens a {@link ChunkWriter}: {@code ChunkWriter.builder(target).autoCommit(true)
   * .create(layout)}, or {@code .resume()} for an unfinished write. Not thread-safe; {@link
   * #create} and {@link #resume} may be called more than once, each opening a new writer with the
   * settings at that time.
   */
  public static final class Builder {
    private final Path target;
    private boolean autoCommit;
    private boolean verifyDuplicates;
    private boolean verifyOnResume;
    private boolean replaceUnfinished;
    private Duration checkpointInterval = Duration.ofSeconds(1);
    private int checkpointEveryChunks;
    private DataFile.Opener opener = DataFile::positional;

    private Builder(Path target) {
      this.target = target;
    }

    /**
     * Commit automatically when the last chunk lands (from the thread that wrote it). Default off.
     *
     * @param on whether to commit automatically
     * @return this builder
     */
    public Builder autoCommit(boolean on) {
      autoCommit = on;
      return this;
    }

    /**
     * Accept a second write of an index when it has the same CRC32C as the first (ignoring it),
     * instead of rejecting every second write; for pipelines that deliver chunks at least once.
     * Default off.
     *
     * @param on whether to compare duplicates
     * @return this builder
     */
    public Builder verifyDuplicates(boolean on) {
      verifyDuplicates = on;
      return this;
    }

    /**
     * On resume, re-read every recorded chunk and check its CRC32C; failing chunks are missing.
     * Default off.
     *
     * @param on whether to verify
     * @return this builder
     */
    public Builder verifyOnResume(boolean on) {
      verifyOnResume = on;
      return this;
    }

    /**
     * Let {@link #create} delete an unfinished write for the same target instead of failing; a
     * write still in use by another writer is never replaced. Default off.
     *
     * @param on whether to replace
     * @return this builder
     */
    public Builder replaceUnfinished(boolean on) {
      replaceUnfinished = on;
      return this;
    }

    /**
     * How often a background checkpoint runs; {@link Duration#ZERO} disables periodic
     * checkpoints. Default one second.
     *
     * @param interval the interval
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder checkpointInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("checkpoint interval must not be negative: " + interval);
      }
      checkpointInterval = interval;
      return this;
    }

    /**
     * Start a background checkpoint after this many chunks were written since the last one; 0
     * (the default) disables it.
     *
     * @param chunks the number of chunks
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder checkpointEveryChunks(int chunks) {
      if (chunks < 0) {
        throw new IllegalArgumentException("checkpointEveryChunks must not be negative: " + chunks);
      }
      checkpointEveryChunks = chunks;
      return this;
    }

    /** Test seam: how the data file is opened. */
    Builder dataFiles(DataFile.Opener dataFiles) {
      opener = Objects.requireNonNull(dataFiles, "dataFiles");
      return this;
    }

    /**
     * Starts writing a new file that {@link ChunkWriter#commit()} will publish at the target.
     *
     * @param layout the layout of the file
     * @return the new writer
     * @throws FileAlreadyExistsException if an unfinished write for the target exists (resume
     *     it, abort it, or set {@link #replaceUnfinished(boolean)})
     * @throws NoSuchFileException if the target's directory does not exist
     * @throws IllegalArgumentException if the target is a directory
     * @throws IOException if the unfinished write to replace is in use by another writer, or the
     *     temporary files cannot be created
     */
    public ChunkWriter create(ChunkLayout layout) throws IOException {
      return WriterOpening.create(target, layout, settings());
    }

    /**
     * Reopens the unfinished write for the target, for example after a crash. The layout is the
     * one recorded in the checkpoint; chunks recorded there are present (and, with {@link
     * #verifyOnResume(boolean)}, re-read and checked against their CRC32C first: a chunk that
     * fails is missing again). A torn or corrupt checkpoint tail is ignored and truncated. Write
     * the chunks listed by {@link ChunkWriter#missingChunks()}, then commit.
     *
     * @return the resumed writer
     * @throws NoSuchFileException if there is no unfinished write for the target
     * @throws CorruptChunkFileException if the checkpoint header is damaged or the temporary file
     *     does not fit its layout
     * @throws IOException if the write is in use by another writer, or on I/O failure
     */
    public ChunkWriter resume() throws IOException {
      return WriterOpening.resume(target, settings());
    }

    private Settings settings() {
      return new Settings(autoCommit, verifyDuplicates, verifyOnResume, replaceUnfinished, checkpointInterval,
          checkpointEveryChunks, opener);
    }

    @Override
    public String toString() {
      return "ChunkWriter.Builder[" + target + ", " + settings() + "]";
    }
  }
}
