/**
 * The range-fetching temp store: download a remote object in parts, in parallel, into a temp file
 * while many threads read it at random offsets, each waiting only for its own bytes.
 *
 * <ul>
 *   <li>{@link dev.latchwork.fetch.FetchStore} (built with {@link
 *       dev.latchwork.fetch.FetchStore.Builder}): the store. Reads block until the parts holding
 *       their range are present, a part a reader waits for is fetched next, and {@code close()},
 *       failure and completion wake every waiter: per-part {@link dev.latchwork.core.BroadcastLatch
 *       one-shot latches} and a {@link dev.latchwork.core.ProgressNotifier} make a lost wake-up
 *       impossible by construction.
 *   <li>{@link dev.latchwork.fetch.RangeSource}: where the bytes come from; {@link
 *       dev.latchwork.fetch.HttpRangeSource} (HTTP(S) with {@code Range} and {@code If-Match},
 *       redacting presigned URLs from every message) and {@link
 *       dev.latchwork.fetch.PathRangeSource} (local files) implement it.
 *   <li>{@link dev.latchwork.fetch.RetryPolicy}: attempts and exponential backoff with jitter for
 *       transient failures; {@link dev.latchwork.fetch.RangeSourceException} says which failures
 *       are transient.
 *   <li>{@link dev.latchwork.fetch.FetchProgress}: progress snapshots, also delivered to an
 *       optional listener that cannot stall fetching.
 * </ul>
 */
package dev.latchwork.fetch;
