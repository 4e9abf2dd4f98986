package dev.latchwork.fetch;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the checksum a server states for a whole object from a response's headers: S3's {@code
 * x-amz-checksum-crc32c} (sent when the request carries {@code x-amz-checksum-mode: ENABLED}) and
 * RFC 9530's {@code Repr-Digest}. A malformed value of a header this class uses is a permanent
 * {@link RangeSourceException} naming the header.
 *
 * <p>{@code x-amz-checksum-crc32c} counts only with {@code x-amz-checksum-type: FULL_OBJECT}: a
 * {@code COMPOSITE} checksum of a multipart upload is a checksum of the parts' checksums, not the
 * object's CRC32C, and an absent type says nothing about which it is. {@code Repr-Digest} is a
 * structured-field dictionary (RFC 8941) of the algorithms of the IANA "Hash Algorithms for HTTP
 * Digest Fields" registry; the ones known here are {@code sha-256} and {@code sha-512} (active),
 * {@code md5} and {@code crc32c} (deprecated there as insecure against an adversary, still sound
 * against corruption, which is what a download checks); other keys are ignored whatever their
 * value. Unlike {@code Content-Digest}, a {@code Repr-Digest} describes the whole selected
 * representation, on a {@code 206} as on a {@code 200}.
 */
final class StatedChecksums {
  /** The request header that asks S3 for the object's checksum, and its value. */
  static final String CHECKSUM_MODE = "x-amz-checksum-mode";

  static final String CHECKSUM_MODE_ENABLED = "ENABLED";

  private static final String AMZ_CRC32C = "x-amz-checksum-crc32c";
  private static final String AMZ_TYPE = "x-amz-checksum-type";
  private static final String REPR_DIGEST = "Repr-Digest";

  /** The Repr-Digest keys known here and their algorithms. */
  private static final Map<String, ObjectChecksum.Algorithm> DIGEST_KEYS = Map.of(
      "crc32c", ObjectChecksum.Algorithm.CRC32C,
      "sha-256", ObjectChecksum.Algorithm.SHA256,
      "sha-512", ObjectChecksum.Algorithm.SHA512,
      "md5", ObjectChecksum.Algorithm.MD5);

  /** Which stated algorithm is checked, cheapest first. */
  private static final ObjectChecksum.Algorithm[] PREFERENCE = {
      ObjectChecksum.Algorithm.CRC32C, ObjectChecksum.Algorithm.SHA256,
      ObjectChecksum.Algorithm.SHA512, ObjectChecksum.Algorithm.MD5};

  private StatedChecksums() {}

  /**
   * Returns the one checksum of the whole object that {@code response} states, or null: a full-
   * object {@code x-amz-checksum-crc32c}, else the cheapest algorithm of {@code Repr-Digest}
   * (a CRC32C costs nothing to check; a digest costs a pass over the object).
   *
   * @param where names the response, for the message
   * @throws RangeSourceException if a header this uses is malformed
   */
  static ObjectChecksum of(HttpTransport.Response response, String where)
      throws RangeSourceException {
    Optional<String> type = response.header(AMZ_TYPE);
    Optional<String> crc = response.header(AMZ_CRC32C);
    if (crc.isPresent() && type.isPresent() && type.get().equalsIgnoreCase("FULL_OBJECT")) {
      return ObjectChecksum.of(ObjectChecksum.Algorithm.CRC32C, crc32c(crc.get(), where));
    }
    Optional<String> repr = response.header(REPR_DIGEST);
    if (repr.isEmpty()) {
      return null;
    }
    Map<ObjectChecksum.Algorithm, ObjectChecksum> digests = reprDigest(repr.get(), where);
    for (ObjectChecksum.Algorithm kind : PREFERENCE) {
      if (digests.containsKey(kind)) {
        return digests.get(kind);
      }
    }
    return null;
  }

  /**
   * Returns the {@code Repr-Digest} value of {@code kind} that {@code response} states, or null
   * if it states none.
   */
  static ObjectChecksum reprDigest(HttpTransport.Response response, ObjectChecksum.Algorithm kind,
      String where) throws RangeSourceException {
    Optional<String> repr = response.header(REPR_DIGEST);
    return repr.isEmpty() ? null : reprDigest(repr.get(), where).get(kind);
  }

  /** Parses a {@code Repr-Digest} value: the known algorithms' digests, checked for length. */
  static Map<ObjectChecksum.Algorithm, ObjectChecksum> reprDigest(String value, String where)
      throws RangeSourceException {
    Map<String, Object> dictionary = new Dictionary(value).parse(where);
    Map<ObjectChecksum.Algorithm, ObjectChecksum> digests = new LinkedHashMap<>();
    for (Map.Entry<String, Object> member : dictionary.entrySet()) {
      ObjectChecksum.Algorithm kind = DIGEST_KEYS.get(member.getKey());
      if (kind == null) {
        continue;
      }
      if (!(member.getValue() instanceof byte[] bytes) || bytes.length != kind.length) {
        throw HttpHeaderValues.malformed(REPR_DIGEST, value, where + " (its " + member.getKey()
            + " is not a byte sequence of " + kind.length + " bytes)");
      }
      digests.put(kind, ObjectChecksum.of(kind, bytes));
    }
    return digests;
  }

  /** Decodes {@code x-amz-checksum-crc32c}: base64 of the big-endian 4-byte CRC32C. */
  private static byte[] crc32c(String value, String where) throws RangeSourceException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw HttpHeaderValues.malformed(AMZ_CRC32C, value, where + " (not base64)");
    }
    if (bytes.length != 4) {
      throw HttpHeaderValues.malformed(AMZ_CRC32C, value,
          where + " (" + bytes.length + " bytes, not 4)");
    }
    return bytes;
  }

  /**
   * A strict parser of an RFC 8941 dictionary (with RFC 9651's dates and display strings, so that
   * a member of another algorithm never fails the field). Members map to their value: a {@code
   * byte[]} for a byte sequence, a marker for anything else, which no digest is. Parameters are
   * skipped.
   */
  private static final class Dictionary {
    private static final Object OTHER = new Object();

    private final String s;
    private int at;

    Dictionary(String s) {
      this.s = s;
    }

    Map<String, Object> parse(String where) throws RangeSourceException {
      try {
        return members();
      } catch (IllegalArgumentException e) {
        throw HttpHeaderValues.malformed(REPR_DIGEST, s, where + " (" + e.getMessage() + ")");
      }
    }

    private Map<String, Object> members() {
      Map<String, Object> members = new LinkedHashMap<>();
      skip(" ");
      if (at == s.length()) {
        return members;
      }
      while (true) {
        String key = key();
        Object value;
        if (peek() == '=') {
          at++;
          value = peek() == '(' ? innerList() : bareItem();
        } else {
          value = OTHER; // boolean true
        }
        parameters();
        members.put(key, value); // a repeated key overrides, as RFC 8941 says
        skip(" \t");
        if (at == s.length()) {
          return members;
        }
        expect(',');
        skip(" \t");
        if (at == s.length()) {
          throw new IllegalArgumentException("trailing comma");
        }
      }
    }

    private String key() {
      int start = at;
      char c = peek();
      if (!(c == '*' || (c >= 'a' && c <= 'z'))) {
        throw new IllegalArgumentException("a key must start with a-z or *");
      }
      while (at < s.length() && isKeyChar(s.charAt(at))) {
        at++;
      }
      return s.substring(start, at);
    }

    private static boolean isKeyChar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'
          || c == '*';
    }

    private Object innerList() {
      expect('(');
      while (true) {
        skip(" ");
        if (peek() == ')') {
          at++;
          return OTHER;
        }
        bareItem();
        parameters();
        char c = peek();
        if (c != ' ' && c != ')') {
          throw new IllegalArgumentException("malformed inner list");
        }
      }
    }

    private void parameters() {
      while (at < s.length() && s.charAt(at) == ';') {
        at++;
        skip(" ");
        key();
        if (at < s.length() && s.charAt(at) == '=') {
          at++;
          bareItem();
        }
      }
    }

    private Object bareItem() {
      char c = peek();
      if (c == ':') {
        return byteSequence();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        number();
      } else if (c == '"') {
        string();
      } else if (c == '?') {
        at++;
        char b = peek();
        if (b != '0' && b != '1') {
          throw new IllegalArgumentException("malformed boolean");
        }
        at++;
      } else if (c == '*' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        at++;
        while (at < s.length() && (isKeyChar(Character.toLowerCase(s.charAt(at)))
            || ":/!#$%&'+^`|~".indexOf(s.charAt(at)) >= 0)) {
          at++;
        }
      } else if (c == '@') {
        at++;
        number();
      } else if (c == '%') {
        at++;
        string();
      } else {
        throw new IllegalArgumentException("unexpected '" + printable(c) + "'");
      }
      return OTHER;
    }

    private byte[] byteSequence() {
      expect(':');
      int end = s.indexOf(':', at);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated byte sequence");
      }
      String base64 = s.substring(at, end);
      for (int i = 0; i < base64.length(); i++) {
        char c = base64.charAt(i);
        if (!(Character.isLetterOrDigit(c) && c < 128) && c != '+' && c != '/' && c != '=') {
          throw new IllegalArgumentException("not base64 in a byte sequence");
        }
      }
      at = end + 1;
      try {
        return Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not base64 in a byte sequence");
      }
    }

    private void number() {
      if (peek() == '-') {
        at++;
      }
      int start = at;
      while (at < s.length() && (Character.isDigit(s.charAt(at)) || s.charAt(at) == '.')) {
        at++;
      }
      if (at == start || at - start > 16) {
        throw new IllegalArgumentException("malformed number");
      }
    }

    private void string() {
      expect('"');
      while (true) {
        char c = peek();
        at++;
        if (c == '\\') {
          peek();
          at++;
        } else if (c == '"') {
          return;
        } else if (c < 0x20 || c > 0x7e) {
          throw new IllegalArgumentException("malformed string");
        }
      }
    }

    private char peek() {
      if (at >= s.length()) {
        throw new IllegalArgumentException("unexpected end");
      }
      return s.charAt(at);
    }

    private void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("expected '" + c + "' at " + at);
      }
      at++;
    }

    private void skip(String chars) {
      while (at < s.length() && chars.indexOf(s.charAt(at)) >= 0) {
        at++;
      }
    }

    private static String printable(char c) {
      return c >= 0x20 && c < 0x7f ? String.valueOf(c)
          : String.format(Locale.ROOT, "\\u%04x", (int) c);
    }
  }
}
