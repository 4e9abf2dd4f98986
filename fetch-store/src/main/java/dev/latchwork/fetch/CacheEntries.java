package dev.latchwork.fetch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * The entries of a {@link CacheIndex} in least-recently-used order, and the choice of what to
 * evict: the key of each entry in the index, the removed entries that handles still hold, and
 * which unused entry goes first when space is needed.
 *
 * <p>Not thread-safe: every method must be called with the index's lock held, the lock that also
 * guards the entries' mutable fields read here ({@code handles}, {@code current}, {@code
 * removed}). Nothing here does I/O or waits.
 */
final class CacheEntries {
  /*
   * Implementation notes.
   *
   * An entry is evictable when no handle holds it and no store generation is current. Removing
   * an entry from the map (evicting, discarding or replacing it) is what makes it unreachable to
   * opens; how that decides an open racing an eviction of the same key is in CacheIndex's notes.
   */

  /** Access-ordered: iteration starts at the least recently used entry. */
  private final LinkedHashMap<String, CacheEntry> entries = new LinkedHashMap<>(16, 0.75f, true);
  /** Removed entries that handles still hold: closed with the cache, deleted by their last close. */
  private final Set<CacheEntry> removedInUse = new HashSet<>();

  /** The entry of {@code key}, or null; counts as a use of it (it moves to the LRU end). */
  CacheEntry get(String key) {
    return entries.get(key);
  }

  void put(CacheEntry e) {
    entries.put(e.key, e);
  }

  int size() {
    return entries.size();
  }

  /** Removes {@code e} from the map; an unused entry goes into {@code stale} for deletion. */
  void detach(CacheEntry e, List<CacheEntry> stale) {
    if (e.removed) {
      return;
    }
    e.removed = true;
    entries.remove(e.key, e);
    if (e.handles == 0 && e.current == null) {
      stale.add(e);
    } else {
      removedInUse.add(e);
    }
  }

  /** The least recently used entry nobody holds, other than {@code except}; or null. */
  CacheEntry victim(CacheEntry except) {
    for (CacheEntry c : entries.values()) { // LinkedHashMap iteration does not reorder
      if (c != except && c.handles == 0 && c.current == null) {
        return c;
      }
    }
    return null;
  }

  /** Removes {@code victim}, an unused entry {@link #victim} chose, from the map. */
  void evict(CacheEntry victim) {
    victim.removed = true;
    entries.remove(victim.key, victim);
  }

  /** The last handle of {@code e} closed: a removed entry is no longer held. */
  void released(CacheEntry e) {
    removedInUse.remove(e);
  }

  /** Every entry whose store may still run: those in the map, then removed ones still held. */
  List<CacheEntry> all() {
    List<CacheEntry> all = new ArrayList<>(entries.values());
    all.addAll(removedInUse);
    return all;
  }

  /** Keys of the entries, least recently used first. */
  List<String> keys() {
    return new ArrayList<>(entries.keySet());
  }

  /** Keys of the entries held by a handle right now. */
  List<String> keysInUse() {
    List<String> keys = new ArrayList<>();
    for (CacheEntry e : entries.values()) {
      if (e.handles > 0) {
        keys.add(e.key);
      }
    }
    return keys;
  }
}
