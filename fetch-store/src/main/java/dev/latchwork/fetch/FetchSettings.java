package dev.latchwork.fetch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What a {@link FetchStore.Builder} collects for the {@link Download}: immutable, validated on
 * construction (a bad value throws naming the setting), changed by withers.
 *
 * @param minimumRate the minimum bytes per second of a part fetch's stream; 0 for none
 * @param rateWindow the window of {@code minimumRate}; {@link Duration#ZERO} when it is 0
 * @param executor the executor for workers and listener deliveries, or null to own one
 * @param listener the progress listener, or null
 */
record FetchSettings(long partSize, int parallelism, RetryPolicy retryPolicy, Duration readTimeout,
    long minimumRate, Duration rateWindow, Executor executor,
    Consumer<? super FetchProgress> listener, RetryPolicy.Backoff backoff) {
  static final FetchSettings DEFAULTS = new FetchSettings(FetchStore.DEFAULT_PART_SIZE,
      FetchStore.DEFAULT_PARALLELISM, RetryPolicy.DEFAULT, FetchStore.DEFAULT_READ_TIMEOUT, 0,
      Duration.ZERO, null, null, RetryPolicy.Backoff.REAL);

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
    rateWindow = rateWindow(minimumRate, rateWindow);
    Objects.requireNonNull(backoff, "backoff");
  }

  /**
   * Checks a minimum rate setting as both builders take it and returns its window: {@link
   * Duration#ZERO} when the rate is 0 (the window is then ignored, and may be null).
   *
   * @throws IllegalArgumentException naming {@code minimumRate} if the rate is negative, or
   *     positive with a null, zero or negative window
   */
  static Duration rateWindow(long bytesPerSecond, Duration window) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "minimumRate bytesPerSecond must not be negative: " + bytesPerSecond);
    }
    if (bytesPerSecond == 0) {
      return Duration.ZERO;
    }
    if (window == null || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("minimumRate window must be positive: " + window);
    }
    return window;
  }

  /** The limits of every part fetch's stream: the read timeout and the minimum rate. */
  StreamWatchdog.Limits streamLimits() {
    return new StreamWatchdog.Limits(TimeUnit.NANOSECONDS.convert(readTimeout), minimumRate,
        TimeUnit.NANOSECONDS.convert(rateWindow));
  }

  FetchSettings withPartSize(long bytes) {
    return new FetchSettings(bytes, parallelism, retryPolicy, readTimeout, minimumRate,
        rateWindow, executor, listener, backoff);
  }

  FetchSettings withParallelism(int parts) {
    return new FetchSettings(partSize, parts, retryPolicy, readTimeout, minimumRate,
        rateWindow, executor, listener, backoff);
  }

  FetchSettings withRetryPolicy(RetryPolicy policy) {
    return new FetchSettings(partSize, parallelism, policy, readTimeout, minimumRate,
        rateWindow, executor, listener, backoff);
  }

  FetchSettings withReadTimeout(Duration timeout) {
    return new FetchSettings(partSize, parallelism, retryPolicy, timeout, minimumRate,
        rateWindow, executor, listener, backoff);
  }

  FetchSettings withMinimumRate(long bytesPerSecond, Duration window) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout, bytesPerSecond,
        window, executor, listener, backoff);
  }

  FetchSettings withExecutor(Executor e) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout, minimumRate,
        rateWindow, Objects.requireNonNull(e, "executor"), listener, backoff);
  }

  FetchSettings withListener(Consumer<? super FetchProgress> l) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout, minimumRate,
        rateWindow, executor, Objects.requireNonNull(l, "listener"), backoff);
  }

  FetchSettings withBackoff(RetryPolicy.Backoff b) {
    return new FetchSettings(partSize, parallelism, retryPolicy, readTimeout, minimumRate,
        rateWindow, executor, listener, b);
  }
}
