package dev.latchwork.fetch;

import java.io.IOException;

/**
 * Thrown by an operation of a {@link FetchStore} that was closed before or while the operation
 * waited.
 */
public final class ClosedStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was refused
   */
  public ClosedStoreException(String message) {
    super(message);
  }
}
