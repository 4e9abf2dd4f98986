package dev.latchwork.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;

/**
 * A remote (or local) object that can be read by byte range: the service provider interface of
 * {@link FetchStore}.
 *
 * <p>A store first calls {@link #describe(Duration)} once to learn the object's size and version,
 * then calls {@link #open(ObjectInfo, long, long)} any number of times, from several threads at
 * once, each call naming the description it got, so that every range comes from that version of
 * the object. A source that can tell the object changed (an HTTP {@code 412}, a different size or
 * ETag) must fail with a {@link RangeSourceException} of kind
 * {@link RangeSourceException.Kind#VERSION_CHANGED VERSION_CHANGED} instead of serving bytes of
 * another version.
 *
 * <p>Failure classification: a {@link RangeSourceException} says whether retrying can help
 * ({@link RangeSourceException#isRetryable()}); any other {@code IOException} (connection reset,
 * timeout, early end of stream) is treated as transient and retried by the store according to its
 * {@link RetryPolicy}, resuming from the bytes already received.
 *
 * <p>Delivery: a store fetches through {@link #transfer}, whose default adapts {@link #open}; a
 * source overrides {@code transfer} to deliver without a copy (see {@link RangeSink}).
 *
 * <p>Cancellation: the store aborts a fetch in flight by closing the stream returned by {@code
 * open} (or the {@link RangeTransfer}) from another thread. Implementations must make a read blocked in that stream return
 * promptly (with {@code -1} or an {@code IOException}) when the stream is closed, as sockets,
 * {@code FileChannel} streams and {@code java.net.http} body streams do. {@code open} itself should
 * return without waiting for the remote side (send the request, wait for the answer on the first
 * read, as {@link HttpRangeSource} does): a store cannot abort an {@code open} call in progress,
 * only the stream it returns.
 *
 * <p>Implementations must be safe for concurrent use by multiple threads.
 */
public interface RangeSource {

  /**
   * Describes the object: its size and, if the source has one, a version tag.
   *
   * @return the description that later {@link #open} calls are pinned to
   * @throws IOException if the object cannot be described (not found, not reachable, ...)
   */
  ObjectInfo describe() throws IOException;

  /**
   * Describes the object as {@link #describe()} does, within {@code readTimeout}: the store calls
   * this one, with its {@linkplain FetchStore.Builder#readTimeout read timeout}, so that a source
   * whose metadata call can hang (a request that is never answered) is bounded like its range
   * streams are. A source that can bound its metadata call should override this method and fail
   * one that brings no answer within {@code readTimeout} (or within a limit of its own, if that is
   * smaller) with an {@code IOException}, which the store treats as transient and retries; {@link
   * HttpRangeSource} does. The default calls {@link #describe()}, unbounded by {@code
   * readTimeout}.
   *
   * @param readTimeout how long the call may wait for the source's answer; {@link Duration#ZERO}
   *     sets no limit (the source's own limits, if any, still apply)
   * @return the description that later {@link #open} calls are pinned to
   * @throws IOException if the object cannot be described (not found, not reachable, no answer in
   *     time, ...)
   * @throws IllegalArgumentException if {@code readTimeout} is negative
   * @throws NullPointerException if {@code readTimeout} is null
   */
  default ObjectInfo describe(Duration readTimeout) throws IOException {
    if (readTimeout.isNegative()) {
      throw new IllegalArgumentException("readTimeout must not be negative: " + readTimeout);
    }
    return describe();
  }

  /**
   * Opens the bytes {@code [start, end)} of the version {@code object} describes.
   *
   * <p>The returned stream yields exactly {@code end - start} bytes, or fewer if the transfer is
   * cut short (the store detects a short body and retries the rest). Closing it releases the
   * underlying connection or file without reading the rest of the range.
   *
   * @param object the description returned by {@link #describe()}
   * @param start first byte, inclusive, {@code 0 <= start < end}
   * @param end last byte, exclusive, {@code end <= object.size()}
   * @return a stream of the range's bytes
   * @throws RangeSourceException if the source refuses the range, in particular with kind
   *     {@code VERSION_CHANGED} when the object is no longer the described version
   * @throws IOException on any other failure, treated as transient
   */
  InputStream open(ObjectInfo object, long start, long end) throws IOException;

  /**
   * Prepares the bytes {@code [start, end)} of the version {@code object} describes for delivery
   * into a store's {@link RangeSink}; the store calls this rather than {@link #open}. Like {@code
   * open}, it should not wait for the remote side: {@link RangeTransfer#deliverTo} does.
   *
   * <p>The default delivers the stream of {@link #open} through a heap buffer, so a source written
   * against {@code InputStream} needs nothing more; a source that can fill direct buffers or
   * copy file to file in the kernel overrides it.
   *
   * @param object the description returned by {@link #describe()}
   * @param start first byte, inclusive, {@code 0 <= start < end}
   * @param end last byte, exclusive, {@code end <= object.size()}
   * @return the transfer, not yet started
   * @throws RangeSourceException if the source refuses the range
   * @throws IOException on any other failure, treated as transient
   */
  default RangeTransfer transfer(ObjectInfo object, long start, long end) throws IOException {
    return new StreamTransfer(open(object, start, end), start, end);
  }

  /**
   * What {@link #describe()} learned about an object.
   *
   * <p>A source that knows the whole object's checksum (a server that states one) puts it in
   * {@code checksum}: a store checks it when the last part lands exactly like one the caller gave
   * to {@link FetchStore.Builder#verify} (both, when both are given), and a mismatch fails the
   * store with a {@link ChecksumMismatchException}. It takes no part in the version: a cache entry
   * is the same object when size and version tag are.
   *
   * @param size the object's size in bytes, {@code >= 0}
   * @param versionTag an opaque version identifier (an HTTP ETag, a modification stamp), or
   *     {@code null} when the source has none
   * @param checksum the checksum of the whole object as the source states it, or {@code null}
   *     when it states none
   */
  record ObjectInfo(long size, String versionTag, ObjectChecksum checksum) {
    /**
     * Validates the description.
     *
     * @param size the object's size in bytes, {@code >= 0}
     * @param versionTag an opaque version identifier, or {@code null}
     * @param checksum the object's checksum as the source states it, or {@code null}
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public ObjectInfo {
      if (size < 0) {
        throw new IllegalArgumentException("object size must not be negative: " + size);
      }
    }

    /**
     * Describes an object whose source states no checksum.
     *
     * @param size the object's size in bytes, {@code >= 0}
     * @param versionTag an opaque version identifier, or {@code null}
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public ObjectInfo(long size, String versionTag) {
      this(size, versionTag, null);
    }

    /** Checks a range request against this description, as every {@code open} must. */
    static void checkRange(ObjectInfo object, long start, long end) {
      Objects.requireNonNull(object, "object");
      if (start < 0 || end <= start || end > object.size()) {
        throw new IllegalArgumentException(
            "range [" + start + ", " + end + ") is not a non-empty range within [0, "
                + object.size() + ")");
      }
    }
  }
}
