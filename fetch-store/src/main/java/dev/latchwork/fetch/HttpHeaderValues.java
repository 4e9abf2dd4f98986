package dev.latchwork.fetch;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict parsers of the HTTP header values a range download depends on. A malformed value is a
 * permanent {@link RangeSourceException} naming the header, never a {@code NumberFormatException}
 * or an {@code IllegalArgumentException} from deeper down.
 */
final class HttpHeaderValues {
  private static final Pattern DIGITS = Pattern.compile("\\d{1,18}");
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)", Pattern.CASE_INSENSITIVE);
  private static final Pattern UNSATISFIED_RANGE =
      Pattern.compile("bytes\\s+\\*/(\\d{1,18})", Pattern.CASE_INSENSITIVE);

  private HttpHeaderValues() {}

  /** A parsed {@code Content-Range: bytes first-last/total}; {@code total} -1 for {@code *}. */
  record ContentRange(long first, long last, long total) {}

  /**
   * Parses a non-negative decimal {@code Content-Length}.
   *
   * @param where names the response, for the message
   */
  static long contentLength(String value, String where) throws RangeSourceException {
    String v = value.trim();
    if (!DIGITS.matcher(v).matches()) {
      throw malformed("Content-Length", value, where);
    }
    return Long.parseLong(v);
  }

  /** Parses {@code bytes a-b/n} (or {@code /*}); null if {@code value} is null. */
  static ContentRange contentRange(String value, String where) throws RangeSourceException {
    Matcher m = CONTENT_RANGE.matcher(value.trim());
    if (!m.matches()) {
      throw malformed("Content-Range", value, where);
    }
    long first = Long.parseLong(m.group(1));
    long last = Long.parseLong(m.group(2));
    long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    if (last < first || (total >= 0 && last >= total)) {
      throw malformed("Content-Range", value, where);
    }
    return new ContentRange(first, last, total);
  }

  /** Parses the total of {@code bytes *}{@code /n} (a 416's Content-Range). */
  static long unsatisfiedTotal(String value, String where) throws RangeSourceException {
    Matcher m = UNSATISFIED_RANGE.matcher(value.trim());
    if (!m.matches()) {
      throw malformed("Content-Range", value, where);
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * Parses {@code Retry-After}: delta-seconds or an HTTP-date (relative to {@code now}); empty if
   * absent or malformed (a hint only: a bad value must not fail the download).
   */
  static Optional<Duration> retryAfter(Optional<String> value, Instant now) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String v = value.get().trim();
    if (DIGITS.matcher(v).matches()) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    return httpDate(v).map(at -> at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
  }

  /** Parses an IMF-fixdate (RFC 9110's preferred HTTP-date); empty if it is not one. */
  static Optional<Instant> httpDate(String value) {
    try {
      return Optional.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The permanent failure for a malformed {@code header}; the value is shown short, scrubbed. */
  static RangeSourceException malformed(String header, String value, String where) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    return new RangeSourceException(RangeSourceException.Kind.PERMANENT,
        "malformed " + header + " header '" + Redaction.scrubText(shown) + "' in the " + where);
  }
}
