package dev.latchwork.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A response of {@link WireTransport} on one connection, framing its body: a fixed {@code
 * Content-Length}, {@code chunked}, or until the server closes. Closing it gives the connection
 * back to the pool only when the body was read to its exact end, the response allowed keep-alive
 * and no byte beyond it is buffered; any other close aborts the connection, so a response never
 * leaks into the next exchange. Used by one thread at a time.
 */
final class WireResponse implements HttpTransport.Response {
  private final WireConnection connection;
  private final URI uri;
  private final int status;
  private final Map<String, String> fields;
  private final boolean keepAlive;
  private final boolean chunked;
  private long remaining; // fixed length: bytes left; chunked: bytes left in this chunk
  private boolean ended;
  private final Consumer<WireConnection> pool;
  private boolean released;

  /**
   * @param pool takes the connection back once the body was read to its end with keep-alive
   */
  WireResponse(WireConnection connection, URI uri, int status, Map<String, String> fields,
      boolean http11, boolean head, Consumer<WireConnection> pool) throws RangeSourceException {
    this.connection = connection;
    this.pool = pool;
    this.uri = uri;
    this.status = status;
    this.fields = fields;
    String connectionHeader = fields.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
    boolean close = connectionHeader.contains("close") || !http11;
    String transfer = fields.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
    this.chunked = !head && transfer.contains("chunked");
    if (head || status == 204 || status == 304) {
      remaining = 0;
      ended = true;
    } else if (chunked) {
      remaining = -1; // read the first chunk size on the first read
    } else if (fields.containsKey("content-length")) {
      remaining = HttpHeaderValues.contentLength(fields.get("content-length"),
          "response to " + Redaction.redact(uri));
      ended = remaining == 0;
    } else {
      remaining = Long.MAX_VALUE; // until the server closes
      close = true;
    }
    this.keepAlive = !close;
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(fields.get(name.toLowerCase(Locale.ROOT)));
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (ended) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (chunked && remaining <= 0) {
      if (remaining == 0) {
        expectCrlf();
      }
      remaining = chunkSize();
      if (remaining == 0) {
        skipTrailers();
        ended = true;
        return -1;
      }
    }
    int limit = dst.limit();
    if (dst.remaining() > remaining) {
      dst.limit(dst.position() + (int) remaining);
    }
    int n;
    try {
      n = connection.read(dst);
    } finally {
      dst.limit(limit);
    }
    if (n < 0) {
      if (remaining == Long.MAX_VALUE) {
        ended = true;
        return -1;
      }
      throw new EOFException("connection closed with " + remaining + " bytes of the "
          + (chunked ? "chunk" : "body") + " outstanding");
    }
    if (remaining != Long.MAX_VALUE) {
      remaining -= n;
      if (!chunked && remaining == 0) {
        ended = true;
      }
    }
    return n;
  }

  private long chunkSize() throws IOException {
    String line = chunkLine();
    int semicolon = line.indexOf(';');
    String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
    try {
      long size = Long.parseLong(hex, 16);
      if (size < 0 || hex.isEmpty() || hex.length() > 15) {
        throw new NumberFormatException(hex);
      }
      return size;
    } catch (NumberFormatException e) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          "malformed chunk size in the response from " + Redaction.redact(uri));
    }
  }

  private void expectCrlf() throws IOException {
    if (!chunkLine().isEmpty()) {
      throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
          "chunk not followed by CRLF in the response from " + Redaction.redact(uri));
    }
  }

  private void skipTrailers() throws IOException {
    while (!chunkLine().isEmpty()) {
      // trailers are not used
    }
  }

  private String chunkLine() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b; (b = connection.readByte()) != '\n'; ) {
      if (b < 0) {
        throw new EOFException("connection closed inside chunk framing");
      }
      if (line.length() > WireConnection.MAX_LINE) {
        throw new RangeSourceException(RangeSourceException.Kind.PERMANENT,
            "chunk framing line too long from " + Redaction.redact(uri));
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  @Override
  public void close() {
    if (released) {
      return;
    }
    released = true;
    if (ended && keepAlive && !connection.hasBufferedBytes() && !connection.isAborted()) {
      pool.accept(connection);
    } else {
      connection.abort();
    }
  }
}
