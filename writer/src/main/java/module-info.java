/**
 * latchwork writer: {@link dev.latchwork.writer.ChunkWriter}, parallel chunk writes committed once,
 * all-or-nothing and resumable after a crash, and {@link dev.latchwork.writer.ChunkFile}, the
 * reader of the files it commits.
 *
 * <p>Requires {@code dev.latchwork.core} transitively: core types (progress notifiers, its
 * exceptions) appear in this module's API.
 */
module dev.latchwork.writer {
  requires transitive dev.latchwork.core;
  requires org.slf4j;
  // JFR events; jdk.jfr is in every JDK runtime image.
  requires jdk.jfr;

  exports dev.latchwork.writer;
}
