package dev.latchwork.writer;

import java.io.IOException;

/**
 * Thrown when a chunk file or a chunk writer's checkpoint is truncated, corrupted or not one of
 * ours. The message names the file and says what is wrong: bad magic, unsupported version,
 * header or footer checksum mismatch, truncated file, checksum mismatch at chunk N.
 */
public final class CorruptChunkFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with the given detail message.
   *
   * @param message what is wrong, and where
   */
  public CorruptChunkFileException(String message) {
    super(message);
  }
}
