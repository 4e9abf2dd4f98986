package dev.latchwork.benchmarks.latch;

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
 * The latch fast path: {@code await()} on a latch that is already open, which is what every reader
 * of a finished download does. Target: latchwork no slower than {@code CountDownLatch}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LatchAwaitAfterOpenBenchmark {
  @Param({"latchwork", "countDownLatch", "completableFuture"})
  public String impl;

  private OneShot gate;

  @Setup
  public void openTheGate() {
    gate = OneShot.create(impl);
    gate.open();
  }

  @Benchmark
  public void awaitAfterOpen() throws InterruptedException {
    gate.await();
  }
}
