package dev.latchwork.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A read-only view of a {@link ProgressNotifier}: it can read and wait for the progress, but not
 * advance or end it. A component hands out its notifier's {@link ProgressNotifier#view() view} so
 * that callers cannot advance, complete or fail progress that is not theirs.
 *
 * <p>Every method behaves exactly as the notifier method of the same name, with the same
 * interruption, timeout, memory consistency and progress guarantees: each one is a plain
 * delegation to the notifier.
 *
 * @see ProgressNotifier
 */
public final class ProgressView {
  private final ProgressNotifier notifier;

  ProgressView(ProgressNotifier notifier) {
    this.notifier = notifier;
  }

  /**
   * Returns the current value; see {@link ProgressNotifier#get()}.
   *
   * @return the current value
   */
  public long get() {
    return notifier.get();
  }

  /**
   * Returns whether the progress has been completed or failed; see {@link
   * ProgressNotifier#isDone()}.
   *
   * @return {@code true} once terminal
   */
  public boolean isDone() {
    return notifier.isDone();
  }

  /**
   * Waits until the value is at least {@code target} or the progress is terminated; see {@link
   * ProgressNotifier#awaitAtLeast(long)}.
   *
   * @param target the value to wait for; any {@code long}
   * @return the value seen, at least {@code target}; or, if the progress completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws SignalFailedException if the progress failed before reaching {@code target}
   */
  public long awaitAtLeast(long target) throws InterruptedException {
    return notifier.awaitAtLeast(target);
  }

  /**
   * Waits until the value is at least {@code target}, the progress is terminated, or the timeout
   * elapses; see {@link ProgressNotifier#awaitAtLeast(long, long, TimeUnit)}.
   *
   * @param target the value to wait for; any {@code long}
   * @param timeout the maximum time to wait; zero or less means do not wait
   * @param unit the unit of {@code timeout}
   * @return the value seen, at least {@code target}; or, if the progress completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws TimeoutException if the timeout elapsed first
   * @throws SignalFailedException if the progress failed before reaching {@code target}
   * @throws NullPointerException if {@code unit} is null
   */
  public long awaitAtLeast(long target, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    return notifier.awaitAtLeast(target, timeout, unit);
  }

  /**
   * Waits until the value is at least {@code target}, the progress is terminated, or the timeout
   * elapses; see {@link ProgressNotifier#awaitAtLeast(long, Duration)}.
   *
   * @param target the value to wait for; any {@code long}
   * @param timeout the maximum time to wait; zero or negative means do not wait
   * @return the value seen, at least {@code target}; or, if the progress completed below {@code
   *     target}, the final value
   * @throws InterruptedException if the current thread is interrupted on entry or while waiting,
   *     before the wait is over; the interrupted status is cleared
   * @throws TimeoutException if the timeout elapsed first
   * @throws SignalFailedException if the progress failed before reaching {@code target}
   * @throws NullPointerException if {@code timeout} is null
   */
  public long awaitAtLeast(long target, Duration timeout)
      throws InterruptedException, TimeoutException {
    return notifier.awaitAtLeast(target, timeout);
  }

  /**
   * Returns a future for {@code target}; see {@link ProgressNotifier#whenAtLeast(long)}.
   *
   * @param target the value to wait for; any {@code long}
   * @return a new future for {@code target}
   */
  public CompletableFuture<Long> whenAtLeast(long target) {
    return notifier.whenAtLeast(target);
  }

  /**
   * Returns a future for {@code target} completed on {@code executor}; see {@link
   * ProgressNotifier#whenAtLeast(long, Executor)}.
   *
   * @param target the value to wait for; any {@code long}
   * @param executor where to complete the future
   * @return a new future for {@code target}
   * @throws NullPointerException if {@code executor} is null
   */
  public CompletableFuture<Long> whenAtLeast(long target, Executor executor) {
    return notifier.whenAtLeast(target, executor);
  }

  /** Returns {@code "ProgressView"} followed by the notifier's string. */
  @Override
  public String toString() {
    return "ProgressView[" + notifier + "]";
  }
}
