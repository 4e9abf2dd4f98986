package dev.latchwork.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Identifies a thread for trace lines and stall reports: its id and whether it is a virtual
 * thread, on every JDK from 17 on, without compiling against JDK 19+ APIs.
 */
final class ThreadIdentity {
  /*
   * Implementation notes.
   *
   * Thread#isVirtual and Thread#threadId appeared in JDK 19 (virtual threads final in 21) and
   * the main code compiles with --release 17, so both are looked up once, at class
   * initialisation, as MethodHandles. Where isVirtual is missing no virtual thread can exist, so
   * the fallback is a constant false. Where threadId is missing, Thread#getId (not deprecated
   * before 19) is the same number. The handles are static finals, so the JIT treats them as
   * constants and inlines the target; they are only used when a line or a snapshot is being
   * built, never on the disabled fast path.
   */

  private static final MethodHandle IS_VIRTUAL = findIsVirtual();
  private static final MethodHandle THREAD_ID = findThreadId();

  private ThreadIdentity() {}

  /** Returns whether {@code thread} is a virtual thread; always false before JDK 19. */
  static boolean isVirtual(Thread thread) {
    if (IS_VIRTUAL == null) {
      return false;
    }
    try {
      return (boolean) IS_VIRTUAL.invokeExact(thread);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("Thread#isVirtual threw a checked exception", t);
    }
  }

  /** Returns the id of {@code thread}, as Thread#threadId (JDK 19+) or Thread#getId would. */
  static long id(Thread thread) {
    try {
      return (long) THREAD_ID.invokeExact(thread);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("Thread#threadId threw a checked exception", t);
    }
  }

  /**
   * Appends the thread tag of trace lines: {@code thread=<name> tid=<id>}; a virtual thread is
   * written {@code thread=virtual:<name> tid=<id>}, or {@code thread=virtual tid=<id>} when it
   * has no name (the default for virtual threads).
   */
  static void appendTag(StringBuilder line, String name, boolean virtual, long id) {
    line.append("thread=");
    if (virtual) {
      line.append("virtual");
      if (!name.isEmpty()) {
        line.append(':').append(name);
      }
    } else {
      line.append(name);
    }
    line.append(" tid=").append(id);
  }

  private static MethodHandle findIsVirtual() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null; // JDK 17/18: there are no virtual threads
    }
  }

  private static MethodHandle findThreadId() {
    MethodType type = MethodType.methodType(long.class);
    try {
      return MethodHandles.publicLookup().findVirtual(Thread.class, "threadId", type);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      try {
        return MethodHandles.publicLookup().findVirtual(Thread.class, "getId", type);
      } catch (NoSuchMethodException | IllegalAccessException e2) {
        throw new ExceptionInInitializerError(e2);
      }
    }
  }
}
