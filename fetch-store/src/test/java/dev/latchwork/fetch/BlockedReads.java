package dev.latchwork.fetch;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits (bounded) until a thread is inside a blocking read, seen in its stack. */
final class BlockedReads {
  private BlockedReads() {}

  static void awaitBlockedInRead(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      StackTraceElement[] stack = t.getStackTrace();
      boolean inRead = Arrays.stream(stack).anyMatch(e ->
          (e.getClassName().contains("NioSocketImpl") && e.getMethodName().startsWith("park"))
              || (e.getClassName().contains("SocketChannelImpl") && e.getMethodName().equals("read"))
              || e.getClassName().contains("SocketDispatcher")
              || (e.getClassName().contains("HttpResponseInputStream")
                  && e.getMethodName().equals("current"))
              || e.getClassName().contains("LinkedBlockingQueue"));
      if (inRead) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    throw new AssertionError("thread " + t + " never blocked in a read");
  }
}
