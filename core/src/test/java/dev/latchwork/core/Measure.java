package dev.latchwork.core;

import java.lang.management.ManagementFactory;

/** Allocation and heap measurements for tests that prove a path allocates or retains nothing. */
final class Measure {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Measure() {}

  /** An action whose allocations are measured. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  /** Bytes the current thread allocates while running {@code action}. */
  static long bytesAllocatedBy(Action action) throws Exception {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    action.run();
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }

  /** Heap in use after full collections (System.gc() is a full collection on the JDK's GCs). */
  static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Runtime runtime = Runtime.getRuntime();
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }
}
