package dev.latchwork.fetch;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The expected checksum of a whole object, checked by a {@link FetchStore} (see {@link
 * FetchStore.Builder#verify}) when the last part of the download lands: a CRC32C, an MD5 or a
 * SHA-256 digest. A source may also state one for the object it describes ({@link
 * RangeSource.ObjectInfo#checksum()}; {@link HttpRangeSource} reads a server's), which is checked
 * the same way; a server may state a SHA-512 digest too. Immutable and thread-safe; two checksums
 * are equal when their algorithms and values are.
 *
 * <p>A CRC32C costs nothing extra to check: the store computes each part's CRC32C as its bytes
 * arrive and combines them. An MD5 or SHA-256 digest is computed over the object in order, fed
 * from the bytes as they arrive where they arrive in order and read back from the temp file where
 * a later part landed before an earlier one.
 */
public final class ObjectChecksum {
  /** The checksum algorithms, with their names and value lengths. */
  enum Algorithm {
    CRC32C("CRC32C", 4),
    MD5("MD5", 16),
    SHA256("SHA-256", 32),
    /** Only as a server states it (an RFC 9530 {@code Repr-Digest}); no public factory. */
    SHA512("SHA-512", 64);

    final String label;
    final int length;

    Algorithm(String label, int length) {
      this.label = label;
      this.length = length;
    }
  }

  private final Algorithm algorithm;
  private final byte[] value;

  private ObjectChecksum(Algorithm algorithm, byte[] value) {
    this.algorithm = algorithm;
    this.value = value;
  }

  /**
   * Returns the checksum of an object whose CRC32C (Castagnoli, as {@link java.util.zip.CRC32C}
   * computes it and S3's {@code x-amz-checksum-crc32c} states it) is {@code crc}.
   *
   * @param crc the CRC32C value, as the low 32 bits of {@code CRC32C.getValue()}
   * @return the checksum
   */
  public static ObjectChecksum crc32c(int crc) {
    return new ObjectChecksum(Algorithm.CRC32C, new byte[] {
        (byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc});
  }

  /**
   * Returns the checksum of an object whose MD5 digest is {@code digest}.
   *
   * @param digest the 16-byte digest (copied)
   * @return the checksum
   * @throws NullPointerException if {@code digest} is null
   * @throws IllegalArgumentException if {@code digest} is not 16 bytes long
   */
  public static ObjectChecksum md5(byte[] digest) {
    return of(Algorithm.MD5, digest);
  }

  /**
   * Returns the checksum of an object whose SHA-256 digest is {@code digest}.
   *
   * @param digest the 32-byte digest (copied)
   * @return the checksum
   * @throws NullPointerException if {@code digest} is null
   * @throws IllegalArgumentException if {@code digest} is not 32 bytes long
   */
  public static ObjectChecksum sha256(byte[] digest) {
    return of(Algorithm.SHA256, digest);
  }

  /** A checksum of {@code algorithm} from a digest, checking its length. */
  static ObjectChecksum of(Algorithm algorithm, byte[] digest) {
    Objects.requireNonNull(digest, "digest");
    if (digest.length != algorithm.length) {
      throw new IllegalArgumentException("a " + algorithm.label + " digest has " + algorithm.length
          + " bytes, not " + digest.length);
    }
    return new ObjectChecksum(algorithm, digest.clone());
  }

  /**
   * Returns the algorithm's name: {@code "CRC32C"}, {@code "MD5"}, {@code "SHA-256"} or, for a
   * digest a server stated, {@code "SHA-512"} (for the digests the {@link
   * java.security.MessageDigest} name).
   *
   * @return the algorithm's name
   */
  public String algorithm() {
    return algorithm.label;
  }

  /**
   * Returns the checksum's value, big-endian for a CRC32C.
   *
   * @return a new copy of the value
   */
  public byte[] value() {
    return value.clone();
  }

  Algorithm kind() {
    return algorithm;
  }

  /** The CRC32C value; only for a CRC32C checksum. */
  int crc32cValue() {
    if (algorithm != Algorithm.CRC32C) {
      throw new IllegalStateException("not a CRC32C: " + this);
    }
    return (value[0] & 0xff) << 24 | (value[1] & 0xff) << 16 | (value[2] & 0xff) << 8
        | (value[3] & 0xff);
  }

  /**
   * Returns true if {@code o} is an {@code ObjectChecksum} of the same algorithm and value.
   *
   * @param o the object to compare with
   * @return whether the checksums are equal
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectChecksum c && c.algorithm == algorithm
        && Arrays.equals(c.value, value);
  }

  /**
   * Returns a hash code consistent with {@link #equals}.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + Arrays.hashCode(value);
  }

  /**
   * Returns the algorithm and the value in hex, as {@code CRC32C:1a2b3c4d}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return algorithm.label + ":" + HexFormat.of().formatHex(value);
  }
}
