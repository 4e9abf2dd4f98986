package dev.latchwork.core;

import java.io.IOException;

/**
 * Thrown by {@link PositionalWriter#write} when the writer was opened with {@link
 * PositionalWriter.Option#REJECT_OVERLAPS} and the requested range overlaps a write that is still
 * in flight. Nothing of the rejected write reached the file.
 *
 * <p>Ranges are half-open, {@code [start, end)}, in bytes from the start of the file.
 */
public final class OverlappingWriteException extends IOException {
  private static final long serialVersionUID = 1L;

  /** First byte of the rejected write, or -1. */
  private final long start;
  /** One past the last byte of the rejected write, or -1. */
  private final long end;
  /** First byte of the write in flight, or -1. */
  private final long conflictingStart;
  /** One past the last byte of the write in flight, or -1. */
  private final long conflictingEnd;

  /**
   * Creates an exception with only a message; the range accessors of such an exception return -1.
   *
   * @param message the detail message
   */
  public OverlappingWriteException(String message) {
    super(message);
    this.start = -1;
    this.end = -1;
    this.conflictingStart = -1;
    this.conflictingEnd = -1;
  }

  /**
   * Creates an exception naming the rejected range {@code [start, end)} and the in-flight range
   * {@code [conflictingStart, conflictingEnd)} it overlaps.
   *
   * @param start first byte of the rejected write
   * @param end one past the last byte of the rejected write
   * @param conflictingStart first byte of the write in flight
   * @param conflictingEnd one past the last byte of the write in flight
   */
  public OverlappingWriteException(long start, long end, long conflictingStart, long conflictingEnd) {
    super("write [" + start + ", " + end + ") overlaps write [" + conflictingStart + ", "
        + conflictingEnd + ") still in flight; nothing of it was written");
    this.start = start;
    this.end = end;
    this.conflictingStart = conflictingStart;
    this.conflictingEnd = conflictingEnd;
  }

  /**
   * Returns the first byte of the rejected write.
   *
   * @return the first byte of the rejected write, or -1 if this exception was created from a message only
   */
  public long start() {
    return start;
  }

  /**
   * Returns one past the last byte of the rejected write.
   *
   * @return one past the last byte of the rejected write, or -1 if this exception was created from a message only
   */
  public long end() {
    return end;
  }

  /**
   * Returns the first byte of the in-flight write it overlapped.
   *
   * @return the first byte of the in-flight write it overlapped, or -1 if this exception was created from a message only
   */
  public long conflictingStart() {
    return conflictingStart;
  }

  /**
   * Returns one past the last byte of the in-flight write it overlapped.
   *
   * @return one past the last byte of the in-flight write it overlapped, or -1 if this exception was created from a message only
   */
  public long conflictingEnd() {
    return conflictingEnd;
  }
}
