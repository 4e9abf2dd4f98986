package dev.latchwork.fetch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What a {@link FetchStore.Builder} collects for the {@link Download}: immutable, validated on
 * construction (a bad value throws naming the setting), changed by withers.
 *
 * @param executor the executor for workers and listener deliveries, or null to own one
 * @param listener the progress listener, or null
 */
record FetchSettings(long partSize, int parallelism, RetryPolicy retryPolicy, Duration readTimeout,
    Executor executor, Consumer<? super FetchProgress> listener, RetryPolicy.Backoff backoff) {
  static final FetchSettings DEFAULTS = new FetchSettings(FetchStore.DEFAULT_PART_SIZE,
      FetchStore.DEFAULT_PARALLELISM, RetryPolicy.DEFAULT, FetchStore.DEFAULT_READ_TIMEOUT, null,
      null, RetryPolicy.Backoff.REAL);

  FetchSettings {
    if (partSize <= 0) {
      throw new IllegalArgumentException("partSize must be positive: " + partSize);
    }
    if (parallelism <= 0) {
      throw new IllegalArgumentException("parallelism must be positive: " + parallelism);
    }
    Objects.requireNonNull(retryPolicy, "policy");
    if (Objects.requireNonNull(readTimeout, "timeout").isNegative()) {
      throw new IllegalArgumentException("readTimeout must not be negative: " + readTimeout);
    }
    Objects.requireNonNull(backoff, "backoff");
  }

  FetchSettings withPartSize(long bytes) {
    return new FetchSettings(bytes, parallelism, retryPolicy, readTimeout,
        executor, listener, backoff);
  }

  FetchSettings withParallelism(int parts) {
    return new FetchSettings(partSize, parts, retryPolicy, readTimeout,
        executor, listener, backoff);
  }

  FetchSettings withRetryPolicy(RetryPolicy policy) {
    return new FetchSettings(partSize, parallelism, policy, readTimeout,
        executor, listener, backoff);
  }

  FetchSettings withReadTimeout(Duration timeout) {
    return new FetchSettings(partSize, parallelism, retryPolicy, timeout,
        executor, listener, backoff);
  }

  FetchSettings withExecutor(Executor e) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout,
        Objects.requireNonNull(e, "executor"), listener, backoff);
  }

  FetchSettings withListener(Consumer<? super FetchProgress> l) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout, executor,
        Objects.requireNonNull(l, "listener"), backoff);
  }

  FetchSettings withBackoff(RetryPolicy.Backoff b) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout,
        executor, listener, b);
  }
}
