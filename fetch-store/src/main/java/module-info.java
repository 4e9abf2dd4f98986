/**
 * latchwork fetch-store: {@link dev.latchwork.fetch.FetchStore}, a range-fetching temp store whose
 * readers at random offsets wait only for their own bytes.
 *
 * <p>Requires {@code dev.latchwork.core} transitively: core types (its exceptions and progress
 * primitives) appear in this module's API.
 */
module dev.latchwork.fetch {
  requires transitive dev.latchwork.core;
  requires org.slf4j;
  // HttpRangeSource is built on java.net.http.HttpClient, which appears in its API.
  requires transitive java.net.http;
  // JFR events; jdk.jfr is in every JDK runtime image.
  requires jdk.jfr;

  exports dev.latchwork.fetch;
}
