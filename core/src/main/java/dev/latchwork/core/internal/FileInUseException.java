package dev.latchwork.core.internal;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Thrown when a file is held by another {@link ExclusiveFile} owner (for example another {@link
 * RecordLog}), in this process or another. Not API: public only so that the other latchwork
 * modules can catch it.
 */
public final class FileInUseException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param file the file that is in use
   */
  public FileInUseException(Path file) {
    super(file.toString(), null, "in use by another owner (in this process or another)");
  }
}
