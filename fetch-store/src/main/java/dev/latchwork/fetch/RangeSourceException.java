package dev.latchwork.fetch;

import java.io.IOException;
import java.util.Objects;

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

  /** Whether retrying can help; part of the serialized form. */
  private final Kind kind;

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
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /**
   * Returns whether retrying can help and why not.
   *
   * @return the kind of failure
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns true for {@link Kind#TRANSIENT}.
   *
   * @return true if retrying may succeed
   */
  public boolean isRetryable() {
    return kind == Kind.TRANSIENT;
  }
}
