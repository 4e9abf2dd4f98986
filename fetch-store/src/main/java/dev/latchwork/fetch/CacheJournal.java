package dev.latchwork.fetch;

import dev.latchwork.core.internal.ExclusiveFile;
import dev.latchwork.core.internal.FileInUseException;
import dev.latchwork.core.internal.FileOps;
import dev.latchwork.core.internal.RecordLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable state of a {@link FetchCache}'s directory: which entries exist (key, object size,
 * version tag, part size) and which of their parts are present, with each part's CRC32C, kept in
 * an append-only {@link RecordLog} whose records carry their own checksum and are forced in group
 * commits. The directory is owned by one cache at a time through an {@link ExclusiveFile} lock on
 * {@code cache.lock} (not on the journal, so that the journal can be compacted, rewritten and
 * renamed into place, when the cache opens).
 *
 * <p>Thread-safe: the record methods may be called from any number of threads; each returns once
 * its record is durable.
 */
final class CacheJournal implements Closeable {
  /*
   * Implementation notes.
   *
   * Records (variable framing, big-endian): ENTRY = type 1, id, size, partSize (longs), key
   * (int length + UTF-8), version tag (int length, -1 for none, + UTF-8); PART = type 2, id (long),
   * part (int), crc (int); REMOVE = type 3, id (long). Ids grow; an entry is live from its ENTRY
   * to its REMOVE. A PART record is appended only after the part's bytes were forced to the
   * entry's file, so a durable PART never points at bytes that a power loss could take back.
   *
   * Recovery replays the records; a second live entry for a key (a crash between a REMOVE and
   * its successor's ENTRY cannot produce one, but a corrupt history might) keeps the newer. The
   * torn tail is RecordLog's business. Compaction writes the live state to journal.new, forces
   * it, renames it over journal and syncs the directory, all while cache.lock is held.
   */

  static final String LOCK_FILE = "cache.lock";
  static final String JOURNAL_FILE = "journal";
  private static final int MAGIC = 0x4c574643; // "LWFC"
  private static final int FORMAT = 1;
  private static final int SALT = 0x4c57464a; // "LWFJ"
  private static final int HEADER_LENGTH = 8;
  /** Longest key, in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 8 << 10;
  /** Longest version tag, in UTF-8 bytes. */
  static final int MAX_TAG_BYTES = 4 << 10;
  private static final RecordLog.Framing FRAMING =
      RecordLog.Framing.variable(40 + MAX_KEY_BYTES + MAX_TAG_BYTES, SALT);
  private static final byte ENTRY = 1;
  private static final byte PART = 2;
  private static final byte REMOVE = 3;

  /** An entry as the journal remembers it; {@code crcs} maps present parts to their CRC32C. */
  record Entry(long id, String key, RangeSource.ObjectInfo object, long partSize,
      Map<Integer, Integer> crcs) {}

  private final ExclusiveFile lock;
  private final RecordLog log;
  private final Collection<Entry> recovered;
  private final long nextId;
  private final long droppedBytes;

  private CacheJournal(ExclusiveFile lock, RecordLog log, Collection<Entry> recovered, long nextId,
      long droppedBytes) {
    this.lock = lock;
    this.log = log;
    this.recovered = recovered;
    this.nextId = nextId;
    this.droppedBytes = droppedBytes;
  }

  /**
   * Locks {@code dir} for this cache, recovers and compacts its journal (creating an empty one if
   * there is none).
   *
   * @throws FileInUseException if another cache holds the directory
   */
  static CacheJournal open(Path dir) throws IOException {
    ExclusiveFile lock = lock(dir.resolve(LOCK_FILE));
    try {
      Path journal = dir.resolve(JOURNAL_FILE);
      Map<Long, Entry> live = new LinkedHashMap<>();
      long[] maxId = {0};
      long dropped = 0;
      if (Files.exists(journal)) {
        RecordLog old = RecordLog.open(journal, FRAMING, HEADER_LENGTH, new Recovery(live, maxId));
        dropped = old.droppedBytes();
        old.close();
      }
      Map<String, Entry> byKey = new HashMap<>();
      for (Entry e : live.values()) {
        Entry other = byKey.get(e.key());
        if (other == null || other.id() < e.id()) {
          byKey.put(e.key(), e);
        }
      }
      List<Entry> entries = new ArrayList<>(byKey.values());
      entries.sort((a, b) -> Long.compare(a.id(), b.id()));
      RecordLog log = compact(dir, journal, entries);
      return new CacheJournal(lock, log, entries, maxId[0] + 1, dropped);
    } catch (IOException | RuntimeException | Error e) {
      try {
        lock.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static ExclusiveFile lock(Path file) throws IOException {
    return ExclusiveFile.acquire(file, true);
  }

  private static RecordLog compact(Path dir, Path journal, List<Entry> entries)
      throws IOException {
    Path fresh = dir.resolve(JOURNAL_FILE + ".new");
    RecordLog log = RecordLog.create(fresh, FRAMING, header());
    try {
      for (Entry e : entries) {
        log.append(entryRecord(e.id(), e.key(), e.object(), e.partSize()));
        for (Map.Entry<Integer, Integer> p : e.crcs().entrySet()) {
          log.append(partRecord(e.id(), p.getKey(), p.getValue()));
        }
      }
      log.force();
    } finally {
      log.close();
    }
    Files.move(fresh, journal, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    FileOps.syncDirectory(dir);
    return RecordLog.open(journal, FRAMING, HEADER_LENGTH, new Recovery(new HashMap<>(),
        new long[1]));
  }

  /** The live entries found when the journal was opened, oldest first. */
  Collection<Entry> recovered() {
    return recovered;
  }

  /** The first id never used by an entry of this directory. */
  long nextId() {
    return nextId;
  }

  /** Bytes of torn or corrupt tail cut off the journal when it was opened. */
  long droppedBytes() {
    return droppedBytes;
  }

  /** Records a new entry; returns once the record is durable. */
  void entry(long id, String key, RangeSource.ObjectInfo object, long partSize)
      throws IOException {
    log.append(entryRecord(id, key, object, partSize));
    log.force();
  }

  /** Records a present part (whose bytes are already durable); returns once it is durable. */
  void part(long id, int part, int crc) throws IOException {
    log.append(partRecord(id, part, crc));
    log.force();
  }

  /** Records that an entry is gone; returns once the record is durable. */
  void remove(long id) throws IOException {
    log.append(ByteBuffer.allocate(9).put(REMOVE).putLong(id).flip());
    log.force();
  }

  /** Closes the journal and releases the directory. */
  @Override
  public void close() throws IOException {
    try {
      log.close();
    } finally {
      lock.close();
    }
  }

  private static ByteBuffer header() {
    return ByteBuffer.allocate(HEADER_LENGTH).putInt(MAGIC).putInt(FORMAT).flip();
  }

  private static ByteBuffer entryRecord(long id, String key, RangeSource.ObjectInfo object,
      long partSize) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = object.versionTag() == null ? null
        : object.versionTag().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 24 + 4 + k.length + 4 + (t == null ? 0 : t.length));
    b.put(ENTRY).putLong(id).putLong(object.size()).putLong(partSize).putInt(k.length).put(k);
    b.putInt(t == null ? -1 : t.length);
    if (t != null) {
      b.put(t);
    }
    return b.flip();
  }

  private static ByteBuffer partRecord(long id, int part, int crc) {
    return ByteBuffer.allocate(17).put(PART).putLong(id).putInt(part).putInt(crc).flip();
  }

  /** Replays records into the live entries. */
  private static final class Recovery implements RecordLog.Recovery {
    private final Map<Long, Entry> live;
    private final long[] maxId;

    Recovery(Map<Long, Entry> live, long[] maxId) {
      this.live = live;
      this.maxId = maxId;
    }

    @Override
    public void header(ByteBuffer header) throws IOException {
      if (header.remaining() < HEADER_LENGTH || header.getInt(0) != MAGIC) {
        throw new IOException("not a latchwork fetch cache journal (bad magic)");
      }
      if (header.getInt(4) != FORMAT) {
        throw new IOException("fetch cache journal format " + header.getInt(4)
            + " is not supported (this version reads " + FORMAT + ")");
      }
    }

    @Override
    public boolean record(ByteBuffer r) {
      try {
        byte type = r.get();
        long id = r.getLong();
        maxId[0] = Math.max(maxId[0], id);
        switch (type) {
          case ENTRY -> {
            long size = r.getLong();
            long partSize = r.getLong();
            String key = string(r, r.getInt());
            int tagLength = r.getInt();
            String tag = tagLength < 0 ? null : string(r, tagLength);
            if (size < 0 || partSize <= 0 || r.hasRemaining()) {
              return false;
            }
            live.put(id, new Entry(id, key, new RangeSource.ObjectInfo(size, tag), partSize,
                new LinkedHashMap<>()));
          }
          case PART -> {
            int part = r.getInt();
            int crc = r.getInt();
            Entry e = live.get(id);
            if (e == null) {
              return !r.hasRemaining(); // of an entry removed, or never made durable: skip it
            }
            if (part < 0 || (long) part * e.partSize() >= e.object().size()) {
              return false;
            }
            e.crcs().put(part, crc);
          }
          case REMOVE -> live.remove(id);
          default -> {
            return false;
          }
        }
        return !r.hasRemaining();
      } catch (RuntimeException e) {
        return false; // a short or malformed record: the log is cut here
      }
    }

    private static String string(ByteBuffer r, int length) {
      if (length < 0 || length > r.remaining()) {
        throw new IllegalArgumentException("bad length " + length);
      }
      byte[] b = new byte[length];
      r.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }
}
