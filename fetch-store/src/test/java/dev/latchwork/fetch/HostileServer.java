package dev.latchwork.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server that controls every byte: it parses each request head and lets the test's
 * handler write whatever it likes to the socket (or nothing, or forever). One thread per
 * connection; {@link #close()} closes every socket, which ends every handler.
 */
final class HostileServer implements AutoCloseable {
  /** A parsed request head; header names lower-cased. */
  record Request(String method, String target, Map<String, String> headers, int connection) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** {a, b + 1} of {@code Range: bytes=a-b}, or null. */
    long[] range() {
      String r = header("Range");
      if (r == null || !r.startsWith("bytes=")) {
        return null;
      }
      String[] ab = r.substring(6).split("-");
      return new long[] {Long.parseLong(ab[0]), Long.parseLong(ab[1]) + 1};
    }
  }

  /** Answers one request; returns false to close the connection afterwards. */
  @FunctionalInterface
  interface Handler {
    boolean handle(Request request, OutputStream out) throws Exception;
  }

  final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
  final AtomicInteger connections = new AtomicInteger();
  volatile Handler handler;
  private final ServerSocket socket;
  private final CopyOnWriteArrayList<Socket> open = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  HostileServer(Handler handler) throws IOException {
    this.handler = handler;
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "hostile-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/" + path);
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        int id = connections.incrementAndGet();
        Thread t = new Thread(() -> serve(s, id), "hostile-conn-" + id);
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s, int id) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        Request request = readHead(in, id);
        if (request == null) {
          return;
        }
        requests.add(request);
        boolean keep = handler.handle(request, out);
        out.flush();
        if (!keep) {
          return;
        }
      }
    } catch (Exception e) {
      // The client went away or the test closed the server: the connection is over.
    }
  }

  private static Request readHead(InputStream in, int id) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    for (int b; (b = in.read()) >= 0; ) {
      head.write(b);
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a) {
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] first = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          if (colon > 0) {
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                lines[i].substring(colon + 1).trim());
          }
        }
        return new Request(first[0], first[1], headers, id);
      }
    }
    return null;
  }

  /** Writes a response head (status line, headers, blank line). */
  static void head(OutputStream out, String status, String... headers) throws IOException {
    StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Answers a range request of {@code data} correctly, with extra headers. */
  static void range(Request request, OutputStream out, byte[] data, String... extra)
      throws IOException {
    long[] r = request.range();
    String[] headers = new String[extra.length + 2];
    headers[0] = "Content-Range: bytes " + r[0] + "-" + (r[1] - 1) + "/" + data.length;
    headers[1] = "Content-Length: " + (r[1] - r[0]);
    System.arraycopy(extra, 0, headers, 2, extra.length);
    head(out, "206 Partial Content", headers);
    out.write(data, (int) r[0], (int) (r[1] - r[0]));
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
