package dev.latchwork.jcstress.cache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.latchwork.fetch.FetchCache;
import dev.latchwork.fetch.FetchCacheProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * {@link FetchCache}: {@code open(key)} racing the eviction of that key's entry. The cache's
 * budget holds one object; "k" is cached and unused. One actor opens and reads "k"; the other
 * opens and reads "k2", whose fetch must evict "k" to get space. Either the open finds "k" first
 * (the entry is in use, so the eviction waits until its handle closes) or the eviction removes
 * "k" first (the open makes a new entry and fetches "k" again). Either way the reader of "k"
 * gets its bytes, its entry is not removed while it holds it, both reads return (no fetch waits
 * for space forever), and afterwards the cache holds exactly one entry and one file.
 *
 * <p>Results: the read of "k" (DATA, or what went wrong; REMOVED if its entry left the cache
 * while the handle was open), the read of "k2", and the cache afterwards: which key is cached
 * and whether "k" was fetched again.
 */
@JCStressTest
@Description("FetchCache.open racing the eviction of the same key: a usable entry, never an evicted one")
@Outcome(id = "DATA, DATA, k kept then evicted for k2", expect = ACCEPTABLE,
    desc = "The open came first: k was read from the cache and evicted only after its handle closed.")
@Outcome(id = "DATA, DATA, k fetched again and cached", expect = ACCEPTABLE,
    desc = "The eviction came first: the open made a new entry, fetched k again, and evicted k2 (unused by then) for it.")
@Outcome(id = "DATA, DATA, k fetched again then evicted for k2", expect = ACCEPTABLE,
    desc = "The eviction came first: k was fetched again, and evicted again for k2 once its handle closed.")
@Outcome(expect = FORBIDDEN,
    desc = "A read failed, saw wrong bytes or timed out (a fetch waiting for space was never woken), an entry in use was evicted, or the cache was left inconsistent (budget, entries, files).")
@State
public class FetchCacheOpenRacingEvictionTest {
  private final Path dir = CacheFixture.newDirectory();
  private final FetchCache cache = CacheFixture.openCache(dir, CacheFixture.SIZE);
  private final CacheFixture.Source k = new CacheFixture.Source();
  private final CacheFixture.Source k2 = new CacheFixture.Source();

  /** Caches "k" (fetched once) and leaves it unused: the only evictable entry. */
  public FetchCacheOpenRacingEvictionTest() {
    CacheFixture.cacheWhole(cache, "k", k);
  }

  /**
   * Opens and reads "k", and checks its entry is still in the cache while the handle is open.
   *
   * @param r the result
   */
  @Actor
  public void openCached(LLL_Result r) {
    r.r1 = readHolding("k", k);
  }

  /**
   * Opens and reads "k2", whose fetch evicts "k" when it can.
   *
   * @param r the result
   */
  @Actor
  public void openOther(LLL_Result r) {
    r.r2 = readHolding("k2", k2);
  }

  /**
   * Describes the cache left behind, then closes it and deletes its directory.
   *
   * @param r the result
   */
  @Arbiter
  public void arbiter(LLL_Result r) {
    List<String> keys = FetchCacheProbe.keys(cache);
    long files = CacheFixture.objectFiles(dir);
    long bytes = cache.stats().bytesCached();
    String kept = k.transfers() == 1 ? "k kept" : "k fetched again";
    if (keys.equals(List.of("k2")) && k.transfers() <= 2 && k2.transfers() == 1) {
      r.r3 = kept + " then evicted for k2";
    } else if (keys.equals(List.of("k")) && k.transfers() == 2 && k2.transfers() == 1) {
      r.r3 = kept + " and cached";
    } else {
      r.r3 = "keys " + keys + ", fetches of k " + k.transfers() + ", of k2 " + k2.transfers();
    }
    if (files != 1 || bytes != CacheFixture.SIZE) {
      r.r3 += ", " + files + " object files, " + bytes + " bytes cached";
    }
    CacheFixture.dispose(cache, dir);
  }

  private String readHolding(String key, CacheFixture.Source source) {
    try (FetchCache.Handle h = cache.open(key, source)) {
      String read = CacheFixture.readEight(h);
      return FetchCacheProbe.entryRemoved(h) ? "REMOVED (" + read + ")" : read;
    } catch (IOException | RuntimeException e) {
      return e.toString();
    }
  }
}
