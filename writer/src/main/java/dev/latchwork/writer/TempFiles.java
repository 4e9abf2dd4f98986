package dev.latchwork.writer;

import dev.latchwork.core.internal.Crc32c;
import dev.latchwork.core.internal.FileOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary files of an unfinished write of {@code dir/name}: their fixed names ({@code
 * dir/.name.lwpart} for the data, {@code dir/.name.lwckpt} for the checkpoint), their creation
 * with owner-only permissions where the file system supports POSIX permissions, reopening them to
 * resume (which recorded chunks are present), and keeping a replaced target's permissions on
 * publishing. Stateless; safe from any thread.
 */
final class TempFiles {
  /*
   * Implementation notes.
   *
   * The names depend on the target only, so that resume() finds them and create() refuses to
   * start a second write of the same target while one is unfinished. The data file is created
   * with CREATE_NEW: of two concurrent creators exactly one owns the target. With
   * replaceUnfinished the checkpoint is created (and exclusively locked) first, so a write still
   * in progress elsewhere keeps its files: the lock fails before anything is deleted.
   *
   * Invariant of create(): it either returns both files open, the checkpoint locked and its
   * header durable, the directory entry forced; or it throws and leaves behind none of the files
   * it created (a replaced unfinished write is gone either way). reopen() trusts a chunk only if
   * the checkpoint records it and the data file reaches its end (and, with verify, its bytes
   * match the recorded CRC32C); it either returns both files open or throws with none left open.
   */

  // The writer's logger: these messages are about the writer's files and keep its log category.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

  static final String PART_SUFFIX = ".lwpart";
  static final String CHECKPOINT_SUFFIX = ".lwckpt";

  private TempFiles() {}

  /** The files of a new unfinished write, both open. */
  record Created(DataFile data, Checkpoint checkpoint) {}

  /** The files of a reopened unfinished write, both open, and its present chunks (index to CRC32C). */
  record Reopened(DataFile data, Checkpoint checkpoint, ChunkLayout layout, Map<Long, Integer> present) {}

  /** The temporary data file of {@code target}: {@code dir/.name.lwpart}. */
  static Path partPath(Path target) {
    return target.resolveSibling("." + target.getFileName() + PART_SUFFIX);
  }

  /** The checkpoint of {@code target}: {@code dir/.name.lwckpt}. */
  static Path checkpointPath(Path target) {
    return target.resolveSibling("." + target.getFileName() + CHECKPOINT_SUFFIX);
  }

  /**
   * Creates the temporary files for a new write of {@code target} (absolute, in an existing
   * directory), owner-only where supported.
   *
   * @throws FileAlreadyExistsException if an unfinished write exists and {@code
   *     replaceUnfinished} is false
   */
  static Created create(Path target, ChunkLayout layout, boolean replaceUnfinished, DataFile.Opener opener)
      throws IOException {
    Path dir = target.getParent();
    Path part = partPath(target);
    Path ckpt = checkpointPath(target);
    if (!replaceUnfinished && Files.exists(part)) {
      throw unfinishedExists(target, part, null);
    }
    Checkpoint checkpoint = null;
    DataFile df = null;
    boolean partCreated = false;
    try {
      if (replaceUnfinished) {
        // Lock the checkpoint first: a write still in progress elsewhere keeps its files.
        checkpoint = Checkpoint.create(ckpt, layout);
        Files.deleteIfExists(part);
      }
      try {
        FileOps.createOwnerOnly(part); // CREATE_NEW: of two creators, one owns the target
      } catch (FileAlreadyExistsException e) {
        throw unfinishedExists(target, part, e); // lost a race with another creator
      }
      partCreated = true;
      if (checkpoint == null) {
        checkpoint = Checkpoint.create(ckpt, layout);
      }
      df = opener.open(part);
      FileOps.syncDirectory(dir);
      return new Created(df, checkpoint);
    } catch (IOException | RuntimeException e) {
      FileIo.closeAll(e, df);
      if (partCreated) {
        FileIo.deleteQuietly(e, part);
      }
      if (checkpoint != null) {
        try {
          checkpoint.delete(); // unlinked under its lock: nobody takes over a file about to vanish
        } catch (IOException x) {
          e.addSuppressed(x);
        }
      }
      throw e;
    }
  }

  private static FileAlreadyExistsException unfinishedExists(Path target, Path part, Throwable cause) {
    FileAlreadyExistsException e = new FileAlreadyExistsException(
        part.toString(), null, "an unfinished write for " + target + " exists: resume it, abort it, or create with replaceUnfinished");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /**
   * Reopens the files of the unfinished write of target {@code t} (absolute) and works out which
   * recorded chunks are present: recorded in the checkpoint, inside the data file and, with
   * {@code verify}, matching their recorded CRC32C. A torn or corrupt checkpoint tail is ignored
   * and truncated. On failure nothing is left open.
   *
   * @throws NoSuchFileException if there is no unfinished write, or it has no checkpoint
   * @throws CorruptChunkFileException if the checkpoint header is damaged or the data file does
   *     not fit its layout
   */
  static Reopened reopen(Path t, boolean verify, DataFile.Opener opener) throws IOException {
    Path part = partPath(t);
    if (!Files.exists(part)) {
      throw new NoSuchFileException(part.toString(), null, "no unfinished write for " + t);
    }
    Checkpoint.Recovered rec;
    try {
      rec = Checkpoint.open(checkpointPath(t));
    } catch (NoSuchFileException e) {
      NoSuchFileException x = new NoSuchFileException(checkpointPath(t).toString(), null,
          "the unfinished write " + part + " has no checkpoint, so nothing in it can be trusted;"
              + " create with replaceUnfinished to start over");
      x.initCause(e);
      throw x;
    }
    DataFile df = null;
    try {
      if (rec.droppedBytes() > 0) {
        LOG.info("{}: ignored a torn or corrupt checkpoint tail of {} bytes", t, rec.droppedBytes());
      }
      ChunkLayout layout = rec.layout();
      df = opener.open(part);
      long size = df.size();
      if (size > layout.fileSize()) {
        throw new CorruptChunkFileException(
            "unfinished write " + part + " is " + size + " bytes, larger than its layout " + layout + " allows (" + layout.fileSize() + ")");
      }
      Map<Long, Integer> present = new TreeMap<>();
      for (Map.Entry<Long, Integer> e : rec.crcByIndex().entrySet()) {
        long i = e.getKey();
        int len = layout.chunkLength(i);
        long end = layout.chunkOffset(i) + len;
        if (end > size) {
          LOG.warn("{}: chunk {} is recorded but the file ends at {}: writing it again", t, i, size);
        } else if (verify && !matches(df, layout, i, e.getValue(), part)) {
          LOG.warn("{}: chunk {} does not match its recorded CRC32C: writing it again", t, i);
        } else {
          present.put(i, e.getValue());
        }
      }
      return new Reopened(df, rec.checkpoint(), layout, present);
    } catch (IOException | RuntimeException e) {
      FileIo.closeAll(e, df, rec.checkpoint());
      throw e;
    }
  }

  private static boolean matches(DataFile df, ChunkLayout layout, long index, int crc, Path part) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(layout.chunkLength(index));
    DataFile.readFully(df, buf, layout.chunkOffset(index), part);
    buf.flip();
    return Crc32c.of(buf) == crc;
  }

  private static boolean posix(Path p) {
    // The file system's views, not Files.getFileStore(p)'s: that reads the mount table each time.
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** A replaced target keeps its POSIX permissions; a new one keeps the owner-only ones. */
  static void copyPermissions(Path from, Path to) {
    try {
      if (posix(to) && Files.exists(from)) {
        Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
      }
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("could not copy the permissions of {}", from, e);
    }
  }
}
