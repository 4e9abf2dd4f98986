package dev.latchwork.fetch;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that turns a URI into text fit for logs and exception messages.
 *
 * <p>Presigned URLs carry credentials in the query string, and some URLs carry user info; neither
 * may appear in a log line or an exception message. Everything that describes a URI in this
 * package goes through {@link #redact(URI)}, and every exception thrown by {@code java.net.http}
 * passes through {@link #scrub} before it leaves {@link HttpRangeSource}.
 */
final class Redaction {
  /** Stands in for a removed query string, so a reader of the log knows there was one. */
  static final String QUERY_MARK = "?<redacted>";

  private static final Pattern PARAMETER_SEPARATOR = Pattern.compile("[&;]");
  /** A run of URI characters containing a query: everything from the '?' on is a secret. */
  private static final Pattern QUERY_IN_TEXT = Pattern.compile("\\?[^\\s'\"<>()\\[\\]{}]*");
  /** The user info of anything shaped {@code scheme://user@host}. */
  private static final Pattern USER_INFO_IN_TEXT =
      Pattern.compile("(?<=//)[^/\\s'\"<>@?#]*@");

  private Redaction() {}

  /**
   * Returns {@code scheme://host[:port]/path}, with {@link #QUERY_MARK} if the URI had a query;
   * never the user info, query or fragment.
   */
  static String redact(URI uri) {
    if (uri == null) {
      return "null";
    }
    if (uri.isOpaque() || uri.getHost() == null) {
      // Nothing structured to keep: say what kind of URI it was and nothing else.
      return (uri.getScheme() == null ? "" : uri.getScheme() + ":") + "<redacted>";
    }
    StringBuilder sb = new StringBuilder();
    if (uri.getScheme() != null) {
      sb.append(uri.getScheme()).append("://");
    }
    sb.append(uri.getHost());
    if (uri.getPort() >= 0) {
      sb.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    if (path != null) {
      sb.append(path);
    }
    if (uri.getRawQuery() != null) {
      sb.append(QUERY_MARK);
    }
    return sb.toString();
  }

  /**
   * Returns {@code failure} itself if its message chain mentions neither the query nor the user
   * info of {@code uri}; otherwise an IOException of the same shape whose message and causes have
   * the secrets removed (the stack traces are kept).
   */
  static Throwable scrub(Throwable failure, URI uri) {
    if (failure == null || !leaks(failure, uri)) {
      return failure;
    }
    IOException clean =
        new IOException(
            failure.getClass().getName() + ": " + clean(failure.getMessage(), uri),
            scrub(failure.getCause() == failure ? null : failure.getCause(), uri));
    clean.setStackTrace(failure.getStackTrace());
    return clean;
  }

  /** Removes the secrets of {@code uri}, and every URI-shaped query and user info, from text. */
  static String clean(String text, URI uri) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (String secret : secrets(uri)) {
      result = result.replace(secret, "<redacted>");
    }
    return scrubText(result);
  }

  /**
   * Removes from free text (a server's {@code Location}, a transport's message) whatever looks
   * like a URI's query or user info, whatever URI it belongs to: a redirect target or a malformed
   * header can carry a presigned signature the caller never gave us.
   */
  static String scrubText(String text) {
    if (text == null) {
      return null;
    }
    String noQuery = QUERY_IN_TEXT.matcher(text).replaceAll(m ->
        m.group().length() == 1 ? "?" : Matcher.quoteReplacement(QUERY_MARK));
    return USER_INFO_IN_TEXT.matcher(noQuery).replaceAll("");
  }

  private static boolean leaks(Throwable failure, URI uri) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message != null && !clean(message, uri).equals(message)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The strings that must not appear: the whole query, user info and fragment, raw and decoded,
   * and each query parameter value and the password on their own (a message may quote just one).
   */
  private static String[] secrets(URI uri) {
    if (uri == null) {
      return new String[0];
    }
    List<String> secrets = new ArrayList<>(Arrays.asList(
        uri.getRawQuery(), uri.getQuery(), uri.getRawUserInfo(), uri.getUserInfo(),
        uri.getRawFragment(), uri.getFragment()));
    for (String query : new String[] {uri.getRawQuery(), uri.getQuery()}) {
      if (query != null) {
        for (String parameter : PARAMETER_SEPARATOR.split(query, -1)) {
          int eq = parameter.indexOf('=');
          secrets.add(eq < 0 ? parameter : parameter.substring(eq + 1));
        }
      }
    }
    for (String userInfo : new String[] {uri.getRawUserInfo(), uri.getUserInfo()}) {
      if (userInfo != null && userInfo.indexOf(':') >= 0) {
        secrets.add(userInfo.substring(userInfo.indexOf(':') + 1));
      }
    }
    return secrets.stream()
        // Values this short carry no secret, and replacing them would mangle messages.
        .filter(s -> s != null && s.length() >= 4)
        .distinct()
        // Longest first, so that a secret containing another is removed whole.
        .sorted((a, b) -> Integer.compare(b.length(), a.length()))
        .toArray(String[]::new);
  }
}
