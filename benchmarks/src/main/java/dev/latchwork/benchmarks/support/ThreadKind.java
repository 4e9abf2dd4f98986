package dev.latchwork.benchmarks.support;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Platform or virtual threads for benchmark helper threads. The module compiles on release 17, so
 * virtual threads are created reflectively ({@code Thread.ofVirtual().unstarted(r)}) and are only
 * available when the benchmark runs on JDK 21+.
 */
public enum ThreadKind {
  platform,
  virtual;

  /*
   * Implementation notes: the method handles are resolved once, when this enum is initialised;
   * on JDK 17 the lookup fails and VIRTUAL_UNSTARTED stays null, which every caller sees through
   * isAvailable() and newThread()'s clear exception instead of a NoSuchMethodError.
   */

  private static final MethodHandle VIRTUAL_UNSTARTED = lookupVirtualUnstarted();

  private static MethodHandle lookupVirtualUnstarted() {
    try {
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle ofVirtualHandle =
          lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
      MethodHandle unstarted =
          lookup.findVirtual(
              builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
      // (Runnable) -> Thread: Thread.ofVirtual().unstarted(r), a fresh builder each call.
      return MethodHandles.collectArguments(
          unstarted, 0, ofVirtualHandle.asType(MethodType.methodType(builder)));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** True if threads of this kind can be created on the running JVM. */
  public boolean isAvailable() {
    return this == platform || VIRTUAL_UNSTARTED != null;
  }

  /**
   * An unstarted daemon thread of this kind running {@code task}.
   *
   * @throws UnsupportedOperationException for {@link #virtual} on a JDK older than 21
   */
  public Thread newThread(String name, Runnable task) {
    if (this == platform) {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      return t;
    }
    if (VIRTUAL_UNSTARTED == null) {
      throw new UnsupportedOperationException(
          "threads=virtual needs JDK 21+ (running on "
              + Runtime.version()
              + "); run with -p threadKind=platform");
    }
    try {
      Thread t = (Thread) VIRTUAL_UNSTARTED.invoke(task);
      t.setName(name);
      return t;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("Thread.ofVirtual().unstarted failed", e);
    }
  }
}
