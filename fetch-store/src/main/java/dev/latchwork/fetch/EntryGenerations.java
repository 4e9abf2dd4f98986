package dev.latchwork.fetch;

import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store generations of a {@link FetchCache}'s entries: an open joins the entry's current
 * store, or, if it takes the entry from 0 to 1 handles, starts a new one (journaling a new entry,
 * re-verifying recovered parts if the settings ask, and waiting for the previous generation's
 * store to terminate first); the release of the last handle closes the store, and deletes the
 * entry if it left the index meanwhile.
 *
 * <p>Thread-safe. Which opener starts a generation is decided under the {@link CacheIndex}'s
 * lock ({@link CacheIndex#acquire}); concurrent openers of the same key wait on the generation's
 * ready latch, never under a lock. No lock is held here while a store is opened, closed or waited
 * for.
 */
final class EntryGenerations {
  /*
   * Implementation notes.
   *
   * An entry's store lives from its first handle's open to its last handle's close (a
   * "generation"); the opener that takes an entry from 0 to 1 handles opens the store (after the
   * previous generation's store has terminated, so two stores never write one file), and
   * concurrent openers of the same key wait on the generation's ready latch. An entry's file is
   * named by its id, never reused, so deleting an evicted entry's file cannot touch a newer entry
   * of the same key.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FetchCache.class);

  /** An entry joined and the store its handle reads from. */
  record Joined(CacheEntry entry, FetchStore store) {}

  private final Tracer tracer;
  private final CacheJournal journal;
  private final CacheIndex index;
  private final FetchBudget budget;
  private final Executor executor;
  private final CacheSettings settings;

  EntryGenerations(Tracer tracer, CacheJournal journal, CacheIndex index, FetchBudget budget,
      Executor executor, CacheSettings settings) {
    this.tracer = tracer;
    this.journal = journal;
    this.index = index;
    this.budget = budget;
    this.executor = executor;
    this.settings = settings;
  }

  /**
   * Takes a handle on the entry of {@code key} for {@code object} and starts its store or waits
   * for the one being started; on failure the handle is given up again.
   */
  Joined join(String key, RangeSource source, RangeSource.ObjectInfo object,
      ObjectChecksum checksum) throws IOException {
    CacheIndex.Acquired a = index.acquire(key, object, settings.partSize());
    index.deleteAll(a.stale());
    CacheEntry e = a.entry();
    CacheEntry.Generation g = a.generation();
    if (a.starter()) {
      try {
        g.store = startStore(e, a.created(), a.recovered(), source, object, checksum);
        g.ready.open();
      } catch (IOException | RuntimeException | Error ex) {
        g.ready.fail(ex);
        index.abandon(e, g, a.created());
        release(e);
        throw ex;
      }
      if (index.isClosed()) {
        g.store.close(); // the cache closed while this open started the store
      }
    } else {
      try {
        g.ready.await();
      } catch (SignalFailedException ex) {
        release(e);
        throw new IOException("open " + key + ": starting the download of " + source
            + " failed: " + ex.getCause(), ex.getCause());
      } catch (InterruptedException ex) {
        release(e);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("open " + key + ": interrupted");
      }
    }
    return new Joined(e, g.store);
  }

  /**
   * Starts the entry's store on {@code object}, the description this open got: its size and
   * version are the entry's, and it carries the checksum the source states now (the journal keeps
   * none). {@code recovered}: the entry came from the journal and this is its first store.
   */
  private FetchStore startStore(CacheEntry e, boolean created, boolean recovered,
      RangeSource source, RangeSource.ObjectInfo object, ObjectChecksum checksum)
      throws IOException {
    if (created) {
      journal.entry(e.id, e.key, e.object, e.partSize);
    }
    if (recovered && settings.verifyOnRecovery()) {
      // No store writes the file yet (this open starts the entry's first one) and a held entry
      // is never evicted, so the parts read here are the ones the store will serve.
      List<Integer> damaged = RecoveredParts.damaged(e.file, index.presentParts(e), e.partSize,
          e.object.size());
      if (!damaged.isEmpty()) {
        LOG.warn("[FetchCache #{}] {}: parts {} do not match their journaled CRC32C; fetching"
            + " them again", tracer.instance(), e, damaged);
        index.dropRecoveredParts(e, damaged);
      }
    }
    FetchStore previous = index.previous(e);
    if (previous != null) {
      awaitTerminated(previous); // one store at a time writes the entry's file
    }
    FetchStore.Builder b = FetchStore.builder(source)
        .partSize(e.partSize)
        .parallelism(settings.parallelism())
        .retryPolicy(settings.retryPolicy())
        .readTimeout(settings.readTimeout())
        .minimumRate(settings.minimumRate(), settings.rateWindow())
        .executor(executor)
        .budget(budget)
        .cacheEntry(e.file, object, index.presentParts(e),
            new CacheEntryHooks(tracer, index, journal, e));
    if (checksum != null) {
      b.verify(checksum);
    }
    return b.open();
  }

  private static void awaitTerminated(FetchStore store) throws InterruptedIOException {
    try {
      store.terminated().await();
    } catch (SignalFailedException ignored) {
      // Its file could not be closed cleanly; the new store opens its own channel anyway.
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the previous download to stop");
    }
  }

  /** Gives up one handle on {@code e}; the last one closes the store. */
  void release(CacheEntry e) {
    boolean[] delete = new boolean[1];
    FetchStore store = index.release(e, delete);
    if (store != null) {
      store.close();
    }
    if (delete[0]) {
      index.delete(e);
    }
  }

  /**
   * Closes the index and then every entry's store, open or closing, and waits for each to have
   * terminated: their files must be closed before the journal is and the directory released, so
   * an interrupt does not cut the wait short. Returns whether one came (the caller restores it).
   */
  boolean stopAll() {
    List<FetchStore> stores = index.close();
    for (FetchStore s : stores) {
      s.close();
    }
    boolean interrupted = false;
    for (FetchStore s : stores) {
      for (;;) {
        try {
          s.terminated().await();
          break;
        } catch (SignalFailedException ignored) {
          break;
        } catch (InterruptedException ex) {
          interrupted = true; // the files must be closed before the directory is released
        }
      }
    }
    return interrupted;
  }
}
