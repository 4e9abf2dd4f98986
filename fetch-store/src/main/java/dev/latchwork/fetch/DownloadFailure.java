package dev.latchwork.fetch;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Download}'s own failure (not a close), set once, and the checks a store's operations
 * make against it, its close and its checksum's verdict, with the exceptions they throw.
 * Thread-safe; only {@link #awaitVerified} blocks.
 *
 * <p>Memory consistency effects: actions before a successful {@link #record} happen-before a
 * check that throws because of that failure.
 */
final class DownloadFailure {
  private final TempFile file;
  private final RangeSource source;
  /** Checks the object's checksum as parts land, or null. */
  private final ChecksumVerifier verifier;
  /** The download's own failure (not a close); set once. */
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /**
   * @param file the store's temp file, closed once the store is
   * @param source the source, for messages
   * @param verifier the checksum's verifier, or null
   */
  DownloadFailure(TempFile file, RangeSource source, ChecksumVerifier verifier) {
    this.file = file;
    this.source = source;
    this.verifier = verifier;
  }

  /** Records {@code cause} as the failure; false if the store is closed or failed already. */
  boolean record(Throwable cause) {
    return !file.isClosed() && failure.compareAndSet(null, cause);
  }

  /** Returns the failure, or null. */
  Throwable get() {
    return failure.get();
  }

  /**
   * Checks that the store is neither closed nor failed.
   *
   * @throws ClosedStoreException if the store is closed
   * @throws IOException if the download failed; the cause is the failure
   */
  void checkUsable(String operation) throws IOException {
    checkOpen(operation);
    Throwable cause = failure.get();
    if (cause != null) {
      throw failed(operation, cause);
    }
  }

  /** Throws ClosedStoreException if the store is closed. */
  void checkOpen(String operation) throws ClosedStoreException {
    if (file.isClosed()) {
      throw new ClosedStoreException(operation + ": store closed");
    }
  }

  /** The exception for a wait that ended with {@code cause}: the store's close or failure. */
  IOException failedWaiting(String operation, Throwable cause) {
    if (cause instanceof ClosedStoreException) {
      return new ClosedStoreException(operation + ": " + cause.getMessage());
    }
    return failed(operation, cause);
  }

  /** Waits for the checksum's verdict (true at once without one); false on timeout. */
  boolean awaitVerified(long timeoutNanos) throws InterruptedException {
    if (verifier == null) {
      return true;
    }
    if (timeoutNanos < 0) {
      verifier.result().await();
      return true;
    }
    return verifier.result().await(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Throws unless there is no checksum to check or it matched.
   *
   * @throws IllegalStateException if the checksum is not verified yet
   */
  void checkVerified(String operation) {
    if (verifier != null
        && !(verifier.result().isOpen() && verifier.result().failure() == null)) {
      throw new IllegalStateException(operation + ": the object's checksum is not verified yet"
          + " (see awaitComplete)");
    }
  }

  private IOException failed(String operation, Throwable cause) {
    if (cause instanceof ChecksumMismatchException mismatch) {
      return new ChecksumMismatchException(operation, mismatch);
    }
    return new IOException(operation + ": download of " + source + " failed: " + cause, cause);
  }
}
