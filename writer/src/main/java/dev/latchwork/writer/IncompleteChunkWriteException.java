package dev.latchwork.writer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Thrown by {@link ChunkWriter#commit()} when chunks are missing. The writer stays usable: write
 * the missing chunks (see {@link ChunkWriter#missingChunks()}) and commit again.
 */
public final class IncompleteChunkWriteException extends IOException {
  private static final long serialVersionUID = 1L;

  /** How many missing indices an exception lists at most. */
  static final int LISTED = 16;

  /** The number of chunks that were missing. */
  private final long missingCount;

  /** The lowest missing indices, ascending. */
  private final long[] firstMissing;

  IncompleteChunkWriteException(Path target, long chunkCount, long missingCount, long[] firstMissing) {
    super(message(target, chunkCount, missingCount, firstMissing));
    this.missingCount = missingCount;
    this.firstMissing = firstMissing.clone();
  }

  private IncompleteChunkWriteException(IncompleteChunkWriteException original) {
    super(original.getMessage(), original);
    this.missingCount = original.missingCount;
    this.firstMissing = original.firstMissing;
  }

  /**
   * The number of chunks that were missing.
   *
   * @return the count
   */
  public long missingCount() {
    return missingCount;
  }

  /**
   * The lowest missing indices, ascending, at most 16 of them.
   *
   * @return a new array of the indices
   */
  public long[] firstMissing() {
    return firstMissing.clone();
  }

  /** A copy to throw in another thread, with the same message and this one as its cause. */
  IncompleteChunkWriteException copyForCaller() {
    return new IncompleteChunkWriteException(this);
  }

  private static String message(Path target, long chunkCount, long missingCount, long[] first) {
    StringBuilder s = new StringBuilder("cannot commit ")
        .append(target)
        .append(": ")
        .append(missingCount)
        .append(" of ")
        .append(chunkCount)
        .append(" chunks missing: ")
        .append(Arrays.toString(first));
    if (missingCount > first.length) {
      s.append(" and ").append(missingCount - first.length).append(" more");
    }
    return s.toString();
  }
}
