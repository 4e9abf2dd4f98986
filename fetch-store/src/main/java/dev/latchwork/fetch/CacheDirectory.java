package dev.latchwork.fetch;

import dev.latchwork.core.internal.FileInUseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Opens a {@link FetchCache}'s directory: creates it and its objects directory if missing, locks
 * it by opening its {@link CacheJournal} (refusing a directory another cache uses), rebuilds the
 * {@link CacheIndex} from the journal's recovered entries whose files exist, deletes the files no
 * durable entry names, and evicts down to the budget. If anything fails, the journal is closed
 * again (releasing the directory) before the failure is thrown.
 *
 * <p>Called by one thread, before the cache is published; it holds no state.
 */
final class CacheDirectory {
  /** The directory, under the cache's, of the entries' files. */
  static final String OBJECTS = "objects";

  private CacheDirectory() {}

  /**
   * Recovers {@code directory} and hands its journal and index to {@code cache}, which must not
   * throw an {@link IOException}; returns what it returns.
   */
  static <T> T open(Path directory, long maxBytes, long minFreeBytes,
      BiFunction<CacheJournal, CacheIndex, T> cache) throws IOException {
    Files.createDirectories(directory);
    Path objects = directory.resolve(OBJECTS);
    Files.createDirectories(objects);
    CacheJournal journal;
    try {
      journal = CacheJournal.open(directory);
    } catch (FileInUseException e) {
      IOException refused = new IOException("cache directory " + directory
          + " is in use by another FetchCache (in this process or another)");
      refused.initCause(e);
      throw refused;
    }
    try {
      CacheIndex index = new CacheIndex(objects, journal, maxBytes, minFreeBytes);
      Set<Path> kept = new HashSet<>();
      for (CacheJournal.Entry r : journal.recovered()) {
        Path file = objects.resolve(r.id() + ".part");
        if (Files.isRegularFile(file)) {
          index.addRecovered(r, file);
          kept.add(file);
        } else {
          journal.remove(r.id());
        }
      }
      try (Stream<Path> files = Files.list(objects)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (!kept.contains(f)) {
            Files.deleteIfExists(f); // a file whose entry never became durable
          }
        }
      }
      index.trimToBudget();
      return cache.apply(journal, index);
    } catch (IOException | RuntimeException | Error e) {
      try {
        journal.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
