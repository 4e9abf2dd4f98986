package dev.latchwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class Crc32cTest {

  private static int reference(byte[] data, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(data, from, to - from);
    return (int) crc.getValue();
  }

  @Test
  void combiningPieceCrcsOfRandomSplitsEqualsTheCrcOfTheWhole() {
    SplittableRandom random = TestSeed.random("Crc32cTest.randomSplits");
    for (int round = 0; round < 2_000; round++) {
      byte[] data = new byte[random.nextInt(0, round < 1_000 ? 64 : 5_000)];
      random.nextBytes(data);
      // random cut points, duplicates allowed so that zero-length pieces occur
      int pieces = random.nextInt(1, 9);
      int[] cuts = new int[pieces + 1];
      for (int i = 1; i < pieces; i++) {
        cuts[i] = random.nextInt(0, data.length + 1);
      }
      cuts[pieces] = data.length;
      Arrays.sort(cuts);
      int combined = 0;
      for (int i = 0; i < pieces; i++) {
        combined = Crc32c.combine(combined, reference(data, cuts[i], cuts[i + 1]), cuts[i + 1] - cuts[i]);
      }
      assertThat(combined)
          .as("round %d, length %d, cuts %s", round, data.length, Arrays.toString(cuts))
          .isEqualTo(reference(data, 0, data.length));
    }
  }

  @Test
  void combineWithEmptyPiecesIsIdentity() {
    byte[] data = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int whole = reference(data, 0, data.length);
    assertThat(whole).isEqualTo(0xE3069283); // the published CRC-32C check value
    assertThat(Crc32c.combine(whole, 0, 0)).isEqualTo(whole);
    assertThat(Crc32c.combine(0, whole, data.length)).isEqualTo(whole);
  }

  @Test
  void combineHandlesLengthsBeyondTheIntRange() {
    // crc(A || zeros(n)) computed two ways: combine with the CRC of n zero bytes, where that CRC
    // is itself combined from smaller zero runs (associativity), must agree for n > 2^31.
    byte[] zeros = new byte[1 << 20];
    int crcMiB = reference(zeros, 0, zeros.length);
    int crc4GiB = 0;
    for (int i = 0; i < 4096; i++) {
      crc4GiB = Crc32c.combine(crc4GiB, crcMiB, zeros.length);
    }
    int doubling = crcMiB;
    long len = zeros.length;
    for (int i = 0; i < 12; i++) {
      doubling = Crc32c.combine(doubling, doubling, len);
      len *= 2;
    }
    assertThat(len).isEqualTo(4L << 30);
    assertThat(doubling).isEqualTo(crc4GiB);
    // and splitting the zero run differently around a non-zero prefix gives the same result
    int abc = reference("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
    int crcRest = 0;
    for (int i = 0; i < 4095; i++) {
      crcRest = Crc32c.combine(crcRest, crcMiB, zeros.length);
    }
    assertThat(Crc32c.combine(abc, crc4GiB, len))
        .isEqualTo(Crc32c.combine(Crc32c.combine(abc, crcMiB, zeros.length), crcRest, len - zeros.length));
  }

  @Test
  void negativeLengthIsRejected() {
    assertThatThrownBy(() -> Crc32c.combine(1, 2, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
