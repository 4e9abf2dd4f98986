package dev.latchwork.fetch;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A failure of a {@link RangeSource} that says whether retrying can help.
 *
 * <p>{@link Kind#TRANSIENT} failures (an HTTP {@code 5xx}, {@code 429}) are retried by the store
 * like any other {@code IOException}; {@link Kind#PERMANENT} failures (a {@code 404}, a server
 * that ignores {@code Range}) and {@link Kind#VERSION_CHANGED} failures (the object changed under
 * the download, HTTP {@code 412}) fail the store at once.
 *
 * <p>Messages never contain a URL's query string or user info.
 */
public final class RangeSourceException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Whether a failure can go away by retrying. */
  public enum Kind {
    /** Retrying may succeed. */
    TRANSIENT,
    /** Retrying cannot succeed. */
    PERMANENT,
    /** The object is no longer the version that was described: retrying cannot succeed. */
    VERSION_CHANGED
  }

  /** Whether retrying can help; never null. */
  private final Kind kind;
  /** The server's Retry-After hint, or null for none. */
  private final Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param kind whether retrying can help
   * @param message what failed; must not contain credentials
   */
  public RangeSourceException(Kind kind, String message) {
    this(kind, message, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param kind whether retrying can help
   * @param message what failed; must not contain credentials
   * @param cause the underlying failure, or {@code null}
   */
  public RangeSourceException(Kind kind, String message, Throwable cause) {
    this(kind, message, cause, null);
  }

  /**
   * Creates an exception carrying the server's hint of when to retry (an HTTP {@code
   * Retry-After}).
   *
   * @param kind whether retrying can help
   * @param message what failed; must not contain credentials
   * @param cause the underlying failure, or {@code null}
   * @param retryAfter how long the server asked the client to wait, or {@code null} for no hint
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public RangeSourceException(Kind kind, String message, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** {@return whether retrying can help, and why not} */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns how long the server asked the client to wait before retrying ({@code Retry-After} on
   * a {@code 429} or {@code 503}), if it said; a store waits at least that long, capped by its
   * policy's maximum backoff.
   *
   * @return the server's hint, or empty
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** {@return true for {@link Kind#TRANSIENT}} */
  public boolean isRetryable() {
    return kind == Kind.TRANSIENT;
  }
}
