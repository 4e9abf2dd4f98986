package dev.latchwork.core;

import java.io.IOException;

/** API skeleton: implementation pending (issue 3). */
public final class OverlappingWriteException extends IOException {
  private static final long serialVersionUID = 1L;

  public OverlappingWriteException(String message) {
    super(message);
  }
}
