package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens what a new {@link FetchStore} is made of, for {@link FetchStore.Builder#open()}: describes
 * the source within the read timeout (unless a cache entry's object is described already), checks
 * the part size against the object, creates (or, for a cache entry, opens the kept) temp file and
 * the {@link Download} over it, not started. Stateless; each call runs on the calling thread only.
 *
 * <p>Nothing is left behind on failure: a temp file whose download cannot be created is closed
 * (which deletes a created one) before the exception propagates.
 */
final class StoreOpener {
  private static final Logger LOG = LoggerFactory.getLogger(FetchStore.class);

  /** The temp file and the download engine of a new store; the download is not started. */
  record Opened(TempFile file, Download download) {}

  private StoreOpener() {}

  /**
   * Opens the parts of a new store over {@code source}.
   *
   * @param tempDirectory the directory of a created temp file, or null for {@code java.io.tmpdir}
   * @param entryFile a cache entry's kept file, or null to create a temp file
   * @param described a cache entry's object as described, or null to describe the source
   * @throws IOException if the source cannot be described or the temp file cannot be created
   * @throws IllegalArgumentException if the part size is too small for the object
   */
  static Opened open(Tracer tracer, RangeSource source, FetchSettings settings, Path tempDirectory,
      Path entryFile, RangeSource.ObjectInfo described, Download.Options options)
      throws IOException {
    RangeSource.ObjectInfo object = described != null ? described
        : describe(tracer, source, settings);
    Download.partCount(object.size(), settings.partSize());
    TempFile file = entryFile != null
        ? TempFile.openKept(entryFile, object.size(), tracer.instance())
        : TempFile.create(tempDirectory != null ? tempDirectory
            : Paths.get(System.getProperty("java.io.tmpdir")), object.size(), tracer.instance());
    try {
      return new Opened(file, new Download(tracer, source, object, file, settings, options));
    } catch (RuntimeException | Error e) {
      file.close();
      throw e;
    }
  }

  /**
   * Describes {@code source}, retrying transient failures as the settings' policy says, and
   * checks that the part size suits the object.
   *
   * @throws IOException the last failure of {@code describe}, as {@link RetryPolicy#call} says
   * @throws IllegalArgumentException if the part size is too small for the object
   */
  private static RangeSource.ObjectInfo describe(Tracer tracer, RangeSource source,
      FetchSettings settings) throws IOException {
    RangeSource.ObjectInfo object = describe(source, settings.retryPolicy(),
        settings.readTimeout(), settings.backoff(), new BroadcastLatch(),
        (attempt, failure, delay) -> LOG.debug(
            "[FetchStore #{}] open RETRY describe attempt={} in={} thread={}: {}",
            tracer.instance(), attempt, delay, Thread.currentThread().getName(), failure));
    Download.partCount(object.size(), settings.partSize());
    return object;
  }

  /**
   * Describes {@code source} within {@code readTimeout} ({@link RangeSource#describe(Duration)}),
   * retrying transient failures as {@code policy} says: how a store and a cache learn an object.
   *
   * @param stop cuts the retries' backoffs short when it opens
   * @return the description, not null
   * @throws IOException the last failure of {@code describe}, as {@link RetryPolicy#call} says
   * @throws IllegalStateException if the source described no object
   */
  static RangeSource.ObjectInfo describe(RangeSource source, RetryPolicy policy,
      Duration readTimeout, RetryPolicy.Backoff backoff, BroadcastLatch stop,
      RetryPolicy.RetryListener listener) throws IOException {
    RangeSource.ObjectInfo object =
        policy.call(() -> source.describe(readTimeout), backoff, stop, listener);
    if (object == null) {
      throw new IllegalStateException(source + " described no object (null)");
    }
    return object;
  }
}
