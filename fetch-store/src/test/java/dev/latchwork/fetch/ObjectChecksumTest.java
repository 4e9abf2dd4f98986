package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectChecksumTest {
  @Test
  void crc32cKeepsItsValueBigEndianAndPrintsHex() {
    ObjectChecksum c = ObjectChecksum.crc32c(0xE3069283);
    assertThat(c.algorithm()).isEqualTo("CRC32C");
    assertThat(c.value()).containsExactly(0xE3, 0x06, 0x92, 0x83);
    assertThat(c.crc32cValue()).isEqualTo(0xE3069283);
    assertThat(c).hasToString("CRC32C:e3069283");
  }

  @Test
  void digestsOfTheWrongLengthAreRefusedNamingBothLengths() {
    assertThatThrownBy(() -> ObjectChecksum.md5(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16")
        .hasMessageContaining("15");
    assertThatThrownBy(() -> ObjectChecksum.sha256(new byte[16]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
    assertThatThrownBy(() -> ObjectChecksum.md5(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void valuesAreCopiedInAndOut() {
    byte[] digest = new byte[16];
    ObjectChecksum c = ObjectChecksum.md5(digest);
    digest[0] = 1;
    c.value()[1] = 1;
    assertThat(c.value()).containsOnly(0);
  }

  @Test
  void equalityIsAlgorithmAndValue() {
    assertThat(ObjectChecksum.md5(new byte[16])).isEqualTo(ObjectChecksum.md5(new byte[16]))
        .hasSameHashCodeAs(ObjectChecksum.md5(new byte[16]));
    assertThat(ObjectChecksum.crc32c(1)).isNotEqualTo(ObjectChecksum.crc32c(2));
    byte[] four = {0, 0, 0, 1};
    assertThat(ObjectChecksum.crc32c(1).value()).isEqualTo(four);
    assertThat(ObjectChecksum.sha256(new byte[32])).isNotEqualTo(ObjectChecksum.md5(new byte[16]));
  }

  @Test
  void mismatchExceptionNamesBothValues() {
    ChecksumMismatchException e = new ChecksumMismatchException("obj",
        ObjectChecksum.crc32c(0x01020304), ObjectChecksum.crc32c(0x0a0b0c0d));
    assertThat(e).hasMessageContaining("obj").hasMessageContaining("CRC32C:01020304")
        .hasMessageContaining("CRC32C:0a0b0c0d");
    assertThat(e.expected()).isEqualTo(ObjectChecksum.crc32c(0x01020304));
    assertThat(e.actual()).isEqualTo(ObjectChecksum.crc32c(0x0a0b0c0d));
  }
}
