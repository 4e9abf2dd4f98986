package dev.latchwork.jcstress.writer;

import dev.latchwork.writer.ChunkLayout;
import dev.latchwork.writer.ChunkWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One tiny chunk write per jcstress state: a RAW layout of two one-byte chunks in a temporary
 * directory shared by all states of the run, with chunk 0 already written. Every state uses its
 * own target name; {@link #cleanUp()} deletes whatever the state left behind.
 *
 * <p>jcstress builds thousands of states per iteration, and creating a writer forces its
 * checkpoint and its directory. The directory is therefore on tmpfs ({@code /dev/shm}) when the
 * machine has one, where a force costs nothing; the races under test are the same.
 */
final class WriterFixture {
  private static final Path DIR = createDir();
  private static final AtomicLong NAMES = new AtomicLong();
  private static final ChunkLayout LAYOUT = ChunkLayout.raw(1, 2);
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  final Path target;
  final ChunkWriter writer;

  WriterFixture(boolean writeBoth) {
    target = DIR.resolve("t" + NAMES.incrementAndGet());
    try {
      writer = noBackground(target).create(LAYOUT);
      writer.write(0, ByteBuffer.wrap(new byte[] {'a'}));
      if (writeBoth) {
        writer.write(1, ByteBuffer.wrap(new byte[] {'b'}));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An unfinished write with chunk 0 recorded, its writer closed: ready to be resumed. */
  static WriterFixture closedWithFirstChunk() {
    WriterFixture f = new WriterFixture(false);
    try {
      f.writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return f;
  }

  /** Resumes the unfinished write of this state. */
  ChunkWriter resume() throws IOException {
    return noBackground(target).resume();
  }

  /** Aborts the given writers (nulls ignored), then cleans up as {@link #cleanUp()}. */
  void cleanUp(ChunkWriter... others) {
    try {
      for (ChunkWriter w : others) {
        if (w != null) {
          w.abort();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    cleanUp();
  }

  /** Writes chunk 1; true if the write returned normally, false if refused with ISE. */
  boolean writeLast() {
    try {
      writer.write(1, ByteBuffer.wrap(new byte[] {'b'}));
      return true;
    } catch (IllegalStateException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True if the target holds exactly the complete payload. */
  boolean targetComplete() {
    try {
      return Files.exists(target) && new String(Files.readAllBytes(target), java.nio.charset.StandardCharsets.US_ASCII).equals("ab");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True if neither the temporary file nor the checkpoint of this state exists. */
  boolean noTemporaryFiles() {
    String name = target.getFileName().toString();
    return !Files.exists(target.resolveSibling("." + name + ".lwpart"))
        && !Files.exists(target.resolveSibling("." + name + ".lwckpt"));
  }

  /** Ends the writer if the harness left it open and deletes every file of this state. */
  void cleanUp() {
    try {
      writer.abort();
      String name = target.getFileName().toString();
      Files.deleteIfExists(target);
      Files.deleteIfExists(target.resolveSibling("." + name + ".lwpart"));
      Files.deleteIfExists(target.resolveSibling("." + name + ".lwckpt"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path createDir() {
    try {
      Path shm = Path.of("/dev/shm");
      Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "latchwork-jcstress-writer")
          : Files.createTempDirectory("latchwork-jcstress-writer");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteAll(dir), "latchwork-jcstress-writer-cleanup"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteAll(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      System.err.println("latchwork jcstress: could not delete " + dir + ": " + e);
    }
  }
}
