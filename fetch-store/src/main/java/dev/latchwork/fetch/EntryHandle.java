package dev.latchwork.fetch;

import dev.latchwork.core.Tracer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The state behind one {@link FetchCache.Handle}: the entry it holds, the store of the generation
 * it joined, and whether it was closed. {@link #open} guards every operation that must fail once
 * the handle is closed; {@link #close} gives the handle up exactly once.
 *
 * <p>Thread-safe: {@code closed} is an atomic flag (the first close wins and releases the entry;
 * later ones do nothing); the other fields are final. No lock is held here; read counting takes
 * the index's lock briefly.
 */
final class EntryHandle {
  private final Tracer tracer;
  private final EntryGenerations generations;
  private final CacheIndex index;
  private final CacheEntry entry;
  private final FetchStore store;
  private final AtomicBoolean closed = new AtomicBoolean();

  EntryHandle(Tracer tracer, EntryGenerations generations, CacheIndex index, CacheEntry entry,
      FetchStore store) {
    this.tracer = tracer;
    this.generations = generations;
    this.index = index;
    this.entry = entry;
    this.store = store;
  }

  /** The store, for operations that are valid on a closed handle too. */
  FetchStore store() {
    return store;
  }

  /** The store, if the handle is open; {@code operation} names what was refused. */
  FetchStore open(String operation) throws ClosedStoreException {
    if (closed.get()) {
      throw new ClosedStoreException(operation + ": handle on " + entry.key + " closed");
    }
    return store;
  }

  /**
   * The store for a read of {@code dst} at {@code position}, if the handle is open; counts the
   * read as a hit if its bytes are all present now, else as a miss.
   */
  FetchStore forRead(ByteBuffer dst, long position) throws ClosedStoreException {
    open("read");
    if (position >= 0 && position < store.size()) {
      long end = Math.min(store.size(), position + dst.remaining());
      index.countRead(store.presentUntil(position) >= end);
    }
    return store;
  }

  /** Releases the entry once; the last handle of an entry stops its download. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      Tracer.Span span = tracer.enter("closeHandle", "key", entry.key);
      try {
        generations.release(entry);
      } finally {
        span.close();
      }
    }
  }

  /** True if the entry left the index (evicted, discarded or replaced). */
  boolean isEntryRemoved() {
    return index.isRemoved(entry);
  }

  @Override
  public String toString() {
    return "FetchCache.Handle[" + entry.key + (closed.get() ? ", closed" : "") + ", " + store
        + "]";
  }
}
