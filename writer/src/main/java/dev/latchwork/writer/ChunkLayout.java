package dev.latchwork.writer;

import java.util.Objects;

/**
 * The shape of a chunked file: the chunk size, the total payload size and the file format. The
 * payload is cut into {@link #chunkCount()} chunks of {@link #chunkSize()} bytes; the last chunk
 * is short when the payload size is not a multiple of the chunk size, and an empty payload has no
 * chunks at all.
 *
 * <ul>
 *   <li>{@link Format#FRAMED}: a container: a 64-byte header (magic, format version, chunk size,
 *       chunk count, payload size, header checksum), the chunks, then a footer (the CRC32C of
 *       every chunk, the CRC32C of the whole payload, the counts, a footer checksum). Read it with
 *       {@link ChunkFile}.
 *   <li>{@link Format#RAW}: the file is exactly the payload (for assembling a download or a copy).
 * </ul>
 *
 * <p>Instances are immutable values.
 *
 * @param format the file format
 * @param chunkSize the size of every chunk but possibly the last, in bytes (positive)
 * @param payloadSize the total payload size in bytes (zero or more)
 */
public record ChunkLayout(Format format, int chunkSize, long payloadSize) {

  /** The largest supported chunk count (writers keep a few bytes of state per chunk in memory). */
  public static final long MAX_CHUNK_COUNT = 1L << 24;

  /** The file formats a {@link ChunkWriter} can produce. */
  public enum Format {
    /** Header, chunks, footer with per-chunk and whole-payload CRC32C; see {@link ChunkFile}. */
    FRAMED,
    /** Exactly the payload bytes. */
    RAW
  }

  /**
   * Validates the layout.
   *
   * @param format the file format
   * @param chunkSize the size of every chunk but possibly the last, in bytes
   * @param payloadSize the total payload size in bytes
   * @throws NullPointerException if {@code format} is null
   * @throws IllegalArgumentException if {@code chunkSize} is not positive, {@code payloadSize} is
   *     negative, or the chunk count exceeds {@link #MAX_CHUNK_COUNT}
   */
  public ChunkLayout {
    Objects.requireNonNull(format, "format");
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize must be positive, got " + chunkSize);
    }
    if (payloadSize < 0) {
      throw new IllegalArgumentException("payloadSize must not be negative, got " + payloadSize);
    }
    long count = chunkCount(chunkSize, payloadSize);
    if (count > MAX_CHUNK_COUNT) {
      throw new IllegalArgumentException(
          "too many chunks: payloadSize "
              + payloadSize
              + " with chunkSize "
              + chunkSize
              + " gives "
              + count
              + " chunks, at most "
              + MAX_CHUNK_COUNT
              + " are supported");
    }
  }

  /**
   * A {@link Format#FRAMED} layout; see the constructor for validation.
   *
   * @param chunkSize the size of every chunk but possibly the last, in bytes
   * @param payloadSize the total payload size in bytes
   * @return the layout
   */
  public static ChunkLayout framed(int chunkSize, long payloadSize) {
    return new ChunkLayout(Format.FRAMED, chunkSize, payloadSize);
  }

  /**
   * A {@link Format#RAW} layout; see the constructor for validation.
   *
   * @param chunkSize the size of every chunk but possibly the last, in bytes
   * @param payloadSize the total payload size in bytes
   * @return the layout
   */
  public static ChunkLayout raw(int chunkSize, long payloadSize) {
    return new ChunkLayout(Format.RAW, chunkSize, payloadSize);
  }

  /**
   * The number of chunks: {@code ceil(payloadSize / chunkSize)}, zero for an empty payload.
   *
   * @return the chunk count
   */
  public long chunkCount() {
    return chunkCount(chunkSize, payloadSize);
  }

  /**
   * The length of chunk {@code index}: {@link #chunkSize()}, except for a short last chunk.
   *
   * @param index the chunk index
   * @return the chunk's length in bytes
   * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, chunkCount())}
   */
  public int chunkLength(long index) {
    long count = chunkCount();
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException(
          "chunk index " + index + " out of range [0, " + count + ") for " + this);
    }
    return (int) Math.min(chunkSize, payloadSize - index * chunkSize);
  }

  /** The offset of the payload's first byte in the file. */
  long dataOffset() {
    return format == Format.FRAMED ? FramedFormat.HEADER_SIZE : 0;
  }

  /** The file offset of chunk {@code index} (not validated). */
  long chunkOffset(long index) {
    return dataOffset() + index * chunkSize;
  }

  /** The size of the complete file. */
  long fileSize() {
    return format == Format.FRAMED
        ? FramedFormat.HEADER_SIZE + payloadSize + FramedFormat.footerSize(chunkCount())
        : payloadSize;
  }

  private static long chunkCount(int chunkSize, long payloadSize) {
    return payloadSize / chunkSize + (payloadSize % chunkSize == 0 ? 0 : 1);
  }

  @Override
  public String toString() {
    return format + "[chunkSize=" + chunkSize + ", payloadSize=" + payloadSize + "]";
  }
}
