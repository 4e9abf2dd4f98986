package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache entry's side of its store's download: space is reserved in the {@link CacheIndex},
 * parts made durable are journaled in the {@link CacheJournal}, and an entry whose object failed
 * its checksum or changed is discarded from the index. One instance per store the entry gets.
 *
 * <p>Thread-safe: it holds no state of its own beyond final references; every call goes to the
 * index (which takes its own lock, never held across I/O) or the journal. Called from the store's
 * fetch threads.
 */
final class CacheEntryHooks implements DownloadHooks {
  private static final Logger LOG = LoggerFactory.getLogger(FetchCache.class);

  private final Tracer tracer;
  private final CacheIndex index;
  private final CacheJournal journal;
  private final CacheEntry entry;

  CacheEntryHooks(Tracer tracer, CacheIndex index, CacheJournal journal, CacheEntry entry) {
    this.tracer = tracer;
    this.index = index;
    this.journal = journal;
    this.entry = entry;
  }

  @Override
  public Reservation reserve(int part, boolean urgent, BroadcastLatch stopped,
      Runnable waiting) throws InterruptedException {
    Tracer.Span span = tracer.enter("reserve", "key", entry.key, "part", part);
    try {
      return index.reserve(entry, part, urgent, stopped, waiting);
    } finally {
      span.close();
    }
  }

  @Override
  public void partPresent(int part, int crc) {
    index.partPresent(entry, part, crc);
  }

  @Override
  public void partDurable(int part, int crc) {
    try {
      journal.part(entry.id, part, crc);
    } catch (IOException | IllegalStateException e) {
      // The cache is closing or the journal failed: the part is fetched again after a restart.
      LOG.debug("[FetchCache #{}] journaling part {} of {} failed", tracer.instance(), part,
          entry, e);
    }
  }

  @Override
  public void partAbandoned(int part) {
    index.partAbandoned(entry, part);
  }

  @Override
  public void stopped(Throwable failure) {
    index.wakeWaiters();
    if (failure instanceof ChecksumMismatchException
        || (failure instanceof RangeSourceException r
            && r.kind() == RangeSourceException.Kind.VERSION_CHANGED)) {
      LOG.warn("[FetchCache #{}] discarding {}: {}", tracer.instance(), entry,
          failure.toString());
      index.discard(entry);
    }
  }
}
