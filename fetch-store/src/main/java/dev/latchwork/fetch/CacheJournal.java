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
import java.util.concurrent.locks.ReentrantLock;

/**
 * The durable state of a {@link FetchCache}'s directory: which entries exist (key, object size,
 * version tag, part size) and which of their parts are present, with each part's CRC32C, kept in
 * an append-only {@link RecordLog} whose records carry their own checksum and are forced in group
 * commits. The directory is owned by one cache at a time through an {@link ExclusiveFile} lock on
 * {@code cache.lock} (not on the journal, so that the journal can be compacted, rewritten and
 * renamed into place, when the cache opens).
 *
 * <p>Thread-safe: the record methods may be called from any number of threads; each returns once
 * its record is durable, or throws if it may not be. A write that fails (a full disk) fails the
 * records it carried, not the journal: the next record reopens the log and goes on.
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
   *
   * A failed write or fsync leaves the RecordLog refusing every later force (its batch may be
   * half written). Every caller whose record was not forced got the failure, so nothing it
   * reported durable is missing; but a cache must keep working once the disk has room again. So
   * the first record after a failure closes the broken log and reopens the file, which cuts off
   * the torn tail and keeps the valid records before it, then appends to the new log. Records
   * of the failed batch that survive as valid are facts that already held when they were
   * appended (an entry created, a part durable, an entry removed), so keeping them is harmless
   * even though their callers were told they failed. One thread reopens (`reopening`, without
   * holding `state` across the I/O); records that come meanwhile fail, as during the failure.
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
  private final Path path;
  private final Collection<Entry> recovered;
  private final long nextId;
  private final long droppedBytes;
  /** Guards the fields below; never held across I/O. */
  private final ReentrantLock state = new ReentrantLock();
  private RecordLog log;
  /** The last write or fsync of {@link #log} failed: it must be reopened before the next record. */
  private IOException broken;
  private boolean reopening;
  private boolean closed;

  private CacheJournal(ExclusiveFile lock, RecordLog log, Collection<Entry> recovered, long nextId,
      long droppedBytes) {
    this.lock = lock;
    this.path = log.path();
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

  private static RecordLog reopen(Path journal) throws IOException {
    return RecordLog.open(journal, FRAMING, HEADER_LENGTH, new Recovery(new HashMap<>(),
        new long[1]));
  }

  private static RecordLog compact(Path dir, Path journal, List<Entry> entries)
      throws IOException {
    Path fresh = dir.resolve(JOURNAL_FILE + ".new");
    try {
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
    } catch (IOException | RuntimeException | Error e) {
      // A full disk, say: the old journal is intact, and the half-written copy must not stay.
      try {
        Files.deleteIfExists(fresh);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    FileOps.syncDirectory(dir);
    return reopen(journal);
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
    commit(entryRecord(id, key, object, partSize));
  }

  /** Records a present part (whose bytes are already durable); returns once it is durable. */
  void part(long id, int part, int crc) throws IOException {
    commit(partRecord(id, part, crc));
  }

  /** Records that an entry is gone; returns once the record is durable. */
  void remove(long id) throws IOException {
    commit(ByteBuffer.allocate(9).put(REMOVE).putLong(id).flip());
  }

  /**
   * Appends {@code record} and forces it, reopening the log first if its last write failed.
   *
   * @throws IOException if the record may not be durable: its write failed, the log is being
   *     reopened after a failure or cannot be reopened, or the journal is closed
   */
  private void commit(ByteBuffer record) throws IOException {
    RecordLog l = usableLog();
    try {
      l.append(record);
      l.force();
    } catch (IOException e) {
      state.lock();
      try {
        if (log == l && broken == null) {
          broken = e;
        }
      } finally {
        state.unlock();
      }
      throw e;
    } catch (IllegalStateException e) {
      // l was closed under this append: by close(), or by a reopen after another's failure.
      throw new IOException("the cache journal " + path + " was closed or reopened", e);
    }
  }

  /** The log to append to; reopens a broken one (on this thread, if no other already does). */
  private RecordLog usableLog() throws IOException {
    RecordLog broke;
    IOException cause;
    state.lock();
    try {
      if (closed) {
        throw new IOException("the cache journal " + path + " is closed");
      }
      if (broken == null) {
        return log;
      }
      if (reopening) {
        throw new IOException("the cache journal " + path + " is being reopened after a failed"
            + " write", broken);
      }
      reopening = true;
      broke = log;
      cause = broken;
    } finally {
      state.unlock();
    }
    RecordLog fresh = null;
    IOException failed = null;
    try {
      broke.close();
      fresh = reopen(path);
    } catch (IOException e) {
      e.addSuppressed(cause);
      failed = e;
    }
    RecordLog orphan = null;
    state.lock();
    try {
      reopening = false;
      if (fresh != null && closed) {
        orphan = fresh; // close() came while this reopened: it could not close the new log
      } else if (fresh != null) {
        log = fresh;
        broken = null;
      }
    } finally {
      state.unlock();
    }
    if (orphan != null) {
      orphan.close();
      throw new IOException("the cache journal " + path + " is closed");
    }
    if (failed != null) {
      throw new IOException("the cache journal " + path + " cannot be reopened after a failed"
          + " write", failed);
    }
    return fresh;
  }

  /** Closes the journal and releases the directory. */
  @Override
  public void close() throws IOException {
    RecordLog l;
    state.lock();
    try {
      closed = true;
      l = reopening ? null : log; // a reopen in progress closes what it opens
    } finally {
      state.unlock();
    }
    try {
      if (l != null) {
        l.close();
      }
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
