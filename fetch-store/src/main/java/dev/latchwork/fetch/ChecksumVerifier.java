package dev.latchwork.fetch;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.core.internal.Crc32c;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Checks a download incrementally against the checksum its caller gave, the one its source stated
 * or both, without holding a lock across I/O: a CRC32C from the per-part CRC32Cs the fetches
 * computed as the bytes arrived (combined once every part is in), an MD5 or SHA digest over the
 * object in order as the contiguous present prefix grows, fed from the fetches' own buffers when
 * their bytes arrive right at the prefix and read back from the temp file otherwise. Each algorithm
 * is computed once, however many expected values use it.
 *
 * <p>{@link #result()} opens once the object matched every expected checksum and fails with a
 * {@link ChecksumMismatchException} naming the first it did not match (or with the IOException
 * that stopped a read-back); a mismatch with the source's checksum says so in its message.
 * Every {@link #partDone} and {@link #offer} call happens-before {@code result()} completes.
 * Thread-safe: any number of fetch threads may call {@code offer} and {@code partDone}.
 */
final class ChecksumVerifier {
  /*
   * Implementation notes.
   *
   * CRC32C: crcs[p] is written before the incrementAndGet of partsIn that counts it; the thread
   * whose increment reaches partCount has seen every earlier increment (a chain of volatile
   * read-modify-writes), hence every crcs[p], and folds them in part order with Crc32c.combine.
   *
   * Digests: the MessageDigests and `fed` (bytes digested) are owned by whichever thread holds the
   * work-in-progress counter `wip` (the usual missed-signal drain loop): a thread that finds wip 0
   * owns the digest; a thread that finds it busy increments it and leaves, and the owner, seeing
   * the count not return to zero, drains again. So no request to catch up is lost, the digest is
   * touched by one thread at a time, and nobody blocks. offer() only feeds bytes that start exactly
   * at `fed` (and only if it wins ownership without waiting); anything else is read back from the
   * file by drain() once it is part of the present prefix (presentPrefix), so every byte is
   * digested exactly once, in order.
   *
   * Verdict: `pending` counts the checks not yet passed (the CRC32C one, the digest one); the
   * check that brings it to zero opens the result. A failure wins `failed` first, so the store is
   * failed once even if both checks mismatch.
   */

  /** Reads object bytes back from the temp file; returns -1 if the store is gone. */
  @FunctionalInterface
  interface FileReader {
    int read(ByteBuffer dst, long position) throws IOException;
  }

  private static final int READ_BACK = 256 << 10;

  private final String what;
  private final ObjectChecksum given; // the caller's, or null
  private final ObjectChecksum stated; // the source's, or null
  private final long size;
  private final long partSize;
  private final int partCount;
  private final BroadcastLatch result = new BroadcastLatch();
  private final Consumer<Throwable> onFailure;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicBoolean failed = new AtomicBoolean();

  // CRC32C
  private final int[] crcs;
  private final AtomicInteger partsIn = new AtomicInteger();

  // MD5 / SHA-256 / SHA-512: one digest per algorithm expected, or none
  private final MessageDigest[] digests;
  private final ObjectChecksum.Algorithm[] digestKinds; // digests[i] computes digestKinds[i]
  private final LongSupplier presentPrefix;
  private final FileReader reader;
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicLong fedPublished = new AtomicLong(); // fed, readable without ownership
  private long fed; // owned by the wip owner
  private ByteBuffer readBuffer; // owned by the wip owner
  private boolean finished; // owned by the wip owner

  /** With the caller's checksum only. */
  ChecksumVerifier(String what, ObjectChecksum expected, long size, long partSize,
      LongSupplier presentPrefix, FileReader reader, Consumer<Throwable> onFailure) {
    this(what, expected, null, size, partSize, presentPrefix, reader, onFailure);
  }

  /**
   * @param what the object, for the mismatch message
   * @param given the checksum the caller expects, or null
   * @param stated the checksum the source stated, or null (not both null)
   * @param presentPrefix the end of the contiguous run of present bytes from 0
   * @param reader reads present bytes back from the temp file
   * @param onFailure told of a mismatch or a failed read-back, once
   */
  ChecksumVerifier(String what, ObjectChecksum given, ObjectChecksum stated, long size,
      long partSize, LongSupplier presentPrefix, FileReader reader,
      Consumer<Throwable> onFailure) {
    if (given == null && stated == null) {
      throw new IllegalArgumentException("no checksum to verify");
    }
    this.onFailure = onFailure;
    this.what = what;
    this.given = given;
    this.stated = stated;
    this.size = size;
    this.partSize = partSize;
    this.partCount = (int) ((size + partSize - 1) / partSize);
    this.presentPrefix = presentPrefix;
    this.reader = reader;
    boolean crc = isCrc(given) || isCrc(stated);
    this.crcs = crc ? new int[partCount] : null;
    this.digestKinds = Stream.of(given, stated)
        .filter(c -> c != null && !isCrc(c)).map(ObjectChecksum::kind).distinct()
        .toArray(ObjectChecksum.Algorithm[]::new);
    this.digests = new MessageDigest[digestKinds.length];
    for (int i = 0; i < digests.length; i++) {
      digests[i] = newDigest(digestKinds[i]);
    }
    pending.set((crc ? 1 : 0) + (digests.length > 0 ? 1 : 0));
    if (size == 0) {
      if (crc) {
        finish(ObjectChecksum.crc32c(0));
      }
      if (digests.length > 0) {
        finishDigests();
      }
    }
  }

  private static boolean isCrc(ObjectChecksum c) {
    return c != null && c.kind() == ObjectChecksum.Algorithm.CRC32C;
  }

  /** Whether {@link #partDone} needs each part's CRC32C (a CRC32C is to be checked). */
  boolean checksPartCrcs() {
    return crcs != null;
  }

  /** Whether a digest takes the object's bytes (from {@link #offer}, or read back). */
  boolean digestsBytes() {
    return digests.length > 0;
  }

  /** Opens on a match; fails with the mismatch (or the read-back failure). */
  BroadcastLatch result() {
    return result;
  }

  /**
   * Bytes {@code [position, position + len)} were just written to the temp file from {@code
   * bytes[off..]}; a digest takes them from there if they continue its prefix.
   */
  void offer(long position, byte[] bytes, int off, int len) {
    offer(position, ByteBuffer.wrap(bytes, off, len));
  }

  /**
   * The bytes of {@code bytes} (position to limit, left unchanged) were just written to the temp
   * file at {@code position}; a digest takes them from there if they continue its prefix.
   */
  void offer(long position, ByteBuffer bytes) {
    int len = bytes.remaining();
    if (digests.length == 0 || len == 0 || fedPublished.get() != position
        || !wip.compareAndSet(0, 1)) {
      return;
    }
    if (fed == position) {
      for (MessageDigest digest : digests) {
        digest.update(bytes.duplicate());
      }
      fed += len;
      fedPublished.set(fed);
    }
    drainOnce();
    drainLoop();
  }

  /** Part {@code part}, whose CRC32C is {@code crc}, is complete and present. */
  void partDone(int part, int crc) {
    if (crcs != null) {
      crcs[part] = crc;
      if (partsIn.incrementAndGet() == partCount) {
        int combined = crcs[0];
        for (int p = 1; p < partCount; p++) {
          long length = Math.min(partSize, size - (long) p * partSize);
          combined = Crc32c.combine(combined, crcs[p], length);
        }
        finish(ObjectChecksum.crc32c(combined));
      }
    }
    if (digests.length > 0 && wip.getAndIncrement() == 0) {
      drainOnce();
      drainLoop();
    }
  }

  /** Leaves ownership, draining again for every request that arrived meanwhile. */
  private void drainLoop() {
    int missed = 1;
    for (;;) {
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
      drainOnce();
    }
  }

  /** Digests the present prefix beyond {@code fed}; only the wip owner calls it. */
  private void drainOnce() {
    if (finished) {
      return;
    }
    try {
      long end = Math.min(size, presentPrefix.getAsLong());
      while (fed < end) {
        if (readBuffer == null) {
          readBuffer = ByteBuffer.allocate((int) Math.min(READ_BACK, size));
        }
        readBuffer.clear().limit((int) Math.min(readBuffer.capacity(), end - fed));
        int n = reader.read(readBuffer, fed);
        if (n < 0) {
          return; // the store is gone; nobody will ask for the result
        }
        for (MessageDigest digest : digests) {
          digest.update(readBuffer.array(), 0, n);
        }
        fed += n;
        fedPublished.set(fed);
      }
    } catch (IOException | RuntimeException e) {
      finished = true;
      fail(e);
      return;
    }
    if (fed == size) {
      finished = true;
      finishDigests();
    }
  }

  private void finishDigests() {
    for (int i = 0; i < digests.length; i++) {
      if (!check(ObjectChecksum.of(digestKinds[i], digests[i].digest()))) {
        return;
      }
    }
    passed();
  }

  /** Compares one algorithm's result with every expected value of it; the CRC32C check. */
  private void finish(ObjectChecksum actual) {
    if (check(actual)) {
      passed();
    }
  }

  /** Whether {@code actual} matches every expected value of its algorithm; fails otherwise. */
  private boolean check(ObjectChecksum actual) {
    if (given != null && given.kind() == actual.kind() && !given.equals(actual)) {
      fail(new ChecksumMismatchException(what, given, actual));
      return false;
    }
    if (stated != null && stated.kind() == actual.kind() && !stated.equals(actual)) {
      fail(new ChecksumMismatchException(what + " (checksum stated by the source)", stated,
          actual));
      return false;
    }
    return true;
  }

  private void passed() {
    if (pending.decrementAndGet() == 0 && !failed.get()) {
      result.open();
    }
  }

  /**
   * Fails the result once, whichever check fails first (see the notes). The store is failed
   * first, so that whoever sees the result failed also finds the store failed.
   */
  private void fail(Throwable e) {
    if (failed.compareAndSet(false, true)) {
      onFailure.accept(e);
      result.fail(e);
    }
  }

  private static MessageDigest newDigest(ObjectChecksum.Algorithm algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.label);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has " + algorithm.label, e);
    }
  }
}
