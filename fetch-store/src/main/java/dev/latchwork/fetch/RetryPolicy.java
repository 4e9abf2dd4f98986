package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link FetchStore} retries a part whose fetch failed transiently: at most {@link
 * #maxAttempts()} attempts per part, separated by exponential backoff with jitter.
 *
 * <p>Before retry {@code n} (the first retry is {@code n = 1}) the store waits {@code
 * min(maxBackoff, baseBackoff * 2^(n-1))}, reduced by a random fraction of at most {@link
 * #jitter()} of itself: with jitter 0 the delays are exact, with jitter 1 ("full jitter") they are
 * uniform between zero and the exponential value. Each retry resumes from the bytes the failed
 * attempt already delivered. A close of the store cuts a backoff short. The same policy governs
 * {@link RangeSource#describe()} when a store opens.
 *
 * <p>What is retried: a {@link RangeSourceException} when it {@linkplain
 * RangeSourceException#isRetryable() says so}, and any other {@code IOException} of the source
 * except an {@link InterruptedIOException}. A failure of the store itself (its temp file, its
 * closing) is never retried.
 *
 * @param maxAttempts attempts per part including the first, {@code >= 1} (1 means no retries)
 * @param baseBackoff delay before the first retry, {@code >= 0}
 * @param maxBackoff cap of every delay, {@code >= baseBackoff}
 * @param jitter fraction in {@code [0, 1]} by which a delay is randomly shortened
 */
public record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff, double jitter) {
  /*
   * Implementation notes: call() is the one retry loop of the module (describe and every part
   * fetch run through it), so the retryable decision, the attempt count and the backoff wait live
   * here and nowhere else. The wait goes through a Backoff so that tests can record delays
   * instead of sleeping; the real one waits on the stop latch, so closing a store cuts it short.
   */

  /** 5 attempts, backoff from 200 ms doubling up to 10 s, jitter 0.5. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10), 0.5);

  /**
   * Validates the policy.
   *
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

  /** Returns a policy that tries each part once. */
  public static RetryPolicy noRetries() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);
  }

  /** Returns this policy with another attempt limit. */
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
    long base = TimeUnit.NANOSECONDS.convert(baseBackoff);
    long cap = TimeUnit.NANOSECONDS.convert(maxBackoff);
    int shift = Math.min(retry - 1, 62);
    long exponential = base > (cap >> shift) ? cap : Math.min(cap, base << shift);
    long reduction = (long) ((double) exponential * jitter * random);
    return Duration.ofNanos(exponential - reduction);
  }

  /**
   * Returns whether a retry can help after {@code failure}: see the class comment. Package-private:
   * the store's classification, not API.
   */
  static boolean isRetryable(IOException failure) {
    if (failure instanceof RangeSourceException sourceFailure) {
      return sourceFailure.isRetryable();
    }
    return !(failure instanceof InterruptedIOException
        || failure instanceof ClosedStoreException
        || failure instanceof TempFile.TempFileException);
  }

  /**
   * Runs {@code attempt} until it succeeds, fails in a way no retry can help ({@link
   * #isRetryable}), has failed {@link #maxAttempts()} times, or {@code stop} has opened; before
   * each retry it tells {@code listener} and waits the backoff through {@code backoff}.
   *
   * @param attempt one try; it keeps whatever it must resume from between tries
   * @param backoff how to wait before a retry
   * @param stop opens when retrying must end (the store closed or failed); cuts a wait short
   * @param listener told about each failure that is going to be retried, before the wait
   * @return what the first successful attempt returned
   * @throws IOException the last attempt's failure: one that is not retryable, the last of the
   *     attempts, or the one seen after {@code stop} opened
   * @throws InterruptedIOException if interrupted while waiting before a retry (the interrupt
   *     status is set; the cause is the attempt's failure)
   */
  <T> T call(Attempt<T> attempt, Backoff backoff, BroadcastLatch stop, RetryListener listener)
      throws IOException {
    for (int attempts = 1; ; attempts++) {
      IOException failure;
      try {
        return attempt.run();
      } catch (IOException e) {
        failure = e;
      }
      if (!isRetryable(failure) || attempts >= maxAttempts || stop.isOpen()) {
        throw failure;
      }
      Duration delay = backoff(attempts, ThreadLocalRandom.current().nextDouble());
      listener.retrying(attempts, failure, delay);
      try {
        backoff.pause(delay, stop);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException interrupted =
            new InterruptedIOException("interrupted while waiting to retry after: " + failure);
        interrupted.initCause(failure);
        throw interrupted;
      }
    }
  }

  /** One try of a retried operation. */
  @FunctionalInterface
  interface Attempt<T> {
    /** Tries once. */
    T run() throws IOException;
  }

  /** Told about each failure that {@link #call} is about to retry. */
  @FunctionalInterface
  interface RetryListener {
    /**
     * Called after attempt {@code attempt} failed with {@code failure}, before waiting {@code
     * delay}.
     */
    void retrying(int attempt, IOException failure, Duration delay);
  }

  /** How {@link #call} waits before a retry; tests substitute one that records and returns. */
  @FunctionalInterface
  interface Backoff {
    /** Waits {@code delay} or until {@code stop} opens, whichever comes first. */
    void pause(Duration delay, BroadcastLatch stop) throws InterruptedException;

    /** Waits on {@code stop} for at most {@code delay}. */
    Backoff REAL = (delay, stop) -> stop.await(delay);
  }
}
