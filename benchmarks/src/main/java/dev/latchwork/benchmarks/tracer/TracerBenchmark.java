package dev.latchwork.benchmarks.tracer;

import dev.latchwork.core.Tracer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One traced operation, {@code readAt(pos, len)}: latchwork's {@code Tracer} ({@code enter} with two
 * long key/values, then {@code close}) against what code without it writes, two SLF4J guarded
 * statements carrying the same information:
 *
 * <pre>{@code
 * if (log.isDebugEnabled()) log.debug("[{} #{}] {} ENTER pos={} len={} thread={} tid={}", ...);
 * ... the operation ...
 * if (log.isDebugEnabled()) log.debug("[{} #{}] {} EXIT ... took={}ms", ...);
 * }</pre>
 *
 * <p>{@code config}: {@code off} is logging off and in-flight tracking off (target: within 2 ns of
 * the guard, 0 bytes/op: run with {@code -prof gc}); {@code tracking} is tracking on with logging
 * off (the guard has no such feature, so it has no {@code tracking} row: compare with its
 * {@code off} row); {@code logging} is every level on, going to the rendering no-op appender
 * described in {@link BenchLogging}. The span is used as callers use it, in try-with-resources, and
 * never handed to the blackhole, so escape analysis may do for the benchmark what it does for them.
 */
@Fork(1)
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TracerBenchmark {

  /** Stand-in component: the logger and the tracer are named after it. */
  static final class TracedStore {
    private TracedStore() {}
  }

  /** The traced operation's arguments, read from fields so they are not constants. */
  @State(Scope.Thread)
  public static class Operation {
    long pos = 1_048_576L;
    long len = 131_072L;
  }

  @State(Scope.Thread)
  public static class LatchworkTracer {
    @Param({"off", "tracking", "logging"})
    public String config;

    Tracer tracer;

    @Setup(Level.Trial)
    public void configure() {
      BenchLogging.setEnabled(config.equals("logging"));
      Tracer.trackInFlight(config.equals("tracking"));
      tracer = Tracer.forInstance(TracedStore.class);
    }

    @TearDown(Level.Trial)
    public void restore() {
      BenchLogging.setEnabled(false);
      Tracer.trackInFlight(false);
    }
  }

  @State(Scope.Thread)
  public static class Slf4jGuard {
    @Param({"off", "logging"})
    public String config;

    Logger log;
    final String component = TracedStore.class.getSimpleName();
    final int instance = 5;

    @Setup(Level.Trial)
    public void configure() {
      BenchLogging.setEnabled(config.equals("logging"));
      log = LoggerFactory.getLogger(TracedStore.class);
    }

    @TearDown(Level.Trial)
    public void restore() {
      BenchLogging.setEnabled(false);
    }
  }

  @Benchmark
  @SuppressWarnings("try") // the span is used the way callers use it: only to be closed
  public void latchwork(LatchworkTracer t, Operation op, Blackhole bh) {
    try (Tracer.Span span = t.tracer.enter("readAt", "pos", op.pos, "len", op.len)) {
      bh.consume(op.pos);
    }
  }

  @Benchmark
  public void slf4jGuard(Slf4jGuard g, Operation op, Blackhole bh) {
    Logger log = g.log;
    long start = 0;
    if (log.isDebugEnabled()) {
      Thread me = Thread.currentThread();
      start = System.nanoTime();
      log.debug(
          "[{} #{}] {} ENTER pos={} len={} thread={} tid={}",
          g.component, g.instance, "readAt", op.pos, op.len, me.getName(), me.getId());
    }
    bh.consume(op.pos);
    if (log.isDebugEnabled()) {
      Thread me = Thread.currentThread();
      log.debug(
          "[{} #{}] {} EXIT pos={} len={} thread={} tid={} took={}ms",
          g.component, g.instance, "readAt", op.pos, op.len, me.getName(), me.getId(),
          (System.nanoTime() - start) / 1e6);
    }
  }
}
