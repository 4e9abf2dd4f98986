package dev.latchwork.core.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;

/**
 * The recovery scan of a {@link RecordLog}: reads the records after the header in blocks, hands
 * each one whose checksum matches to the {@link RecordLog.Recovery}, and stops at the first that
 * is short, fails its checksum, has an impossible length or is rejected. Confined to the thread
 * that opens the log.
 *
 * @param end the file offset just after the last valid record: where the log is cut
 * @param records the number of valid records handed over
 */
record RecordScan(long end, long records) {

  /**
   * Scans {@code f} from {@code from} to {@code size}.
   *
   * @return where the valid records end and how many there are
   */
  static RecordScan scan(RandomAccessFile f, RecordLog.Framing framing, long from, long size, RecordLog.Recovery recovery)
      throws IOException {
    int prefix = framing.isFixed() ? 0 : 4;
    Window w = new Window(f, size, Math.max(64 * 1024, framing.maxLength() + 8));
    long at = from;
    long records = 0;
    for (;;) {
      if (!w.ensure(at, prefix == 0 ? framing.recordLength() + 4 : 4)) {
        break; // end of file, or a short record: torn tail
      }
      int length = prefix == 0 ? framing.recordLength() : w.intAt(at);
      if (length < 0 || length > framing.maxLength()) {
        break;
      }
      int total = prefix + length + 4;
      if (!w.ensure(at, total)) {
        break;
      }
      int off = w.offset(at);
      int stored = w.intAt(at + prefix + length);
      if (stored != (Crc32c.of(w.bytes, off, prefix + length) ^ framing.salt())) {
        break;
      }
      if (!recovery.record(ByteBuffer.wrap(w.bytes, off + prefix, length).slice().asReadOnlyBuffer())) {
        break;
      }
      records++;
      at += total;
    }
    return new RecordScan(at, records);
  }

  /** A window of the file being recovered, read in blocks. */
  private static final class Window {
    final byte[] bytes;
    private final RandomAccessFile file;
    private final long size;
    private long start; // file offset of bytes[0]
    private int length; // valid bytes

    Window(RandomAccessFile file, long size, int capacity) {
      this.file = file;
      this.size = size;
      this.bytes = new byte[capacity];
    }

    /** Makes {@code n <= capacity} bytes from {@code at} available; false if the file ends first. */
    boolean ensure(long at, int n) throws IOException {
      if (at + n > size) {
        return false;
      }
      if (at < start || at + n > start + length) {
        start = at;
        length = (int) Math.min(bytes.length, size - at);
        file.seek(at);
        file.readFully(bytes, 0, length);
      }
      return true;
    }

    int offset(long at) {
      return (int) (at - start);
    }

    int intAt(long at) {
      return ByteBuffer.wrap(bytes, offset(at), 4).getInt();
    }
  }
}
