package dev.latchwork.jcstress.fetch;

import dev.latchwork.fetch.ClosedStoreException;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.RangeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny in-memory {@link RangeSource} for the fetch-store harnesses: every stream holds its first
 * read until the gate completes (normally: serve the bytes; exceptionally: fail permanently) or
 * the stream is closed. Only the public API of the fetch store is used.
 */
final class GatedSource implements RangeSource {
  static final int SIZE = 64;
  private static final byte[] DATA = new byte[SIZE];

  /** Fetch threads shared by every harness state (daemon, so they never keep the VM alive). */
  static final ExecutorService FETCHERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "jcstress-fetch");
    t.setDaemon(true);
    return t;
  });

  /** One directory for every state's temp file; each store deletes its own file. */
  static final Path TEMP_DIR;

  static {
    for (int i = 0; i < SIZE; i++) {
      DATA[i] = (byte) i;
    }
    try {
      TEMP_DIR = Files.createTempDirectory("latchwork-jcstress-fetch");
      TEMP_DIR.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  final CompletableFuture<Void> gate = new CompletableFuture<>();

  /** Opens a store of one part over {@code source} (a gated one). */
  static FetchStore openStore(RangeSource source) {
    try {
      return FetchStore.builder(source).tempDirectory(TEMP_DIR).partSize(SIZE).parallelism(1)
          .executor(FETCHERS).open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates a directory of its own for one harness state's temp file. */
  static Path newStateDirectory() {
    try {
      return Files.createTempDirectory(TEMP_DIR, "state");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a store of one part over an ungated source in {@code dir} and waits until complete. */
  static FetchStore openCompleteStore(Path dir) {
    GatedSource source = new GatedSource();
    source.gate.complete(null);
    try {
      FetchStore store = FetchStore.builder(source).tempDirectory(dir).partSize(SIZE)
          .parallelism(1).executor(FETCHERS).open();
      store.awaitComplete();
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Reads 8 bytes at 8: "DATA" if they are the object's, "CLOSED", or what went wrong. */
  static String readEight(FetchStore store) {
    return read(store, 8, 8);
  }

  /**
   * Reads {@code length} bytes at {@code position}: "DATA" if they are the object's, "CLOSED",
   * or what went wrong.
   */
  static String read(FetchStore store, int position, int length) {
    ByteBuffer buf = ByteBuffer.allocate(length);
    try {
      int n = store.read(buf, position);
      boolean exact = n == length;
      for (int i = 0; i < length && exact; i++) {
        exact = buf.get(i) == DATA[position + i];
      }
      return exact ? "DATA" : "BAD";
    } catch (ClosedStoreException e) {
      return "CLOSED";
    } catch (IOException | InterruptedException | RuntimeException e) {
      return e.toString();
    }
  }

  /** The object's bytes {@code [start, end)}, as a new buffer over them. */
  static ByteBuffer bytes(long start, long end) {
    return ByteBuffer.wrap(DATA, (int) start, (int) (end - start));
  }

  /** Returns true if {@code file} exists and holds exactly the object's bytes. */
  static boolean holdsTheObject(Path file) throws IOException {
    try {
      return Arrays.equals(Files.readAllBytes(file), DATA);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** Deletes {@code dir} and returns true if it is empty; returns false (keeping it) if not. */
  static boolean deleteIfEmpty(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      if (files.findAny().isPresent()) {
        return false;
      }
    }
    Files.delete(dir);
    return true;
  }

  @Override
  public ObjectInfo describe() {
    return new ObjectInfo(SIZE, "v1");
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) {
    return new InputStream() {
      private final CompletableFuture<Void> closed = new CompletableFuture<>();
      private long position = start;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        SourceGate.await(gate, closed);
        if (position >= end) {
          return -1;
        }
        int n = (int) Math.min(len, end - position);
        System.arraycopy(DATA, (int) position, b, off, n);
        position += n;
        return n;
      }

      @Override
      public void close() {
        closed.complete(null);
      }
    };
  }
}
