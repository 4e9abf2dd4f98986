package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A {@link RangeSource} over a local file, for tests, examples and local mirrors.
 *
 * <p>The version tag is the file's size and last-modified time; every {@link #open} compares the
 * file's current size and modification time with the description and fails with {@link
 * RangeSourceException.Kind#VERSION_CHANGED} if either differs. A change between that check and
 * the end of a read is not detected (a local file has no stronger version pinning); a file that
 * shrinks mid-read yields a short stream, which the store retries and then reports as changed.
 */
public final class PathRangeSource implements RangeSource {
  private final Path path;

  private PathRangeSource(Path path) {
    this.path = path;
  }

  /**
   * Returns a source reading {@code path}. The file is not touched until {@link #describe()}.
   *
   * @param path the file to read
   * @return a source reading {@code path}
   * @throws NullPointerException if {@code path} is null
   */
  public static PathRangeSource of(Path path) {
    return new PathRangeSource(Objects.requireNonNull(path, "path"));
  }

  @Override
  public ObjectInfo describe() throws IOException {
    BasicFileAttributes attributes = attributes();
    if (!attributes.isRegularFile()) {
      throw new RangeSourceException(
          RangeSourceException.Kind.PERMANENT, path + " is not a regular file");
    }
    return new ObjectInfo(attributes.size(), versionTag(attributes));
  }

  @Override
  public InputStream open(ObjectInfo object, long start, long end) throws IOException {
    ObjectInfo.checkRange(object, start, end);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      BasicFileAttributes now = attributes();
      String tag = versionTag(now);
      if (now.size() != object.size()
          || (object.versionTag() != null && !object.versionTag().equals(tag))) {
        throw new RangeSourceException(
            RangeSourceException.Kind.VERSION_CHANGED,
            path + " changed: described as " + object + ", now " + now.size() + " bytes, " + tag);
      }
      return new RangeStream(channel, start, end);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private BasicFileAttributes attributes() throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new RangeSourceException(
          RangeSourceException.Kind.PERMANENT, path + " does not exist", e);
    }
  }

  private static String versionTag(BasicFileAttributes attributes) {
    return attributes.size() + "@" + attributes.lastModifiedTime().toMillis();
  }

  @Override
  public String toString() {
    return "PathRangeSource[" + path + "]";
  }

  /** Positional reads of {@code [position, end)}; closing the channel unblocks a read. */
  private static final class RangeStream extends InputStream {
    private final FileChannel channel;
    private final long end;
    private long position;

    RangeStream(FileChannel channel, long start, long end) {
      this.channel = channel;
      this.position = start;
      this.end = end;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (position >= end) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
