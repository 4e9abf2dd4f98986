package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

/**
 * {@link StallWatchdog#close()} against a report that is starting while it runs: the interleavings
 * are forced with latches (a logger that holds the watchdog thread inside its WARN line, a
 * listener that holds it inside the listener) and by waiting until a closing thread is parked in
 * its join; nothing sleeps.
 */
@Timeout(120)
class StallWatchdogCloseRaceTest {

  static final class Store {}

  private static final Duration THRESHOLD = Duration.ofMillis(20);

  private final TracerTestLogger traceLog = new TracerTestLogger("trace", Level.INFO);
  private StallWatchdogTest.Stuck stuck;
  private StallWatchdog watchdog;

  @BeforeEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    if (watchdog != null) {
      watchdog.close();
    }
    if (stuck != null) {
      stuck.release();
    }
    Tracer.trackInFlight(false);
  }

  /**
   * The scan decided to report (the stop signal was not set yet) and is writing the WARN line when
   * close() runs; close() sees no listener running and joins. The report must not then start the
   * listener, which close() would neither interrupt nor be able to stop waiting for.
   */
  @Test
  void closeNeverJoinsAListenerThatStartedAfterItLooked() throws Exception {
    CountDownLatch warning = new CountDownLatch(1);
    CountDownLatch releaseWarning = new CountDownLatch(1);
    AtomicInteger listenerCalls = new AtomicInteger();
    CountDownLatch never = new CountDownLatch(1);
    watchdog = StallWatchdog.start(THRESHOLD, stall -> {
      listenerCalls.incrementAndGet();
      try {
        never.await(60, TimeUnit.SECONDS); // a blocked listener only close()'s interrupt ends
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, holdingFirstWarning(warning, releaseWarning));
    stuck = new StallWatchdogTest.Stuck(Tracer.forInstance(Store.class, traceLog), "stuck", "op", 0L);
    stuck.awaitEntered();
    assertThat(warning.await(30, TimeUnit.SECONDS)).as("the watchdog writes a report").isTrue();

    Thread closer = new Thread(watchdog::close, "closer");
    closer.start();
    Races.until(() -> closer.getState() == Thread.State.WAITING, "close() waits in its join");
    releaseWarning.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(20));

    assertThat(closer.isAlive()).as("close() returned (it did not join a listener it never"
        + " interrupted)").isFalse();
    assertThat(listenerCalls.get()).as("listener calls after the stop signal").isZero();
  }

  /**
   * A listener that ignores interrupts is running when close() is called twice: the second call
   * must not return while that listener is still running ("when this method returns normally, no
   * report is in progress").
   */
  @Test
  void aSecondCloseAlsoReturnsOnlyAfterTheRunningListenerEnded() throws Exception {
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicBoolean running = new AtomicBoolean();
    watchdog = StallWatchdog.start(THRESHOLD, stall -> {
      running.set(true);
      listening.countDown();
      boolean interrupted = false;
      while (finish.getCount() != 0) {
        try {
          finish.await();
        } catch (InterruptedException e) {
          interrupted = true; // a listener that will not be hurried
        }
      }
      running.set(false);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }, new TracerTestLogger("watchdog", Level.INFO));
    stuck = new StallWatchdogTest.Stuck(Tracer.forInstance(Store.class, traceLog), "stuck", "op", 0L);
    stuck.awaitEntered();
    assertThat(listening.await(30, TimeUnit.SECONDS)).isTrue();

    Thread first = new Thread(watchdog::close, "first-closer");
    first.start();
    Races.until(() -> first.getState() == Thread.State.WAITING, "the first close() joins");
    AtomicBoolean runningWhenSecondReturned = new AtomicBoolean();
    Thread second = new Thread(() -> {
      watchdog.close();
      runningWhenSecondReturned.set(running.get());
    }, "second-closer");
    second.start();
    Races.until(() -> second.getState() == Thread.State.WAITING
        || second.getState() == Thread.State.TERMINATED, "the second close() joins or returns");
    finish.countDown();
    first.join(TimeUnit.SECONDS.toMillis(30));
    second.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(first.isAlive()).isFalse();
    assertThat(second.isAlive()).isFalse();
    assertThat(runningWhenSecondReturned.get())
        .as("the listener was still running when the second close() returned").isFalse();
  }

  /** A logger that holds the thread writing the first WARN line until {@code release} opens. */
  private static TracerTestLogger holdingFirstWarning(CountDownLatch warning, CountDownLatch release) {
    return new TracerTestLogger("holding", Level.INFO).onLine(line -> {
      if (line.level() == Level.WARN && warning.getCount() != 0) {
        warning.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
  }
}
