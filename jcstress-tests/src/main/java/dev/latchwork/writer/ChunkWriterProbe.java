package dev.latchwork.writer;

/**
 * Gives the jcstress harnesses in {@code dev.latchwork.jcstress.writer} the package-private
 * finalization counter of a {@link ChunkWriter} (same package, so no public test hook is needed
 * in the library). Not part of the library.
 */
public final class ChunkWriterProbe {
  private ChunkWriterProbe() {}

  /** How many commit attempts of {@code writer} were finalized. */
  public static int finalizations(ChunkWriter writer) {
    return writer.finalizationCount();
  }
}
