/**
 * jcstress harnesses of the fetch cache's guarantees: the cross-object {@link
 * dev.latchwork.fetch.FetchBudget}'s hand-over of permits, and {@link dev.latchwork.fetch.FetchCache}
 * entries racing their own life cycle (an open racing the eviction of its key, the last handle's
 * close racing a new open). {@code CacheFixture} gives each cache harness state a cache of its own
 * in a directory of its own, deleted by the state's arbiter.
 */
package dev.latchwork.jcstress.cache;
