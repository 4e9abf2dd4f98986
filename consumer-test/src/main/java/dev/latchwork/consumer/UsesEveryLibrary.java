package dev.latchwork.consumer;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.PositionalWriter;
import dev.latchwork.core.ProgressNotifier;
import dev.latchwork.core.Tracer;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.fetch.PathRangeSource;
import dev.latchwork.writer.ChunkFile;
import dev.latchwork.writer.ChunkLayout;
import dev.latchwork.writer.ChunkWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Uses the public API of each latchwork module from outside them, as a modular application does:
 * compiling this class needs every package it imports to be exported, and running it needs the
 * modules to resolve on the module path.
 */
public final class UsesEveryLibrary {
  private UsesEveryLibrary() {}

  /**
   * Writes {@code payload} through {@link PositionalWriter}, serves it back through a
   * {@link FetchStore}, commits it as a chunk file with {@link ChunkWriter} and reads it back with
   * {@link ChunkFile}, signalling with a {@link BroadcastLatch} and a {@link ProgressNotifier}
   * under a {@link Tracer} span.
   *
   * @param dir an empty directory for the files
   * @param payload the bytes to carry through every module
   * @return the bytes read back from the committed chunk file
   * @throws IOException if a file operation fails
   * @throws InterruptedException if interrupted while waiting
   */
  public static byte[] roundTrip(Path dir, byte[] payload) throws IOException, InterruptedException {
    Tracer tracer = Tracer.forInstance(UsesEveryLibrary.class);
    try (Tracer.Span span = tracer.enter("roundTrip", "bytes", payload.length)) {
      try {
        return throughEveryModule(dir, payload);
      } catch (IOException | InterruptedException | RuntimeException e) {
        span.fail(e);
        throw e;
      }
    }
  }

  private static byte[] throughEveryModule(Path dir, byte[] payload)
      throws IOException, InterruptedException {
    BroadcastLatch written = new BroadcastLatch();
    ProgressNotifier progress = new ProgressNotifier();

    Path source = dir.resolve("source.bin");
    try (PositionalWriter out = PositionalWriter.open(source)) {
      out.write(ByteBuffer.wrap(payload), 0);
      out.force(false);
    }
    progress.advanceTo(payload.length);
    written.open();
    if (!written.await(Duration.ofSeconds(10))
        || progress.awaitAtLeast(payload.length) < payload.length) {
      throw new IllegalStateException("signals did not arrive");
    }

    ByteBuffer fetched = ByteBuffer.allocate(payload.length);
    try (FetchStore store = FetchStore.builder(PathRangeSource.of(source))
        .tempDirectory(dir)
        .open()) {
      store.awaitComplete();
      while (fetched.hasRemaining()) {
        if (store.read(fetched, fetched.position()) < 0) {
          throw new IllegalStateException("store ended early at " + fetched.position());
        }
      }
    }
    fetched.flip();

    Path target = dir.resolve("data.lw");
    ChunkWriter writer = ChunkWriter.create(target, ChunkLayout.framed(1024, payload.length));
    try {
      long chunks = writer.layout().chunkCount();
      for (long index = 0; index < chunks; index++) {
        int from = Math.toIntExact(index * 1024);
        int length = writer.layout().chunkLength(index);
        writer.write(index, fetched.slice(from, length));
      }
      writer.commit();
    } finally {
      writer.abort();
    }

    try (ChunkFile file = ChunkFile.open(target)) {
      file.verify();
      byte[] back = new byte[Math.toIntExact(file.payloadSize())];
      ByteBuffer chunk = ByteBuffer.allocate(file.layout().chunkSize());
      for (long index = 0; index < file.chunkCount(); index++) {
        chunk.clear();
        file.readChunk(index, chunk);
        chunk.flip();
        chunk.get(back, Math.toIntExact(index * 1024), chunk.remaining());
      }
      return back;
    }
  }
}
