package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Encoding and decoding of the FRAMED container's header and footer, and of the layout header a
 * checkpoint starts with (same 64-byte shape, different magic).
 */
final class FramedFormat {
  /*
   * Implementation notes.
   *
   * All integers are big-endian. Header (64 bytes):
   *   [0,8) magic  [8,12) version  [12,16) format code (1 FRAMED, 2 RAW)  [16,20) chunk size
   *   [20,24) zero  [24,32) chunk count  [32,40) payload size  [40,60) zero
   *   [60,64) CRC32C of bytes [0,60)
   * The version is checked before the checksum, so that a future version with a different
   * layout is reported as such rather than as corruption.
   *
   * Footer (at 64 + payload size; 32 + 4 * chunkCount bytes):
   *   [0,8) magic  [8,16) chunk count  [16,24) payload size  [24,28) payload CRC32C
   *   [28,28+4n) CRC32C of chunk i  [then 4) CRC32C of all footer bytes before it
   * The payload CRC must equal the combination of the chunk CRCs; a file whose footer disagrees
   * with itself is corrupt even if its checksum matches.
   */

  static final int HEADER_SIZE = 64;
  static final int VERSION = 1;
  static final byte[] FILE_MAGIC = "LWCHUNKF".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CHECKPOINT_MAGIC = "LWCHUNKC".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FOOTER_MAGIC = "LWFOOTER".getBytes(StandardCharsets.US_ASCII);

  private static final int HEADER_CRC_AT = 60;
  private static final int FOOTER_FIXED = 8 + 8 + 8 + 4;

  private FramedFormat() {}

  /** The footer size for {@code chunkCount} chunks. */
  static long footerSize(long chunkCount) {
    return FOOTER_FIXED + 4 * chunkCount + 4;
  }

  /** A 64-byte header describing {@code layout}, ready to write (position 0, limit 64). */
  static ByteBuffer encodeHeader(byte[] magic, ChunkLayout layout) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
    b.put(magic)
        .putInt(VERSION)
        .putInt(layout.format() == ChunkLayout.Format.FRAMED ? 1 : 2)
        .putInt(layout.chunkSize())
        .putInt(0)
        .putLong(layout.chunkCount())
        .putLong(layout.payloadSize());
    b.putInt(HEADER_CRC_AT, Crc32c.of(b.array(), 0, HEADER_CRC_AT));
    b.clear();
    return b;
  }

  /**
   * Decodes a header written by {@link #encodeHeader}.
   *
   * @param header exactly {@link #HEADER_SIZE} remaining bytes
   * @param what "chunk file" or "checkpoint", for messages
   */
  static ChunkLayout decodeHeader(ByteBuffer header, byte[] magic, String what, Path source)
      throws CorruptChunkFileException {
    if (header.remaining() < HEADER_SIZE) {
      throw corrupt(source, what, "truncated header: " + header.remaining() + " of " + HEADER_SIZE + " bytes");
    }
    byte[] h = new byte[HEADER_SIZE];
    header.get(h);
    ByteBuffer b = ByteBuffer.wrap(h);
    if (!Arrays.equals(h, 0, 8, magic, 0, 8)) {
      throw corrupt(source, what, "bad magic " + printable(h, 0, 8) + ", expected " + printable(magic, 0, 8));
    }
    int version = b.getInt(8);
    if (version != VERSION) {
      throw corrupt(source, what, "unsupported version " + version + ", this reader supports " + VERSION);
    }
    int stored = b.getInt(HEADER_CRC_AT);
    int actual = Crc32c.of(h, 0, HEADER_CRC_AT);
    if (stored != actual) {
      throw corrupt(source, what, "header checksum mismatch (stored " + hex(stored) + ", computed " + hex(actual) + ")");
    }
    int code = b.getInt(12);
    int chunkSize = b.getInt(16);
    long chunkCount = b.getLong(24);
    long payloadSize = b.getLong(32);
    ChunkLayout layout;
    try {
      layout = new ChunkLayout(code == 1 ? ChunkLayout.Format.FRAMED : ChunkLayout.Format.RAW, chunkSize, payloadSize);
    } catch (IllegalArgumentException e) {
      CorruptChunkFileException x = corrupt(source, what, "invalid layout in header: " + e.getMessage());
      x.initCause(e);
      throw x;
    }
    if ((code != 1 && code != 2) || layout.chunkCount() != chunkCount) {
      throw corrupt(source, what, "inconsistent header: format code " + code + ", chunk count " + chunkCount + " for " + layout);
    }
    return layout;
  }

  /** The footer for a complete FRAMED file, ready to write. */
  static ByteBuffer encodeFooter(ChunkLayout layout, int[] chunkCrcs, int payloadCrc) {
    int size = (int) footerSize(chunkCrcs.length);
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(FOOTER_MAGIC).putLong(chunkCrcs.length).putLong(layout.payloadSize()).putInt(payloadCrc);
    for (int crc : chunkCrcs) {
      b.putInt(crc);
    }
    b.putInt(Crc32c.of(b.array(), 0, size - 4));
    b.clear();
    return b;
  }

  /** A decoded footer; owns its array (not a record: records compare arrays by identity). */
  static final class Footer {
    private final int payloadCrc;
    private final int[] chunkCrcs;

    Footer(int payloadCrc, int[] chunkCrcs) {
      this.payloadCrc = payloadCrc;
      this.chunkCrcs = chunkCrcs;
    }

    int payloadCrc() {
      return payloadCrc;
    }

    /** The chunk CRCs; the caller takes ownership of the array. */
    int[] chunkCrcs() {
      return chunkCrcs;
    }
  }

  /** Decodes and cross-checks a footer against the layout from the header. */
  static Footer decodeFooter(ByteBuffer footer, ChunkLayout layout, Path source) throws CorruptChunkFileException {
    long count = layout.chunkCount();
    int size = (int) footerSize(count);
    String what = "chunk file";
    if (footer.remaining() != size) {
      throw corrupt(source, what, "footer is " + footer.remaining() + " bytes, expected " + size);
    }
    byte[] f = new byte[size];
    footer.get(f);
    ByteBuffer b = ByteBuffer.wrap(f);
    if (!Arrays.equals(f, 0, 8, FOOTER_MAGIC, 0, 8)) {
      throw corrupt(source, what, "bad footer magic " + printable(f, 0, 8));
    }
    int stored = b.getInt(size - 4);
    int actual = Crc32c.of(f, 0, size - 4);
    if (stored != actual) {
      throw corrupt(source, what, "footer checksum mismatch (stored " + hex(stored) + ", computed " + hex(actual) + ")");
    }
    if (b.getLong(8) != count || b.getLong(16) != layout.payloadSize()) {
      throw corrupt(source, what, "footer counts (" + b.getLong(8) + " chunks, " + b.getLong(16)
          + " bytes) disagree with the header (" + count + " chunks, " + layout.payloadSize() + " bytes)");
    }
    int payloadCrc = b.getInt(24);
    int[] crcs = new int[(int) count];
    for (int i = 0; i < crcs.length; i++) {
      crcs[i] = b.getInt(FOOTER_FIXED + 4 * i);
    }
    int combined = payloadCrc(layout, crcs);
    if (combined != payloadCrc) {
      throw corrupt(source, what, "payload checksum " + hex(payloadCrc)
          + " disagrees with the chunk checksums (combined " + hex(combined) + ")");
    }
    return new Footer(payloadCrc, crcs);
  }

  /** The CRC32C of the whole payload, combined from the CRCs of its chunks. */
  static int payloadCrc(ChunkLayout layout, int[] chunkCrcs) {
    int crc = 0;
    for (int i = 0; i < chunkCrcs.length; i++) {
      crc = Crc32c.combine(crc, chunkCrcs[i], layout.chunkLength(i));
    }
    return crc;
  }

  static CorruptChunkFileException corrupt(Path source, String what, String problem) {
    return new CorruptChunkFileException(what + " " + source + ": " + problem);
  }

  static String hex(int crc) {
    return String.format("0x%08x", crc);
  }

  private static String printable(byte[] bytes, int from, int to) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = from; i < to; i++) {
      int c = bytes[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c));
      }
    }
    return s.append('"').toString();
  }
}
