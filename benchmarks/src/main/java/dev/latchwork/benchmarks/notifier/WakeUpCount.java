package dev.latchwork.benchmarks.notifier;

import dev.latchwork.core.ProgressNotifier;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Reads {@code ProgressNotifier.wakeUpCount()} through a method handle while core's implementation
 * has not landed yet (the skeleton lacks the method); replaced by a direct call once it has.
 */
final class WakeUpCount {
  private static final MethodHandle WAKE_UP_COUNT = lookup();

  private WakeUpCount() {}

  private static MethodHandle lookup() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(ProgressNotifier.class, "wakeUpCount", MethodType.methodType(long.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  static long of(ProgressNotifier notifier) {
    if (WAKE_UP_COUNT == null) {
      throw new UnsupportedOperationException("ProgressNotifier.wakeUpCount() is missing");
    }
    try {
      return (long) WAKE_UP_COUNT.invokeExact(notifier);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
