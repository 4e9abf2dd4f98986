package dev.latchwork.fetch;

/**
 * A snapshot of a {@link FetchCache}'s counters. The counters are read together under the cache's
 * lock, so a snapshot is consistent: it is the state the cache had at one moment.
 *
 * @param entries the objects cached (complete or partial), in use or not
 * @param bytesCached the bytes the cached objects hold on disk: the bytes of their present parts
 *     (a sparse file counts what it holds), plus the parts being fetched right now
 * @param hits reads whose bytes were all present when the read started
 * @param misses reads that had to wait for bytes to be downloaded
 * @param evictions entries removed to make room for others
 * @param resumedBytes bytes recovered from the cache's directory when it was opened (parts kept
 *     from an earlier run, of objects that had not changed)
 */
public record FetchCacheStats(
    int entries, long bytesCached, long hits, long misses, long evictions, long resumedBytes) {}
