package dev.latchwork.fetch;

/**
 * A snapshot of a {@link FetchStore}'s download.
 *
 * <p>The components are read one after another without a lock, so a snapshot taken while the
 * download runs is not atomic across components (a part may be counted as done and still appear in
 * flight); each component on its own is a value it had during the call. A part is counted as done
 * (and no longer in flight) before its bytes are counted as present, so a snapshot whose {@code
 * bytesPresent} equals {@code size} has the final {@code partsDone}, {@code partsInFlight} (zero),
 * {@code retries} and {@code partsWaitingForSpace} (zero).
 *
 * @param bytesPresent bytes of completed parts, readable without waiting
 * @param size the object's size
 * @param partsDone parts completely written to the temp file
 * @param partsInFlight parts being fetched right now
 * @param retries failed attempts that were retried, summed over all parts
 * @param partsWaitingForSpace parts of a {@link FetchCache} entry that wait for disk space (the
 *     cache's {@code maxBytes} or {@code minFreeBytes}) before their fetch can start; not in
 *     flight yet. Always 0 for a store that is not a cache entry's
 */
public record FetchProgress(long bytesPresent, long size, int partsDone, int partsInFlight,
    long retries, int partsWaitingForSpace) {

  /**
   * A snapshot with no part waiting for space.
   *
   * @param bytesPresent bytes of completed parts, readable without waiting
   * @param size the object's size
   * @param partsDone parts completely written to the temp file
   * @param partsInFlight parts being fetched right now
   * @param retries failed attempts that were retried, summed over all parts
   */
  public FetchProgress(long bytesPresent, long size, int partsDone, int partsInFlight,
      long retries) {
    this(bytesPresent, size, partsDone, partsInFlight, retries, 0);
  }

  /** {@return true when every byte of the object is present} */
  public boolean isComplete() {
    return bytesPresent == size;
  }

  /** {@return {@code bytesPresent / size}, or 1 for an empty object} */
  public double fraction() {
    return size == 0 ? 1.0 : (double) bytesPresent / size;
  }
}
