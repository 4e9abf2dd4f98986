/**
 * latchwork core: wait primitives that cannot lose a wake-up ({@link dev.latchwork.core.BroadcastLatch},
 * {@link dev.latchwork.core.ProgressNotifier}), thread-tagged tracing with a stall watchdog
 * ({@link dev.latchwork.core.Tracer}, {@link dev.latchwork.core.StallWatchdog}) and concurrent
 * positional file writes ({@link dev.latchwork.core.PositionalWriter}).
 *
 * <p>The API is the package {@code dev.latchwork.core}. The package
 * {@code dev.latchwork.core.internal} holds helpers shared with latchwork's own fetch-store and
 * writer modules; it is exported to those two modules only and is not API.
 */
// The qualified export names modules that are not part of this compilation: javac's "module not
// found" lint would fail the -Werror build, and it is the only warning this suppression can hide.
@SuppressWarnings("module")
module dev.latchwork.core {
  requires org.slf4j;
  // JFR events; jdk.jfr is in every JDK runtime image.
  requires jdk.jfr;

  exports dev.latchwork.core;
  exports dev.latchwork.core.internal to
      dev.latchwork.fetch,
      dev.latchwork.writer;
}
