package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Repr-Digest} is an RFC 8941 dictionary: the known algorithms are read whatever else the
 * field holds (other algorithms of any value type, parameters, whitespace), and a field that is
 * not a dictionary, or a known algorithm whose value is not a byte sequence of its length, is a
 * permanent error naming the header.
 */
@Timeout(10)
class StatedChecksumsTest {
  private static final byte[] SHA256 = new byte[32];
  private static final byte[] SHA512 = new byte[64];
  private static final byte[] MD5 = new byte[16];
  private static final byte[] CRC = {0x12, 0x34, 0x56, 0x78};

  static {
    for (int i = 0; i < 64; i++) {
      SHA512[i] = (byte) (i * 7);
      if (i < 32) {
        SHA256[i] = (byte) (i * 3 + 1);
      }
      if (i < 16) {
        MD5[i] = (byte) (i * 5 + 2);
      }
    }
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static Map<ObjectChecksum.Algorithm, ObjectChecksum> parse(String value)
      throws RangeSourceException {
    return StatedChecksums.reprDigest(value, "test response");
  }

  @Test
  void everyKnownAlgorithmIsReadAmongOthers() throws Exception {
    Map<ObjectChecksum.Algorithm, ObjectChecksum> d = parse(
        "unixsum=:AAE=:,  sha-512=:" + b64(SHA512) + ":;keyid=\"k1\";t=?1,\tmd5=:" + b64(MD5)
            + ":, adler=(:AAA=: 12 tok/en);p=1.5, crc32c=:" + b64(CRC) + ":, sha-256=:"
            + b64(SHA256) + ":, flag, when=@1700000000, note=%\"caf%c3%a9\", n=-12.5, t=a:b/c");
    assertThat(d).containsOnlyKeys(ObjectChecksum.Algorithm.SHA512, ObjectChecksum.Algorithm.MD5,
        ObjectChecksum.Algorithm.CRC32C, ObjectChecksum.Algorithm.SHA256);
    assertThat(d.get(ObjectChecksum.Algorithm.SHA256)).isEqualTo(ObjectChecksum.sha256(SHA256));
    assertThat(d.get(ObjectChecksum.Algorithm.MD5)).isEqualTo(ObjectChecksum.md5(MD5));
    assertThat(d.get(ObjectChecksum.Algorithm.CRC32C)).isEqualTo(ObjectChecksum.crc32c(0x12345678));
    assertThat(d.get(ObjectChecksum.Algorithm.SHA512).value()).isEqualTo(SHA512);
  }

  @Test
  void anEmptyFieldOrOnlyUnknownAlgorithmsStateNothing() throws Exception {
    assertThat(parse("")).isEmpty();
    assertThat(parse("  ")).isEmpty();
    assertThat(parse("sha=:AAAA:, unixcksum=:AAAA:")).isEmpty();
  }

  @Test
  void aRepeatedKeyTakesTheLastValue() throws Exception {
    byte[] other = SHA256.clone();
    other[0] ^= 1;
    assertThat(parse("sha-256=:" + b64(other) + ":, sha-256=:" + b64(SHA256) + ":")
        .get(ObjectChecksum.Algorithm.SHA256)).isEqualTo(ObjectChecksum.sha256(SHA256));
  }

  @Test
  void malformedFieldsAreRefusedNamingTheHeader() {
    String ok = "sha-256=:" + b64(SHA256) + ":";
    String[] bad = {
        ok + ",", ok + ", ", "," + ok, ok + " x", "Sha-256=:" + b64(SHA256) + ":",
        "sha-256=:" + b64(SHA256), "sha-256=:not base64!:", "sha-256=:" + b64(MD5) + ":",
        "sha-256=" + b64(SHA256), "sha-256=\"" + b64(SHA256) + "\"", "md5=?1", "crc32c",
        "x=\"unterminated", "x=(a b", "x=?2", "x=", "sha-256=:" + b64(SHA256) + ":;",
        "x=\u00e9"};
    for (String value : bad) {
      assertThatThrownBy(() -> parse(value)).as(value)
          .isInstanceOfSatisfying(RangeSourceException.class,
              e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.PERMANENT))
          .hasMessageContaining("malformed Repr-Digest header")
          .hasMessageContaining("test response");
    }
  }
}
