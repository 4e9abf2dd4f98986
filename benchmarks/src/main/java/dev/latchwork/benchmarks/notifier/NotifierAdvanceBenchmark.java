package dev.latchwork.benchmarks.notifier;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The downloader's hot path: {@code advanceTo(value + 1)} with nobody waiting. latchwork takes no
 * lock here; the lock- and monitor-based designs lock and signal an empty condition every time.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NotifierAdvanceBenchmark {
  @Param({"latchwork", "lockCondition", "synchronizedNotifyAll", "phaser"})
  public String impl;

  private ProgressSignal signal;
  private long value;

  @Setup
  public void create() {
    signal = ProgressSignal.create(impl);
    value = 0;
  }

  @Benchmark
  public void advanceWithNoWaiter() {
    signal.advanceTo(++value);
  }
}
