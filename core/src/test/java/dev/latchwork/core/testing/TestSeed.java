package dev.latchwork.core.testing;

import java.util.SplittableRandom;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The seed of the randomized tests, so that a failure found by {@code scripts/stress.sh} (or by
 * chance) can be replayed: {@code -Dlatchwork.test.seed=<long>} on the test JVM (with Maven:
 * {@code -DargLine=-Dlatchwork.test.seed=<long>}) fixes it; without the property one seed is chosen
 * at random, once per JVM.
 *
 * <p>Each test draws its random input from {@link #random(String)} under its own name, so a test's
 * input depends only on the seed and its name, not on which other tests ran before it. Test
 * classes that use it register it as an extension ({@code @ExtendWith(TestSeed.class)}): a failing
 * test's exception then carries a suppressed exception naming the seed, printed with its stack
 * trace.
 *
 * <p>Only the test inputs are replayed: the interleavings of racing threads depend on timing and
 * are not.
 */
public final class TestSeed implements TestExecutionExceptionHandler {
  /*
   * Implementation notes: random(name) mixes a hash of the name into the seed with the SplitMix64
   * finaliser, so nearby seeds and similar names still give unrelated streams. A fresh
   * SplittableRandom per call keeps each caller's stream private (SplittableRandom is not
   * thread-safe: a racing thread gets its own random, e.g. random(name + "/thread " + t)).
   */

  /** The system property that fixes the seed. */
  public static final String PROPERTY = "latchwork.test.seed";

  private static final long SEED = chooseSeed();

  private static long chooseSeed() {
    Long fixed = Long.getLong(PROPERTY);
    if (fixed != null) {
      return fixed;
    }
    if (System.getProperty(PROPERTY) != null) {
      throw new IllegalArgumentException(
          PROPERTY + " must be a long, was \"" + System.getProperty(PROPERTY) + "\"");
    }
    return new SplittableRandom().nextLong() >>> 19; // 45 bits, like stress.sh's seeds
  }

  /** Returns the seed of this JVM's randomized tests. */
  public static long seed() {
    return SEED;
  }

  /** Returns a new generator of the random input named {@code name}, derived from the seed. */
  public static SplittableRandom random(String name) {
    return new SplittableRandom(mix64(SEED ^ mix64(name.hashCode())));
  }

  /** Describes the seed the way it is set: {@code latchwork.test.seed=<seed>}. */
  public static String describe() {
    return PROPERTY + "=" + SEED;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Adds the seed to a failing test's exception, then rethrows it. */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throwable.addSuppressed(new SeedReport());
    throw throwable;
  }

  /** Names the seed in a failure's stack trace; its own stack trace would only be noise. */
  private static final class SeedReport extends Exception {
    private static final long serialVersionUID = 1L;

    SeedReport() {
      super(
          "randomized test input from " + describe() + " (replay with -DargLine=-D" + describe() + ")",
          null,
          false,
          false);
    }
  }
}
