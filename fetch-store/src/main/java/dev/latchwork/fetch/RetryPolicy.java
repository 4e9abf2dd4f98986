package dev.latchwork.fetch;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link FetchStore} retries a part whose fetch failed transiently: at most {@link
 * #maxAttempts()} attempts per part, separated by exponential backoff with jitter.
 *
 * <p>Before retry {@code n} (the first retry is {@code n = 1}) the store waits {@code
 * min(maxBackoff, baseBackoff * 2^(n-1))}, reduced by a random fraction of at most {@link
 * #jitter()} of itself: with jitter 0 the delays are exact, with jitter 1 ("full jitter") they are
 * uniform between zero and the exponential value. Each retry resumes from the bytes the failed
 * attempt already delivered. A close of the store cuts a backoff short.
 *
 * @param maxAttempts attempts per part including the first, {@code >= 1} (1 means no retries)
 * @param baseBackoff delay before the first retry, {@code >= 0}
 * @param maxBackoff cap of every delay, {@code >= baseBackoff}
 * @param jitter fraction in {@code [0, 1]} by which a delay is randomly shortened
 */
public record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff, double jitter) {

  /** 5 attempts, backoff from 200 ms doubling up to 10 s, jitter 0.5. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10), 0.5);

  /**
   * Validates the policy.
   *
   * @param maxAttempts attempts per part including the first, {@code >= 1}
   * @param baseBackoff delay before the first retry, {@code >= 0}
   * @param maxBackoff cap of every delay, {@code >= baseBackoff}
   * @param jitter fraction in {@code [0, 1]} by which a delay is randomly shortened
   * @throws IllegalArgumentException naming the bad component
   * @throws NullPointerException if a duration is null
   */
  public RetryPolicy {
    Objects.requireNonNull(baseBackoff, "baseBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
    if (baseBackoff.isNegative()) {
      throw new IllegalArgumentException("baseBackoff must not be negative: " + baseBackoff);
    }
    if (maxBackoff.compareTo(baseBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff " + maxBackoff + " is shorter than baseBackoff " + baseBackoff);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be within [0, 1]: " + jitter);
    }
  }

  /**
   * Returns a policy that tries each part once.
   *
   * @return a policy with {@code maxAttempts == 1}
   */
  public static RetryPolicy noRetries() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);
  }

  /**
   * Returns this policy with another attempt limit.
   *
   * @param attempts the new attempt limit, {@code >= 1}
   * @return a policy like this one but with {@code maxAttempts == attempts}
   */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, baseBackoff, maxBackoff, jitter);
  }

  /**
   * Returns the delay before retry {@code retry}.
   *
   * @param retry 1 for the first retry, 2 for the second, ...
   * @param random a value in {@code [0, 1)} choosing the jitter
   * @return the delay, between {@code (1 - jitter)} times and exactly the capped exponential value
   * @throws IllegalArgumentException if {@code retry < 1} or {@code random} is outside [0, 1)
   */
  public Duration backoff(int retry, double random) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be at least 1: " + retry);
    }
    if (!(random >= 0 && random < 1)) {
      throw new IllegalArgumentException("random must be within [0, 1): " + random);
    }
    long base = saturatedNanos(baseBackoff);
    long cap = saturatedNanos(maxBackoff);
    int shift = Math.min(retry - 1, 62);
    long exponential = base > (cap >> shift) ? cap : Math.min(cap, base << shift);
    long reduction = (long) ((double) exponential * jitter * random);
    return Duration.ofNanos(exponential - reduction);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
