/**
 * Core primitives: wait primitives that cannot lose a wake-up ({@link dev.latchwork.core.BroadcastLatch},
 * {@link dev.latchwork.core.ProgressNotifier} and its read-only {@link dev.latchwork.core.ProgressView}),
 * a shutdown gate that lets the last operation out end a resource ({@link
 * dev.latchwork.core.ShutdownGate}), thread-tagged tracing ({@link dev.latchwork.core.Tracer},
 * {@link dev.latchwork.core.StallWatchdog}) and concurrent positional file writes
 * ({@link dev.latchwork.core.PositionalWriter}). Depends on slf4j-api only.
 */
package dev.latchwork.core;
