package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One cached object of a {@link FetchCache}: its file, what the journal knows about it, and the
 * store serving its handles right now. The mutable fields are guarded by the {@link CacheIndex}'s
 * lock; the final ones are set before the entry is published in the index.
 */
final class CacheEntry {
  final long id;
  final String key;
  final RangeSource.ObjectInfo object;
  final long partSize;
  final Path file;

  // Guarded by the index lock.
  /** Present parts and their CRC32C. */
  final Map<Integer, Integer> crcs = new TreeMap<>();
  /** Parts whose space was reserved but that did not complete: counted until they do. */
  final Set<Integer> dirty = new HashSet<>();
  /** Parts being fetched, with space reserved. */
  final Set<Integer> fetching = new HashSet<>();
  /** Bytes counted against the budget: present, fetching and dirty parts. */
  long accounted;
  /** Open handles. */
  int handles;
  /** The store serving the handles; null while no handle is open. */
  Generation current;
  /** The store of the last generation, closing or closed; the next waits for it to finish. */
  FetchStore previous;
  /** No longer in the index (evicted, discarded or replaced); deleted once unused. */
  boolean removed;
  /** Recovered from an earlier run and not opened since (its bytes count as resumed once). */
  boolean recovered;

  CacheEntry(long id, String key, RangeSource.ObjectInfo object, long partSize, Path file) {
    this.id = id;
    this.key = key;
    this.object = object;
    this.partSize = partSize;
    this.file = file;
  }

  long presentBytes() {
    long bytes = 0;
    for (int p : crcs.keySet()) {
      bytes += partLength(p);
    }
    return bytes;
  }

  long partLength(int part) {
    return Math.min(partSize, object.size() - (long) part * partSize);
  }

  boolean isComplete() {
    return presentBytes() == object.size();
  }

  /** One store's life over the entry: opened by the first handle, closed by the last. */
  static final class Generation {
    /** Opens once {@link #store} is set; fails if the store could not be opened. */
    final BroadcastLatch ready = new BroadcastLatch();
    volatile FetchStore store;
  }

  @Override
  public String toString() {
    return "entry " + id + " [" + key + ", " + object.size() + " bytes]";
  }
}
