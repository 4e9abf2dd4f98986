package dev.latchwork.benchmarks.fetch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Prints a loopback TCP port that was free a moment ago (for {@code scripts/bench-fetch.sh}). */
public final class FreePort {
  private FreePort() {}

  /**
   * Prints the port.
   *
   * @param args ignored
   * @throws IOException if no port can be bound
   */
  public static void main(String[] args) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      System.out.println(s.getLocalPort());
    }
  }
}
