package dev.latchwork.core;

import java.nio.channels.NonWritableChannelException;

/**
 * The {@link NonWritableChannelException} that {@link PositionalWriter} throws, with a message
 * saying which file was opened without {@code WRITE} and which operation needed it.
 */
final class ReadOnlyWriterException extends NonWritableChannelException {
  private static final long serialVersionUID = 1L;

  private final String message;

  ReadOnlyWriterException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
