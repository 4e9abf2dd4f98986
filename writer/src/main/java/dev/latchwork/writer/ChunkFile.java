package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import dev.latchwork.core.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A reader of {@link ChunkLayout.Format#FRAMED FRAMED} files written by {@link ChunkWriter}.
 * {@link #open} validates the header and footer (magic, version, checksums, sizes); {@link
 * #readChunk} checks each chunk against its CRC32C as it reads it; {@link #verify()} checks the
 * whole file. Anything truncated, corrupted or foreign is reported with a {@link
 * CorruptChunkFileException} whose message says what is wrong and where.
 *
 * <p>A {@code ChunkFile} is safe for use by multiple threads: reads are positional. As with any
 * {@link FileChannel}, interrupting a thread blocked in a read closes the file for all threads.
 */
public final class ChunkFile implements Closeable {
  /*
   * Implementation notes.
   *
   * open() reads the header, derives the exact file size from its layout (header + payload +
   * footer), rejects a file of any other size (truncated, or with trailing bytes), then decodes
   * the footer, which must agree with the header and with itself: its payload CRC must equal the
   * combination of its chunk CRCs. After that only the chunk bytes remain unchecked; they are
   * checked as they are read. The footer's CRCs are held in memory (4 bytes per chunk).
   */

  private final Path path;
  private final FileChannel channel;
  private final ChunkLayout layout;
  private final int[] chunkCrcs;
  private final int payloadCrc;
  private final Tracer tracer;

  private ChunkFile(Path path, FileChannel channel, ChunkLayout layout, FramedFormat.Footer footer, Tracer tracer) {
    this.path = path;
    this.channel = channel;
    this.layout = layout;
    this.chunkCrcs = footer.chunkCrcs();
    this.payloadCrc = footer.payloadCrc();
    this.tracer = tracer;
  }

  /**
   * Opens and validates a FRAMED chunk file.
   *
   * @param path the file
   * @return the open file
   * @throws CorruptChunkFileException if the file is truncated, has trailing bytes, a bad magic,
   *     an unsupported version, or a header or footer that fails its checksum or disagrees
   * @throws IOException if the file cannot be read
   */
  public static ChunkFile open(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    Tracer tracer = Tracer.forInstance(ChunkFile.class);
    try (Tracer.Span span = tracer.enter("open", "path", path).failUnlessOk()) {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      try {
        long size = ch.size();
        ByteBuffer header = FileIo.readAt(ch, FramedFormat.HEADER_SIZE, 0);
        if (header.remaining() < FramedFormat.HEADER_SIZE) {
          throw FramedFormat.corrupt(path, "chunk file", "truncated file: " + size + " bytes, shorter than the "
              + FramedFormat.HEADER_SIZE + "-byte header");
        }
        ChunkLayout layout = FramedFormat.decodeHeader(header, FramedFormat.FILE_MAGIC, "chunk file", path);
        long expected = layout.fileSize();
        if (size < expected) {
          throw FramedFormat.corrupt(path, "chunk file", "truncated file: " + size + " bytes, expected " + expected + " for " + layout);
        }
        if (size > expected) {
          throw FramedFormat.corrupt(path, "chunk file", (size - expected) + " unexpected trailing bytes: " + size
              + " bytes, expected " + expected + " for " + layout);
        }
        ByteBuffer footer = FileIo.readAt(
            ch, (int) FramedFormat.footerSize(layout.chunkCount()), layout.dataOffset() + layout.payloadSize());
        return span.ok(new ChunkFile(path, ch, layout, FramedFormat.decodeFooter(footer, layout, path), tracer));
      } catch (IOException | RuntimeException e) {
        FileIo.closeQuietly(ch, e);
        throw e;
      }
    }
  }

  /**
   * The file's layout (always {@link ChunkLayout.Format#FRAMED}).
   *
   * @return the layout
   */
  public ChunkLayout layout() {
    return layout;
  }

  /**
   * The number of chunks.
   *
   * @return the chunk count
   */
  public long chunkCount() {
    return chunkCrcs.length;
  }

  /**
   * The payload size in bytes.
   *
   * @return the payload size
   */
  public long payloadSize() {
    return layout.payloadSize();
  }

  /**
   * The CRC32C of the whole payload, as recorded in the footer.
   *
   * @return the payload's CRC32C
   */
  public int payloadCrc32c() {
    return payloadCrc;
  }

  /**
   * The CRC32C of chunk {@code index}, as recorded in the footer.
   *
   * @param index the chunk index
   * @return the chunk's CRC32C
   * @throws IndexOutOfBoundsException if {@code index} is out of range
   */
  public int chunkCrc32c(long index) {
    layout.chunkLength(index);
    return chunkCrcs[(int) index];
  }

  /**
   * The path this file was opened from.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  /**
   * Reads chunk {@code index} into {@code dst} and checks it against its CRC32C. On success the
   * buffer's position advances by the chunk's length; on failure it is unchanged (its content
   * after the position is unspecified).
   *
   * @param index the chunk index
   * @param dst where the chunk goes, with room for its length
   * @return the chunk's length
   * @throws IndexOutOfBoundsException if {@code index} is out of range
   * @throws IllegalArgumentException if {@code dst} has less room than the chunk's length
   * @throws CorruptChunkFileException if the chunk does not match its checksum
   */
  public int readChunk(long index, ByteBuffer dst) throws IOException {
    Objects.requireNonNull(dst, "dst");
    try (Tracer.Span span = tracer.enter("readChunk", "index", index, "room", dst.remaining()).failUnlessOk()) {
      int len = layout.chunkLength(index);
      if (dst.remaining() < len) {
        throw new IllegalArgumentException("chunk " + index + " of " + path + " is " + len
            + " bytes, the buffer has room for " + dst.remaining());
      }
      int start = dst.position();
      ByteBuffer window = dst.duplicate();
      window.limit(start + len);
      readFully(window, index);
      window.flip().position(start);
      checkChunk(index, window);
      dst.position(start + len);
      return span.ok(len);
    }
  }

  /**
   * Reads the whole file and checks every chunk against its CRC32C (the footer's payload CRC was
   * checked against the chunk CRCs by {@link #open}).
   *
   * @throws CorruptChunkFileException naming the first chunk that does not match
   */
  public void verify() throws IOException {
    try (Tracer.Span span = tracer.enter("verify", "path", path).failUnlessOk()) {
      ByteBuffer buf = ByteBuffer.allocate(layout.chunkSize());
      for (long i = 0; i < chunkCrcs.length; i++) {
        buf.clear().limit(layout.chunkLength(i));
        readFully(buf, i);
        buf.flip();
        checkChunk(i, buf);
      }
      span.ok();
    }
  }

  private void checkChunk(long index, ByteBuffer bytes) throws CorruptChunkFileException {
    int actual = Crc32c.of(bytes);
    int stored = chunkCrcs[(int) index];
    if (actual != stored) {
      throw FramedFormat.corrupt(path, "chunk file", "chunk " + index + " checksum mismatch (stored "
          + FramedFormat.hex(stored) + ", computed " + FramedFormat.hex(actual) + ")");
    }
  }

  private void readFully(ByteBuffer dst, long index) throws IOException {
    long at = layout.chunkOffset(index);
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      if (n < 0) {
        throw FramedFormat.corrupt(path, "chunk file", "truncated file: end of file inside chunk " + index);
      }
      at += n;
    }
  }

  /** Closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "ChunkFile[" + path + ", " + layout + "]";
  }
}
