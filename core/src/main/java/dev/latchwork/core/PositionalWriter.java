package dev.latchwork.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A file that many threads write at explicit positions at once, with no lock around the I/O: each
 * {@link #write(ByteBuffer, long)} is a positional write ({@code pwrite} on Linux) of its own
 * range, so writers of different ranges proceed in parallel.
 *
 * <p><b>Interrupt safety.</b> A {@link FileChannel} is an interruptible channel: when a thread is
 * interrupted inside one of its I/O calls the JDK closes the channel for every thread. A
 * PositionalWriter confines the damage to the interrupted caller. That caller's operation fails with
 * {@link ClosedByInterruptException} or {@link InterruptedIOException}, its interrupt status set;
 * a caller whose interrupt status is already set when it calls fails fast the same way, before any
 * I/O and without closing anything. Every other thread's operation caught by the closure is retried
 * transparently on a channel reopened on the same file (without {@code CREATE},
 * {@code CREATE_NEW} or {@code TRUNCATE_EXISTING}), and no write that returned normally is lost:
 * a completed positional write is in the file system's cache whatever happens to the descriptor
 * afterwards. How a write that failed (interrupted, or any I/O error) left its range is
 * unspecified: any prefix of its bytes may have been written.
 *
 * <p><b>Durability and group commit.</b> {@link #force(boolean)} returns normally only after an
 * fsync that began after force was called has succeeded; so every write that returned before force
 * was called, in any thread, is durable when it returns. Callers that arrive while an fsync runs
 * wait and then share one fsync rather than running one each. If an fsync fails, every force call
 * it covered throws, and so does every later force call: after a failed fsync the kernel may have
 * discarded the unwritten pages, and a retried fsync could report success for lost data. Writes
 * and reads still work on such a writer; durability can only be regained by writing the data again
 * through a new writer. The fsync runs on a descriptor of its own that is not interruptible, and
 * it covers the writes made through every channel ever reopened: fsync flushes the file (the
 * inode), not one descriptor, per POSIX. Force does not sync the parent directory: a newly
 * created file's directory entry is durable only once the caller syncs that directory. On the
 * default file system force is always a full fsync, with or without {@code metaData}.
 *
 * <p><b>Overlap guard.</b> Opened with {@link Option#REJECT_OVERLAPS}, a write whose range overlaps
 * a write still in flight fails with {@link OverlappingWriteException} naming both ranges, and
 * nothing of it is written. Without it (the default) overlapping concurrent writes are not
 * detected and their bytes may interleave arbitrarily; the option costs nothing when off.
 *
 * <p><b>Memory effects.</b> The bytes of a write that returned normally are seen by every read of
 * that range that begins after the write returned (the file system's read-after-write guarantee
 * for regular files). File contents are not a Java memory-model channel: to publish other state
 * along with written bytes, use a happens-before edge of your own (a latch, a volatile). Actions in
 * a thread prior to an operation that returned happen-before {@link #close()} returns, and
 * actions prior to a call of {@code force} happen-before the fsync covering it begins.
 *
 * <p><b>Closing.</b> {@link #close()} is idempotent; it stops new operations at once (they throw
 * {@link ClosedChannelException}), waits for operations in flight to finish, then closes the
 * descriptors. All methods are safe to call from any number of threads at once.
 *
 * <p>Bad input throws before any I/O: a {@code null} buffer throws NullPointerException, a negative
 * position or size IllegalArgumentException naming it, and a write or truncate on a writer opened
 * without {@code WRITE} a {@link NonWritableChannelException} naming the file.
 */
public final class PositionalWriter implements Closeable {
  /*
   * Implementation notes.
   *
   * Channel generations. `generation` holds the current I/O channel. Every channel operation runs
   * in io(): check the caller's interrupt status, then call the channel. If the call throws
   * ClosedByInterruptException and the caller's interrupt status is set, this caller was the one
   * interrupted: rethrow. (With the status clear it is an interrupt the caller already consumed
   * that closed a channel it entered later, possible since JDK 21: retried like the next case.)
   * If it throws another ClosedChannelException (AsynchronousCloseException, or plain
   * ClosedChannelException for a channel already closed when the call began), some other thread's
   * interrupt closed the channel: unless this caller is interrupted too, get the successor
   * generation and retry. A generation's successor is a CompletableFuture installed by CAS, so
   * exactly one thread reopens each closed channel while the others wait for its result
   * (interruptibly). If reopening fails, the failure goes to the threads that waited and the slot
   * is cleared, so a later operation tries again. A thread holding an old generation first looks
   * at `generation`: if that moved on it simply retries on the newer one, so old generations are
   * never walked and become garbage. Retrying is safe: the file position of each call is derived
   * from the buffer's position, which the JDK advances exactly by the bytes transferred (even when
   * the call then throws ClosedByInterruptException), and rewriting a range with its own bytes is
   * harmless anyway.
   *
   * Why a closure seen inside an operation is always an interrupt's: the writer's own close()
   * closes the channel only after the in-flight count fell to zero, and no operation starts after
   * close() began. So close() never races with a reopen, and a reopen never revives a closed writer.
   * The reopened channel is checked to be the same file by its file key (device and inode on
   * Unix). Best effort: a path replaced between the open and the check, or replaced by a new file
   * that reused the inode number of a deleted original, is not detected.
   *
   * In-flight count and close. Every operation is an entry of a ShutdownGate whose ending action
   * (terminate) closes the descriptors. The gate runs it exactly once, on the thread that drains
   * it: close() itself if nothing was in flight, otherwise the last operation to exit; then it
   * opens its drained latch, on which every close() caller waits. No wake-up can be lost: the
   * latch stays open once opened. The latch is a BroadcastLatch, so a close() that finds it open
   * returns without looking at the interrupt status (an interrupted thread can still close an idle
   * writer); a close() interrupted while it waits throws InterruptedIOException, the writer stays
   * closing and the last operation in flight still closes it.
   *
   * Fsync. force() delegates to GroupCommit with a FileSync opened once, at open(). On the default
   * file system it is a RandomAccessFile's FileDescriptor.sync(): fsync(2) without the JDK's
   * interruptible-channel machinery. That matters for correctness, not only for throughput: when a
   * FileChannel is closed under a failing fsync the JDK throws the closure exception instead of
   * the fsync's error, and Linux reports a writeback error once per descriptor, so a retry on a
   * reopened channel could report success for lost data. The sync descriptor is never closed
   * before the writer is, so it reports every writeback error since open() exactly once.
   *
   * Overlap guard. `ranges` is null unless REJECT_OVERLAPS; when null the only cost is the field
   * read. A write registers its range (lock held for the map update only), does its I/O, and
   * releases the range in a finally block.
   */

  /** Options of {@link #open} beyond the standard ones. */
  public enum Option implements OpenOption {
    /**
     * Reject a write whose range overlaps a write still in flight with {@link
     * OverlappingWriteException}, instead of letting the bytes interleave.
     */
    REJECT_OVERLAPS
  }

  /** One opened I/O channel and the slot for the channel that replaces it once it is closed. */
  private static final class Generation {
    final FileChannel channel;
    final AtomicReference<CompletableFuture<Generation>> successor = new AtomicReference<>();

    Generation(FileChannel channel) {
      this.channel = channel;
    }
  }

  /** One channel call. */
  private interface ChannelCall<T> {
    T call(FileChannel channel) throws IOException;
  }

  private final Path file;
  private final Set<OpenOption> reopenOptions;
  private final FileOpener opener;
  private final Object fileKey;
  private final LinkOption[] linkOptions;
  private final boolean writable;
  private final InFlightRanges ranges;
  private final FileSync sync;
  private final GroupCommit commit;
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder reopens = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final ShutdownGate gate = new ShutdownGate(this::terminate);
  private volatile Generation generation;
  private volatile IOException closeFailure;

  private PositionalWriter(Path file, Set<OpenOption> reopenOptions, FileOpener opener,
      FileChannel channel, FileSync sync, Object fileKey, LinkOption[] linkOptions,
      boolean writable, boolean rejectOverlaps) {
    this.file = file;
    this.reopenOptions = reopenOptions;
    this.opener = opener;
    this.generation = new Generation(channel);
    this.sync = sync;
    this.fileKey = fileKey;
    this.linkOptions = linkOptions;
    this.writable = writable;
    this.ranges = rejectOverlaps ? new InFlightRanges() : null;
    this.commit = new GroupCommit(file.toString());
  }

  /**
   * Opens {@code file} for positional reads and writes.
   *
   * <p>The options are those of {@link FileChannel#open(Path, OpenOption...)}, with three
   * differences. If no {@link StandardOpenOption} is given the file is opened with {@code CREATE},
   * {@code READ} and {@code WRITE}; otherwise with exactly the standard options given, plus {@code
   * READ} (so {@code open(file, WRITE)} opens an existing file for reading and writing and {@code
   * open(file, READ)} opens it read-only). {@link StandardOpenOption#APPEND} is rejected, because
   * positional writes ignore the position under {@code O_APPEND}; {@link
   * StandardOpenOption#DELETE_ON_CLOSE} is rejected, because the writer must be able to reopen the
   * file after an interrupt. {@link Option#REJECT_OVERLAPS} turns the overlap guard on. Other
   * options, such as {@link LinkOption#NOFOLLOW_LINKS} or {@code SYNC}, are passed on.
   *
   * @param file the file
   * @param options how to open it
   * @return the writer, owning its descriptors until {@link #close()}
   * @throws IllegalArgumentException if {@code options} contains {@code APPEND} or {@code
   *     DELETE_ON_CLOSE}; nothing is opened or created then
   * @throws NullPointerException if {@code file}, {@code options} or an option is null
   * @throws IOException if the file cannot be opened
   */
  public static PositionalWriter open(Path file, OpenOption... options) throws IOException {
    return open(FileOpener.SYSTEM, file, options);
  }

  /** {@link #open(Path, OpenOption...)} with the given opener (a test seam). */
  static PositionalWriter open(FileOpener opener, Path file, OpenOption... options)
      throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(options, "options");
    Set<OpenOption> standard = new HashSet<>();
    Set<OpenOption> other = new HashSet<>();
    List<LinkOption> links = new ArrayList<>();
    boolean rejectOverlaps = false;
    for (OpenOption option : options) {
      Objects.requireNonNull(option, "an element of options is null");
      if (option == StandardOpenOption.APPEND) {
        throw new IllegalArgumentException("APPEND is not supported: positional writes to " + file
            + " would ignore their position under O_APPEND");
      } else if (option == StandardOpenOption.DELETE_ON_CLOSE) {
        throw new IllegalArgumentException("DELETE_ON_CLOSE is not supported: the writer must be"
            + " able to reopen " + file + " after an interrupt closed its channel");
      } else if (option == Option.REJECT_OVERLAPS) {
        rejectOverlaps = true;
      } else if (option instanceof StandardOpenOption) {
        standard.add(option);
      } else {
        if (option instanceof LinkOption link) {
          links.add(link);
        }
        other.add(option);
      }
    }
    if (standard.isEmpty()) {
      standard.add(StandardOpenOption.CREATE);
      standard.add(StandardOpenOption.WRITE);
    }
    standard.add(StandardOpenOption.READ);
    boolean writable = standard.contains(StandardOpenOption.WRITE);

    Set<OpenOption> initial = new HashSet<>(standard);
    initial.addAll(other);
    Set<OpenOption> reopen = new HashSet<>(initial);
    reopen.remove(StandardOpenOption.CREATE);
    reopen.remove(StandardOpenOption.CREATE_NEW);
    reopen.remove(StandardOpenOption.TRUNCATE_EXISTING);
    LinkOption[] linkOptions = links.toArray(new LinkOption[0]);

    FileChannel channel = opener.openChannel(file, initial);
    FileSync sync = null;
    try {
      sync = opener.openSync(file, writable);
      Object key = Files.readAttributes(file, BasicFileAttributes.class, linkOptions).fileKey();
      return new PositionalWriter(file, Set.copyOf(reopen), opener, channel, sync, key,
          linkOptions, writable, rejectOverlaps);
    } catch (IOException | RuntimeException | Error e) {
      closeAfterFailure(channel, e);
      if (sync != null) {
        closeAfterFailure(sync, e);
      }
      throw e;
    }
  }

  /**
   * Writes all remaining bytes of {@code src} to the file, starting at {@code position}, looping
   * over short writes. On return {@code src}'s position equals its limit. Safe to call from any
   * number of threads at once; writes of disjoint ranges do not wait for each other.
   *
   * @param src the bytes to write, from its position to its limit
   * @param position where in the file the first byte goes, at least 0
   * @throws NullPointerException if {@code src} is null
   * @throws IllegalArgumentException if {@code position} is negative or the range would end past
   *     {@code Long.MAX_VALUE}
   * @throws NonWritableChannelException if the writer was opened without {@code WRITE}
   * @throws OverlappingWriteException with {@link Option#REJECT_OVERLAPS}, if the range overlaps a
   *     write in flight; nothing was written
   * @throws ClosedByInterruptException or {@link InterruptedIOException} if the calling thread is
   *     interrupted; its interrupt status is set and an unspecified prefix may have been written
   * @throws ClosedChannelException if the writer is closed
   * @throws IOException if an I/O error occurs
   */
  public void write(ByteBuffer src, long position) throws IOException {
    Objects.requireNonNull(src, "src");
    checkNotNegative("position", position);
    int length = src.remaining();
    if (position > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException("write of " + length + " bytes at position " + position
          + " would end past Long.MAX_VALUE");
    }
    if (!writable) {
      throw new ReadOnlyWriterException("cannot write: " + file + " was opened without WRITE");
    }
    enter();
    try {
      if (length == 0) {
        return;
      }
      InFlightRanges guard = ranges;
      if (guard != null) {
        guard.register(position, position + length);
      }
      int start = src.position();
      try {
        while (src.hasRemaining()) {
          // The file position comes from the buffer's, on every attempt: a call that throws may
          // still have advanced the buffer, and io() may retry this call.
          io(channel -> channel.write(src, position + (src.position() - start)));
        }
      } finally {
        bytesWritten.add(src.position() - start);
        if (guard != null) {
          guard.release(position);
        }
      }
    } finally {
      exit();
    }
  }

  /**
   * Reads from the file, starting at {@code position}, until {@code dst} is full or the end of the
   * file is reached.
   *
   * @param dst where the bytes go, from its position to its limit
   * @param position where in the file to start, at least 0
   * @return the number of bytes read, possibly 0 if {@code dst} had none remaining, or -1 if
   *     {@code position} is at or past the end of the file
   * @throws NullPointerException if {@code dst} is null
   * @throws IllegalArgumentException if {@code position} is negative or {@code dst} is read-only
   * @throws ClosedByInterruptException or {@link InterruptedIOException} if the calling thread is
   *     interrupted; its interrupt status is set
   * @throws ClosedChannelException if the writer is closed
   * @throws IOException if an I/O error occurs
   */
  public int read(ByteBuffer dst, long position) throws IOException {
    Objects.requireNonNull(dst, "dst");
    checkNotNegative("position", position);
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("dst is a read-only buffer");
    }
    enter();
    try {
      if (!dst.hasRemaining()) {
        return 0;
      }
      // No byte of a file lies at or past Long.MAX_VALUE, and the kernel refuses (EINVAL) a read
      // whose range would end past it: read no further than that end.
      long addressable = Long.MAX_VALUE - position;
      if (addressable == 0) {
        return -1;
      }
      int limit = dst.limit();
      if (dst.remaining() > addressable) {
        dst.limit(dst.position() + (int) addressable);
      }
      int start = dst.position();
      try {
        while (dst.hasRemaining()) {
          if (io(channel -> channel.read(dst, position + (dst.position() - start))) < 0) {
            break;
          }
        }
      } finally {
        dst.limit(limit);
      }
      int total = dst.position() - start;
      return total == 0 ? -1 : total;
    } finally {
      exit();
    }
  }

  /**
   * Returns the current size of the file.
   *
   * @return the size of the file in bytes
   * @throws ClosedChannelException if the writer is closed
   * @throws IOException if an I/O error occurs or the caller is interrupted
   */
  public long size() throws IOException {
    enter();
    try {
      return io(FileChannel::size);
    } finally {
      exit();
    }
  }

  /**
   * Truncates the file to {@code size} bytes if it is larger; does nothing otherwise.
   *
   * @param size the new size, at least 0
   * @throws IllegalArgumentException if {@code size} is negative
   * @throws NonWritableChannelException if the writer was opened without {@code WRITE}
   * @throws ClosedChannelException if the writer is closed
   * @throws IOException if an I/O error occurs or the caller is interrupted
   */
  public void truncate(long size) throws IOException {
    checkNotNegative("size", size);
    if (!writable) {
      throw new ReadOnlyWriterException("cannot truncate: " + file + " was opened without WRITE");
    }
    enter();
    try {
      io(channel -> channel.truncate(size));
    } finally {
      exit();
    }
  }

  /**
   * Returns the number of bytes transferred to the file by {@link #write} so far, including those
   * a failed write transferred before it failed. Each write adds its bytes when it returns or
   * fails, so the sum is exact when no write is in progress.
   *
   * @return the number of bytes written
   */
  public long bytesWritten() {
    return bytesWritten.sum();
  }

  /**
   * Makes every write that returned before this call durable: returns normally only once an fsync
   * that began after this call began has succeeded. Concurrent callers share fsyncs (group
   * commit): callers arriving while one runs wait for it and then share the next one.
   *
   * @param metaData whether file metadata must be flushed too; on the default file system a full
   *     fsync is done either way
   * @throws IOException if the fsync covering this call failed, or an earlier fsync failed (the
   *     writer refuses to force from then on; the cause is the original failure)
   * @throws InterruptedIOException if the caller's interrupt status is set when it calls, or it is
   *     interrupted while waiting for another caller's fsync; the interrupt status stays set. A
   *     caller interrupted while running the fsync itself finishes it and returns normally, its
   *     interrupt status set.
   * @throws ClosedChannelException if the writer is closed
   */
  public void force(boolean metaData) throws IOException {
    enter();
    try {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted before force() of " + file);
      }
      commit.commit(() -> sync.sync(metaData));
    } finally {
      exit();
    }
  }

  /**
   * Closes the writer: new operations throw {@link ClosedChannelException} from now on; waits
   * until the operations in flight have finished, then closes the file. Idempotent: a later or
   * concurrent call waits for the same completion and returns normally.
   *
   * @throws InterruptedIOException if interrupted while waiting for operations in flight; the
   *     interrupt status is set, and the writer is still closed when they finish
   * @throws IOException if closing a descriptor failed (reported to the first caller only)
   */
  @Override
  public void close() throws IOException {
    boolean first = gate.close();
    try {
      gate.drained().await();
    } catch (SignalFailedException e) {
      // terminate() catches the IOExceptions of closing; anything else is a bug or an Error
      throw new IOException("closing " + file + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException x = new InterruptedIOException("interrupted while closing " + file
          + " (waiting for operations in flight; it closes when they finish)");
      x.initCause(e);
      throw x;
    }
    IOException failure = closeFailure;
    if (first && failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "PositionalWriter[" + file + (ranges != null ? ", rejecting overlaps" : "")
        + (gate.isClosed() ? ", closed" : "") + "]";
  }

  /** Returns how many times an interrupt-closed channel was reopened (for tests). */
  long reopens() {
    return reopens.sum();
  }

  /** Returns how many channel calls were retried after another thread's interrupt (for tests). */
  long retries() {
    return retries.sum();
  }

  /** Returns whether close() has begun (for tests). */
  boolean closing() {
    return gate.isClosed();
  }

  /** Returns how many force callers wait for another caller's fsync (for tests). */
  int forceWaiters() {
    return commit.waiting();
  }

  private void enter() throws ClosedChannelException {
    if (!gate.enter()) {
      throw new ClosedChannelException();
    }
  }

  private void exit() {
    gate.exit();
  }

  /** The gate's ending action: runs exactly once, when the writer is closing and nothing is in flight. */
  private void terminate() {
    IOException failure = null;
    try {
      generation.channel.close();
    } catch (IOException e) {
      failure = e;
    }
    try {
      sync.close();
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    closeFailure = failure; // published to close() callers by the gate's drained latch
  }

  private <T> T io(ChannelCall<T> call) throws IOException {
    Generation g = generation;
    for (;;) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted before I/O on " + file);
      }
      try {
        return call.call(g.channel);
      } catch (ClosedByInterruptException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e;
        }
        // Not this call's interrupt: since JDK 21, Thread.interrupt sets the status before it
        // looks up the channel the thread is blocked on, so an interrupt this thread already saw
        // and cleared can close a channel it entered afterwards. Treat it as another's closure.
        retries.increment();
        g = successor(g);
      } catch (ClosedChannelException e) {
        // AsynchronousCloseException, or a channel already closed: another thread's interrupt.
        if (Thread.currentThread().isInterrupted()) {
          InterruptedIOException x = new InterruptedIOException("interrupted during I/O on " + file);
          x.initCause(e);
          throw x;
        }
        retries.increment();
        g = successor(g);
      }
    }
  }

  private Generation successor(Generation closed) throws IOException {
    Generation now = generation;
    if (now != closed) {
      return now;
    }
    CompletableFuture<Generation> mine = new CompletableFuture<>();
    CompletableFuture<Generation> theirs = closed.successor.compareAndExchange(null, mine);
    if (theirs == null) {
      try {
        Generation next = new Generation(reopen());
        generation = next;
        reopens.increment();
        mine.complete(next);
        return next;
      } catch (IOException | RuntimeException | Error e) {
        closed.successor.set(null);
        mine.completeExceptionally(e);
        throw e;
      }
    }
    try {
      return theirs.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException x = new InterruptedIOException(
          "interrupted while waiting for " + file + " to be reopened");
      x.initCause(e);
      throw x;
    } catch (ExecutionException e) {
      throw new IOException("reopening " + file + " after an interrupt closed its channel failed",
          e.getCause());
    }
  }

  private FileChannel reopen() throws IOException {
    FileChannel channel = opener.openChannel(file, reopenOptions);
    try {
      Object key = Files.readAttributes(file, BasicFileAttributes.class, linkOptions).fileKey();
      if (!Objects.equals(key, fileKey)) {
        throw new IOException("refusing to reopen " + file
            + ": it is no longer the file that was opened (file key " + fileKey + ", now " + key + ")");
      }
      return channel;
    } catch (IOException | RuntimeException | Error e) {
      closeAfterFailure(channel, e);
      throw e;
    }
  }

  private static void checkNotNegative(String what, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must not be negative: " + value);
    }
  }

  private static void closeAfterFailure(Closeable closeable, Throwable failure) {
    try {
      closeable.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
