package dev.latchwork.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 connection of the built-in transport: a blocking {@link SocketChannel} for http
 * (reads land directly in the caller's buffer, direct or heap), an {@link SSLSocket} layered on a
 * plain socket for https (hostname verified by the JDK, as {@code HttpsURLConnection} does).
 *
 * <p>{@link #abort()} may be called from any thread: it closes the underlying socket, which wakes a
 * read or write blocked in it (a closed {@code SocketChannel} throws {@code
 * AsynchronousCloseException}, a socket read throws {@code SocketException}). All other methods are
 * confined to the one thread that owns the connection at the time (the pool hands it over).
 */
final class WireConnection {
  /*
   * Implementation notes: the response head is read through `buffer` (a 16 KiB heap buffer kept in
   * read mode between calls); bytes of the body that arrived with the head stay there and are
   * served before the socket is read again. Large body reads bypass the buffer.
   */

  /** The longest status, header or chunk-framing line accepted, in bytes. */
  static final int MAX_LINE = 16 << 10;
  private static final int BUFFER = 16 << 10;

  private final String key;
  private final Socket raw;
  private final SocketChannel channel; // null for https
  private final InputStream tlsIn; // null for http
  private final OutputStream tlsOut; // null for http
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).flip();
  private volatile boolean aborted;
  private long idleSinceNanos;
  private int uses;

  private WireConnection(String key, Socket raw, SocketChannel channel, SSLSocket tls)
      throws IOException {
    this.key = key;
    this.raw = raw;
    this.channel = channel;
    this.tlsIn = tls == null ? null : tls.getInputStream();
    this.tlsOut = tls == null ? null : tls.getOutputStream();
  }

  /** The pool key of {@code uri}: scheme, host and port. */
  static String key(URI uri) {
    return uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getHost() + ":"
        + port(uri);
  }

  static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * Connects to {@code uri}'s origin; {@code onSocket} receives the socket before it connects, so
   * that the caller can abort a connect or handshake in progress by closing it.
   */
  static WireConnection open(URI uri, SSLContext tls, int connectTimeoutMillis,
      java.util.function.Consumer<Socket> onSocket) throws IOException {
    String host = uri.getHost();
    int port = port(uri);
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    SocketChannel channel = https ? null : SocketChannel.open();
    Socket raw = https ? new Socket() : channel.socket();
    try {
      onSocket.accept(raw);
      raw.setTcpNoDelay(true);
      raw.setKeepAlive(true);
      InetSocketAddress address = new InetSocketAddress(host, port);
      if (address.isUnresolved()) {
        throw new java.net.UnknownHostException(host);
      }
      raw.connect(address, connectTimeoutMillis);
      SSLSocket ssl = null;
      if (https) {
        ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
      }
      return new WireConnection(key(uri), raw, channel, ssl);
    } catch (IOException | RuntimeException e) {
      closeQuietly(raw);
      throw e;
    }
  }

  String key() {
    return key;
  }

  /** How many exchanges used this connection before the current one. */
  int uses() {
    return uses;
  }

  void markReused() {
    uses++;
  }

  long idleSinceNanos() {
    return idleSinceNanos;
  }

  void markIdle() {
    idleSinceNanos = System.nanoTime();
  }

  /** Writes the whole request head. */
  void write(String head) throws IOException {
    byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
    if (channel != null) {
      ByteBuffer out = ByteBuffer.wrap(bytes);
      while (out.hasRemaining()) {
        channel.write(out);
      }
    } else {
      tlsOut.write(bytes);
      tlsOut.flush();
    }
  }

  /**
   * Reads one CRLF- (or LF-) terminated line of at most {@code max} bytes, without the terminator.
   *
   * @throws EOFException if the connection ends first ({@code readAny} says whether a byte came)
   */
  String readLine(int max, boolean[] readAny) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      if (!buffer.hasRemaining() && fill() < 0) {
        throw new EOFException("connection closed by the server"
            + (line.length() > 0 ? " in the middle of a header line" : ""));
      }
      readAny[0] = true;
      byte b = buffer.get();
      if (b == '\n') {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') {
          line.setLength(len - 1);
        }
        return line.toString();
      }
      if (line.length() >= max) {
        throw new IOException("response header line longer than " + max + " bytes");
      }
      line.append((char) (b & 0xff));
    }
  }

  /**
   * Reads up to {@code dst.remaining()} body bytes: first those buffered with the head, then from
   * the socket directly into {@code dst}.
   *
   * @return the number of bytes read, or -1 at the end of the connection
   */
  int read(ByteBuffer dst) throws IOException {
    if (buffer.hasRemaining()) {
      int n = Math.min(buffer.remaining(), dst.remaining());
      ByteBuffer slice = buffer.slice();
      slice.limit(n);
      dst.put(slice);
      buffer.position(buffer.position() + n);
      return n;
    }
    if (channel != null) {
      return channel.read(dst);
    }
    if (dst.hasArray()) {
      int n = tlsIn.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }
    byte[] tmp = new byte[Math.min(dst.remaining(), 64 << 10)];
    int n = tlsIn.read(tmp);
    if (n > 0) {
      dst.put(tmp, 0, n);
    }
    return n;
  }

  /** Reads one byte of the body (chunked framing), or -1 at the end of the connection. */
  int readByte() throws IOException {
    if (!buffer.hasRemaining() && fill() < 0) {
      return -1;
    }
    return buffer.get() & 0xff;
  }

  private int fill() throws IOException {
    buffer.clear();
    int n;
    try {
      if (channel != null) {
        n = channel.read(buffer);
      } else {
        n = tlsIn.read(buffer.array(), 0, buffer.capacity());
        if (n > 0) {
          buffer.position(n);
        }
      }
    } finally {
      buffer.flip();
    }
    return n;
  }

  /** True if bytes are buffered beyond a finished response: the connection cannot be reused. */
  boolean hasBufferedBytes() {
    return buffer.hasRemaining();
  }

  /** Closes the socket; safe from any thread, any number of times. */
  void abort() {
    aborted = true;
    closeQuietly(raw);
  }

  boolean isAborted() {
    return aborted;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do: the socket is unusable either way.
    }
  }
}
