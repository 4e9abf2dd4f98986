package dev.latchwork.fetch;

import java.time.Duration;

/**
 * The settings of a {@link FetchCache} that its entries' stores are built with, copied from the
 * {@link FetchCache.Builder} when the cache opens (the builder may be changed or reused after),
 * and the range checks the builder applies to its settings (each message names the setting).
 * Immutable, so thread-safe.
 */
record CacheSettings(int parallelism, long partSize, RetryPolicy retryPolicy,
    Duration readTimeout, long minimumRate, Duration rateWindow, boolean verifyOnRecovery) {

  /** Returns {@code value}; throws if it is not positive, naming the setting {@code name}. */
  static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /** Returns {@code value}; throws if it is negative, naming the setting {@code name}. */
  static long notNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return value;
  }
}
