package dev.latchwork.core;

/**
 * Thrown by a wait on a {@link BroadcastLatch} or {@link ProgressNotifier} that was ended by a
 * failure; {@link #getCause()} is the failure's cause.
 */
public final class SignalFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception for a wait ended by a failure.
   *
   * @param cause the failure passed to {@code fail}
   */
  public SignalFailedException(Throwable cause) {
    super(cause);
  }
}
