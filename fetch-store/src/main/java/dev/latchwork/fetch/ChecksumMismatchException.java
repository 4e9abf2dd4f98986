package dev.latchwork.fetch;

import java.util.Objects;

/**
 * Thrown (as the failure of a {@link FetchStore}, or the cause of the exception its operations
 * throw) when the downloaded object's checksum is not the expected one: the bytes are not the
 * object the caller or the server described, and a store never publishes them with {@link
 * FetchStore#moveTo}.
 */
public final class ChecksumMismatchException extends java.io.IOException {
  private static final long serialVersionUID = 1L;

  /** Serializable as its message; the values are kept for the throwing JVM's callers. */
  private final transient ObjectChecksum expected;

  private final transient ObjectChecksum actual;

  /**
   * Creates an exception naming both values.
   *
   * @param what the object that was checked (a source's {@code toString()}, never a credential)
   * @param expected the checksum the object should have had
   * @param actual the checksum of the bytes downloaded
   * @throws NullPointerException if an argument is null
   */
  public ChecksumMismatchException(String what, ObjectChecksum expected, ObjectChecksum actual) {
    super("checksum mismatch for " + Objects.requireNonNull(what, "what") + ": expected "
        + Objects.requireNonNull(expected, "expected") + ", downloaded bytes have "
        + Objects.requireNonNull(actual, "actual"));
    this.expected = expected;
    this.actual = actual;
  }

  /** The same mismatch as {@code cause}, reported by {@code operation} (its cause). */
  ChecksumMismatchException(String operation, ChecksumMismatchException cause) {
    super(operation + ": " + cause.getMessage(), cause);
    this.expected = cause.expected;
    this.actual = cause.actual;
  }

  /**
   * Returns the checksum the object should have had.
   *
   * @return the expected checksum; null after deserialization
   */
  public ObjectChecksum expected() {
    return expected;
  }

  /**
   * Returns the checksum of the bytes downloaded.
   *
   * @return the computed checksum; null after deserialization
   */
  public ObjectChecksum actual() {
    return actual;
  }
}
