package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.SignalFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries of a {@link FetchCache} and the disk budget they share: which key maps to which
 * entry, how many handles hold each, least-recently-used order ({@link CacheEntries}), and the
 * bytes counted against {@code maxBytes} ({@link CacheAccounting}). Space for a part is reserved before the part is fetched, so the bytes counted
 * never exceed the budget; when a reservation does not fit, unused entries are evicted in LRU
 * order, and when nothing can be evicted the fetch waits for space (woken when a handle closes,
 * a reservation is given back, an entry is deleted, its store stops or the cache closes). A
 * reservation of a part that a stopped store of the same entry is still fetching waits for that
 * fetch to end (woken when it does) and takes the part's space over.
 *
 * <p>Thread-safe. One lock guards the whole index and the entries' mutable fields; it is never
 * held across I/O (deleting a file, writing the journal, reading the file system's free space) or
 * across a wait other than the space condition's.
 */
final class CacheIndex {
  /*
   * Implementation notes.
   *
   * Accounting (see CacheAccounting): `used` counts every entry's present, fetching and dirty
   * parts while its file exists; a reservation only succeeds if used + part <= maxBytes, so used
   * <= maxBytes at every moment. CacheEntries and CacheAccounting have no lock of their own: this
   * class's lock guards them, and the entries' mutable fields, as one state.
   *
   * Prefetches take free space only, first come first served, and neither evict nor wait. So the
   * last free part's worth goes to whichever reservation comes first, which may be the prefetch
   * of a part nobody reads while a reader's part of the same entry is about to reserve: that
   * reader's fetch then waits for space (or evicts) like any urgent one. Nothing takes a granted
   * reservation back; its part is fetched at once and its bytes are the entry's.
   *
   * Eviction: an entry is evictable when no handle holds it and no store generation is current.
   * The evicting thread removes it from the map under the lock (so no open can find it any more),
   * then, without the lock, waits for its last store to have terminated, deletes the file and
   * journals the removal, and only then subtracts its bytes: a reservation never counts space
   * that is still allocated.
   *
   * Two stores of one entry: the last handle's close stops the entry's store, and the next open
   * starts a new one as soon as the old one's file is closed, while the old store's fetch of a
   * part may still be winding down with the part's space reserved (in `fetching`). That fetch
   * ends by completing the part (partPresent) or giving it up (partAbandoned, to `dirty`), and
   * both wake the space waiters: the new store's reservation of the same part waits for that end
   * rather than for space (reserving again would count the part twice, and with a full budget
   * would wait for space that only this part holds), then takes the part's counted space over,
   * whether the part is dirty or already present (the new store began before it was, so it
   * fetches it again, over the same bytes).
   *
   * Open racing eviction of the same key: both decide under the lock. Either the open finds the
   * entry first (handles > 0: the eviction skips it) or the eviction removed it first (the open
   * creates a new entry, with a new id and file, so the deletion of the old file cannot touch
   * it).
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchCache.class);
  /** How often a fetch waiting for file-system free space looks again (nothing signals it). */
  private static final long FREE_SPACE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final Path objects;
  private final CacheJournal journal;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition spaceChanged = lock.newCondition();
  // Guarded by the lock.
  private final CacheEntries entries = new CacheEntries();
  private final CacheAccounting accounting;
  private long nextId;
  private int waitingForSpace;
  private boolean closed;

  CacheIndex(Path objects, CacheJournal journal, long maxBytes, long minFreeBytes) {
    this.objects = objects;
    this.journal = journal;
    this.accounting = new CacheAccounting(objects, maxBytes, minFreeBytes);
    this.nextId = journal.nextId();
  }

  /** Adds an entry recovered from the journal whose file exists; at start-up only. */
  void addRecovered(CacheJournal.Entry r, Path file) {
    CacheEntry e = new CacheEntry(r.id(), r.key(), r.object(), r.partSize(), file);
    e.crcs.putAll(r.crcs());
    e.accounted = e.presentBytes();
    e.recovered = true;
    lock.lock();
    try {
      entries.put(e);
      accounting.add(e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * What {@link #acquire} decided; {@code recovered} says this is the first open of an entry
   * recovered from an earlier run (whose parts count as resumed from now on).
   */
  record Acquired(CacheEntry entry, CacheEntry.Generation generation, boolean starter,
      boolean created, boolean recovered, List<CacheEntry> stale) {}

  /**
   * Takes a handle on the entry of {@code key} for {@code object}, creating the entry if there is
   * none or the cached one is of another version (the old one is removed). The caller that gets
   * {@code starter} must open the generation's store (or fail it); {@code stale} entries must be
   * deleted by the caller.
   */
  Acquired acquire(String key, RangeSource.ObjectInfo object, long partSize)
      throws ClosedStoreException {
    List<CacheEntry> stale = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        throw new ClosedStoreException("open " + key + ": cache closed");
      }
      CacheEntry e = entries.get(key);
      if (e != null && !(e.object.size() == object.size()
          && Objects.equals(e.object.versionTag(), object.versionTag())
          && e.partSize == partSize)) {
        LOG.info("[FetchCache] {} changed ({} -> {}): discarding the cached copy", key, e.object,
            object);
        entries.detach(e, stale);
        e = null;
      }
      boolean created = false;
      boolean recovered = false;
      if (e == null) {
        long id = nextId++;
        e = new CacheEntry(id, key, object, partSize, objects.resolve(id + ".part"));
        entries.put(e);
        created = true;
      } else if (e.recovered) {
        e.recovered = false;
        recovered = true;
        accounting.resumed(e.presentBytes());
      }
      e.handles++;
      boolean starter = e.current == null;
      if (starter) {
        e.current = new CacheEntry.Generation();
      }
      return new Acquired(e, e.current, starter, created, recovered, stale);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The starter of generation {@code g} of {@code e} failed: the next open starts a new one, and
   * an entry this open created is removed (it may never have been journaled).
   */
  void abandon(CacheEntry e, CacheEntry.Generation g, boolean created) {
    List<CacheEntry> stale = new ArrayList<>();
    lock.lock();
    try {
      if (e.current == g) {
        e.current = null;
      }
      if (created) {
        entries.detach(e, stale);
      }
    } finally {
      lock.unlock();
    }
    deleteAll(stale);
  }

  /** Evicts unused entries, least recently used first, until the budget holds; at start-up. */
  void trimToBudget() {
    for (;;) {
      CacheEntry victim;
      lock.lock();
      try {
        if (!accounting.overBudget()) {
          return;
        }
        victim = entries.victim(null);
        if (victim == null) {
          return;
        }
        entries.evict(victim);
        accounting.evicted();
      } finally {
        lock.unlock();
      }
      delete(victim);
    }
  }

  /**
   * Gives up a handle (or an open that failed). Returns the store to close if this was the last
   * handle; {@code deleteAfter[0]} says whether the entry must then be deleted.
   */
  FetchStore release(CacheEntry e, boolean[] deleteAfter) {
    lock.lock();
    try {
      e.handles--;
      if (e.handles > 0) {
        return null;
      }
      CacheEntry.Generation g = e.current;
      e.current = null;
      FetchStore store = g == null ? null : g.store;
      if (store != null) {
        e.previous = store;
      }
      deleteAfter[0] = e.removed;
      entries.released(e);
      spaceChanged.signalAll(); // the entry may be evictable now
      return store;
    } finally {
      lock.unlock();
    }
  }

  /** Present parts of {@code e} and their CRC32C, copied. */
  java.util.Map<Integer, Integer> presentParts(CacheEntry e) {
    return locked(() -> new java.util.TreeMap<>(e.crcs));
  }

  /**
   * Forgets recovered parts of {@code e} that failed their re-verification, before its first
   * store starts: they are fetched again and no longer count as resumed. Their bytes stay
   * counted, as dirty parts (the file still holds them), until they are fetched again.
   */
  void dropRecoveredParts(CacheEntry e, List<Integer> parts) {
    lock.lock();
    try {
      for (int p : parts) {
        if (e.crcs.remove(p) != null) {
          e.dirty.add(p);
          accounting.resumed(-e.partLength(p));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** The store of the previous generation of {@code e}, which a new one must wait for. */
  FetchStore previous(CacheEntry e) {
    return locked(() -> e.previous);
  }

  /**
   * Reserves space for part {@code part} of {@code e} before it is fetched: a part a reader
   * waits for ({@code urgent}) evicts unused entries or waits as needed; a prefetch takes free
   * space only. STOPPED if {@code stopped} opened or the cache closed first. {@code waiting} is
   * run, without the lock, once before the first wait for space.
   */
  DownloadHooks.Reservation reserve(CacheEntry e, int part, boolean urgent,
      BroadcastLatch stopped, Runnable waiting) throws InterruptedException {
    long bytes = e.partLength(part);
    boolean tell = false;
    boolean told = false;
    for (;;) {
      if (tell) {
        tell = false;
        told = true;
        waiting.run();
      }
      long usable = accounting.usableSpace();
      CacheEntry victim;
      lock.lock();
      try {
        if (closed || stopped.isOpen() || (e.removed && e.handles == 0)) {
          return DownloadHooks.Reservation.STOPPED;
        }
        if (e.dirty.remove(part) || e.crcs.containsKey(part)) {
          e.fetching.add(part); // its space is still counted
          return DownloadHooks.Reservation.GRANTED;
        }
        if (e.fetching.contains(part)) {
          // A stopped store of this entry still fetches it (see the notes): wait for its end.
          if (!urgent) {
            return DownloadHooks.Reservation.DEFERRED;
          }
          spaceChanged.await();
          continue;
        }
        boolean fits = accounting.fits(bytes);
        boolean free = accounting.leavesFree(usable, bytes);
        if (fits && free) {
          accounting.charge(e, bytes);
          e.fetching.add(part);
          return DownloadHooks.Reservation.GRANTED;
        }
        if (!urgent) {
          return DownloadHooks.Reservation.DEFERRED; // prefetch neither evicts nor waits
        }
        victim = entries.victim(e);
        if (victim == null) {
          if (!told) {
            tell = true; // outside the lock, then look again: space may have come meanwhile
            continue;
          }
          waitingForSpace++;
          try {
            if (free) {
              spaceChanged.await();
            } else {
              spaceChanged.awaitNanos(FREE_SPACE_RECHECK_NANOS);
            }
          } finally {
            waitingForSpace--;
          }
          continue;
        }
        entries.evict(victim);
        accounting.evicted();
      } finally {
        lock.unlock();
      }
      LOG.debug("[FetchCache] evicting {} for part {} of {}", victim, part, e);
      delete(victim);
    }
  }

  /** Part {@code part} of {@code e} is present with CRC32C {@code crc}; its space stays counted. */
  void partPresent(CacheEntry e, int part, int crc) {
    lock.lock();
    try {
      e.fetching.remove(part);
      e.crcs.put(part, crc);
      spaceChanged.signalAll(); // a newer store of the entry may wait for this fetch to end
    } finally {
      lock.unlock();
    }
  }

  /** The fetch of {@code part} ended without it; its bytes stay counted until it completes. */
  void partAbandoned(CacheEntry e, int part) {
    lock.lock();
    try {
      if (e.fetching.remove(part)) {
        e.dirty.add(part);
        spaceChanged.signalAll(); // a newer store of the entry may wait to take the part over
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes fetches waiting for space, so that a stopped store's fetches see it stopped. */
  void wakeWaiters() {
    lock.lock();
    try {
      spaceChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes {@code e} from the index (its object failed its checksum or changed); if unused, it
   * is deleted once its last store has terminated (now, if it has), else by the close of its last
   * handle. Never waits: the discard comes from a fetch thread of that store, which may hold its
   * file for a part's completion, and so keep it from terminating until this returns.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // for its side effect; delete() logs failures
  void discard(CacheEntry e) {
    List<CacheEntry> stale = new ArrayList<>();
    lock.lock();
    try {
      entries.detach(e, stale);
    } finally {
      lock.unlock();
    }
    for (CacheEntry unused : stale) {
      FetchStore last = previous(unused);
      if (last == null) {
        delete(unused);
      } else {
        last.terminated().toFuture().whenComplete((ignored, failure) -> delete(unused));
      }
    }
  }

  void deleteAll(List<CacheEntry> stale) {
    for (CacheEntry e : stale) {
      delete(e);
    }
  }

  /**
   * Deletes a removed entry's file once its last store has terminated, journals the removal and
   * stops counting its bytes. Failures are logged: the entry's bytes then stay counted (the file
   * may still hold them) and a restart retries.
   */
  void delete(CacheEntry e) {
    FetchStore last = previous(e);
    try {
      if (last != null) {
        last.terminated().await();
      }
    } catch (SignalFailedException ignored) {
      // The store's file could not be disposed of; the entry's file is deleted below anyway.
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      LOG.warn("[FetchCache] interrupted before deleting {}; a restart deletes it", e);
      return;
    }
    try {
      journal.remove(e.id);
      Files.deleteIfExists(e.file);
    } catch (IOException | RuntimeException ex) {
      LOG.warn("[FetchCache] deleting {} ({}) failed; it stays counted", e, e.file, ex);
      return;
    }
    lock.lock();
    try {
      accounting.discharge(e);
      spaceChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Counts a read that found its bytes present ({@code hit}) or had to wait. */
  void countRead(boolean hit) {
    lock.lock();
    try {
      accounting.read(hit);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the index: opens and reservations fail from now on. Returns the stores of the entries,
   * open or closing.
   */
  List<FetchStore> close() {
    List<FetchStore> stores = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      for (CacheEntry e : entries.all()) {
        if (e.current != null && e.current.store != null) {
          stores.add(e.current.store);
        }
        if (e.previous != null) {
          stores.add(e.previous); // closing: its file must be closed before the journal is
        }
      }
      spaceChanged.signalAll();
    } finally {
      lock.unlock();
    }
    return stores;
  }

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  FetchCacheStats stats() {
    return locked(() -> accounting.stats(entries.size()));
  }

  /** Keys of the entries, least recently used first (for tests and toString). */
  List<String> keys() {
    return locked(() -> entries.keys());
  }

  /** Keys of the entries held by a handle right now (for tests). */
  List<String> keysInUse() {
    return locked(() -> entries.keysInUse());
  }

  boolean isRemoved(CacheEntry e) {
    return locked(() -> e.removed);
  }

  int waitingForSpace() {
    return locked(() -> waitingForSpace);
  }

  /** Evaluates {@code read} with the lock held: a consistent read of the guarded state. */
  private <T> T locked(java.util.function.Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return locked(() -> entries.size() + " entries, " + accounting + ", " + waitingForSpace
        + " fetches waiting for space");
  }
}
