package dev.latchwork.fetch;

import java.util.List;

/**
 * Gives the jcstress harnesses in {@code dev.latchwork.jcstress.cache} the package-private views
 * of a {@link FetchCache} (same package, so no public test hook is needed in the library). Not
 * part of the library.
 */
public final class FetchCacheProbe {
  private FetchCacheProbe() {}

  /** True if the entry {@code handle} holds has left the cache's index (evicted or discarded). */
  public static boolean entryRemoved(FetchCache.Handle handle) {
    return handle.isEntryRemoved();
  }

  /** The keys cached, least recently used first. */
  public static List<String> keys(FetchCache cache) {
    return cache.keys();
  }

  /** The keys a handle holds right now. */
  public static List<String> keysInUse(FetchCache cache) {
    return cache.keysInUse();
  }
}
