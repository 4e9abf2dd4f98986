package dev.latchwork.core.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) helpers: the checksum of a buffer and {@link #combine}, which derives the
 * CRC of a concatenation from the CRCs of its parts without reading the data again. The one
 * implementation of these for every latchwork module.
 *
 * <p>Not API: public only so that the other latchwork modules can use it. Stateless; every method
 * is safe from any thread.
 */
public final class Crc32c {
  /*
   * Implementation notes.
   *
   * combine follows zlib's crc32_combine (1.2.12 and later) with the reflected Castagnoli
   * polynomial 0x82F63B78 in place of zlib's 0xEDB88320. A CRC with pre- and post-inversion is
   * affine in the message, and the inversions cancel when two CRCs are combined, so
   *   crc(A || B) = (crc(A) * x^(8 * len(B)) mod P) xor crc(B).
   * Polynomials are held bit-reflected in an int (bit 31 is x^0). multModP multiplies two of them
   * modulo P; x2nModP(n, k) computes x^(n * 2^k) mod P by square-and-multiply over the table
   * X2N[k] = x^(2^k) mod P, so combining costs O(log len) multiplications, each at most 32 steps.
   * zlib indexes its 32-entry table with k & 31, which relies on x^(2^32) = x mod P; rather than
   * depend on that property of the Castagnoli polynomial the table here simply covers every k a
   * non-negative long length can reach (3 + 63).
   */

  /** The reflected Castagnoli polynomial. */
  private static final int POLY = 0x82F63B78;

  private static final int X0 = 1 << 31; // the polynomial 1, reflected

  private static final int[] X2N = new int[67];

  static {
    int p = 1 << 30; // x^1
    X2N[0] = p;
    for (int n = 1; n < X2N.length; n++) {
      p = multModP(p, p);
      X2N[n] = p;
    }
  }

  private Crc32c() {}

  /**
   * The CRC32C of the remaining bytes of {@code buffer}; the buffer's position is not moved.
   *
   * @param buffer the bytes from its position to its limit
   * @return their CRC32C
   */
  public static int of(ByteBuffer buffer) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.duplicate());
    return (int) crc.getValue();
  }

  /**
   * The CRC32C of {@code length} bytes of {@code bytes} from {@code offset}.
   *
   * @param bytes the array
   * @param offset the first byte
   * @param length the number of bytes
   * @return their CRC32C
   * @throws IndexOutOfBoundsException if the range is not inside the array
   */
  public static int of(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  /**
   * The CRC32C of A followed by B, given {@code crcA} = crc(A), {@code crcB} = crc(B) and the
   * length of B in bytes.
   *
   * @param crcA the CRC32C of A
   * @param crcB the CRC32C of B
   * @param lengthB the length of B in bytes
   * @return the CRC32C of A followed by B
   * @throws IllegalArgumentException if {@code lengthB} is negative
   */
  public static int combine(int crcA, int crcB, long lengthB) {
    if (lengthB < 0) {
      throw new IllegalArgumentException("negative length: " + lengthB);
    }
    return multModP(x2nModP(lengthB, 3), crcA) ^ crcB;
  }

  /** Multiplies two reflected polynomials modulo P; {@code a} must not be zero. */
  private static int multModP(int a, int b) {
    int m = X0;
    int p = 0;
    for (;;) {
      if ((a & m) != 0) {
        p ^= b;
        if ((a & (m - 1)) == 0) {
          return p;
        }
      }
      m >>>= 1;
      b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
    }
  }

  /** x^(n * 2^k) mod P. */
  private static int x2nModP(long n, int k) {
    int p = X0;
    while (n != 0) {
      if ((n & 1) != 0) {
        p = multModP(X2N[k], p);
      }
      n >>>= 1;
      k++;
    }
    return p;
  }
}
