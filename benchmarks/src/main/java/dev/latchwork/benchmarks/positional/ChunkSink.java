package dev.latchwork.benchmarks.positional;

import dev.latchwork.core.PositionalWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Many threads writing chunks at positions of one file: latchwork's {@link PositionalWriter} (with
 * and without its overlap guard) and the two designs it replaces. {@link #write} may return before
 * the bytes reach the file (the queue design hands them over); {@link #awaitWritten} returns once
 * every accepted write is in the file, and each benchmark operation ends with it.
 */
abstract class ChunkSink implements AutoCloseable {
  abstract void write(ByteBuffer src, long position) throws IOException;

  void awaitWritten() throws IOException {}

  @Override
  public abstract void close() throws IOException;

  static ChunkSink open(String impl, Path file) throws IOException {
    return switch (impl) {
      case "latchwork" -> new Latchwork(PositionalWriter.open(file));
      case "latchworkOverlapGuard" -> {
        yield new Latchwork(
            PositionalWriter.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                PositionalWriter.Option.REJECT_OVERLAPS));
      }
      case "mutexSeekWrite" -> new MutexSeekWrite(file);
      case "queueWriterThread" -> new QueueWriterThread(file);
      default -> {
        throw new IllegalArgumentException(
            "impl must be latchwork, latchworkOverlapGuard, mutexSeekWrite or queueWriterThread,"
                + " not "
                + impl);
      }
    };
  }

  static FileChannel openChannel(Path file) throws IOException {
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Writes all of {@code src} at {@code position} with positional writes (pwrite). */
  static void writeFully(FileChannel channel, ByteBuffer src, long position) throws IOException {
    long at = position;
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  private static final class Latchwork extends ChunkSink {
    private final PositionalWriter writer;

    Latchwork(PositionalWriter writer) {
      this.writer = writer;
    }

    @Override
    void write(ByteBuffer src, long position) throws IOException {
      writer.write(src, position);
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }

  /** The replaced design: one lock around "seek, then write" on a shared channel. */
  private static final class MutexSeekWrite extends ChunkSink {
    private final ReentrantLock lock = new ReentrantLock();
    private final FileChannel channel;

    MutexSeekWrite(Path file) throws IOException {
      channel = openChannel(file);
    }

    @Override
    void write(ByteBuffer src, long position) throws IOException {
      lock.lock();
      try {
        channel.position(position);
        while (src.hasRemaining()) {
          channel.write(src);
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * The other replaced design: workers hand (buffer, position) to a bounded queue and one writer
   * thread does all the I/O. Workers do not wait for their own write (the best case for this
   * design); {@link #awaitWritten} queues a marker and waits for the writer to reach it.
   */
  private static final class QueueWriterThread extends ChunkSink {
    private static final ByteBuffer STOP = ByteBuffer.allocate(0);

    @SuppressWarnings("ReferenceEquality") // STOP is an identity sentinel, not a value
    private static boolean isStop(ByteBuffer src) {
      return src == STOP;
    }

    private final FileChannel channel;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(64);
    private final Thread writer;
    private volatile IOException failure;

    private static final class Request {
      final ByteBuffer src;
      final long position;
      final CompletableFuture<Void> marker;

      Request(ByteBuffer src, long position, CompletableFuture<Void> marker) {
        this.src = src;
        this.position = position;
        this.marker = marker;
      }
    }

    QueueWriterThread(Path file) throws IOException {
      channel = openChannel(file);
      writer = new Thread(this::drain, "queue-writer");
      writer.setDaemon(true);
      writer.start();
    }

    private void drain() {
      try {
        while (true) {
          Request r = queue.take();
          if (r.marker != null) {
            r.marker.complete(null);
          } else if (isStop(r.src)) {
            return;
          } else if (failure == null) {
            try {
              writeFully(channel, r.src, r.position);
            } catch (IOException e) {
              failure = e;
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void put(Request r) throws IOException {
      try {
        queue.put(r);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while queueing a write");
      }
    }

    @Override
    void write(ByteBuffer src, long position) throws IOException {
      put(new Request(src, position, null));
    }

    @Override
    void awaitWritten() throws IOException {
      CompletableFuture<Void> marker = new CompletableFuture<>();
      put(new Request(null, 0, marker));
      try {
        marker.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the writer thread");
      } catch (ExecutionException e) {
        throw new IllegalStateException("the marker is never failed", e);
      }
      IOException f = failure;
      if (f != null) {
        throw new IOException("the writer thread failed", f);
      }
    }

    @Override
    public void close() throws IOException {
      put(new Request(STOP, 0, null));
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel.close();
    }
  }
}
