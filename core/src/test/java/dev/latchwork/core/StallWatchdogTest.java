package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The stall watchdog, against real hangs: threads parked forever inside traced operations. Waits
 * are on latches and queues (bounded by generous timeouts that only turn a bug into a failure);
 * nothing sleeps.
 */
class StallWatchdogTest {

  static final class StuckStore {}

  private static final Duration THRESHOLD = Duration.ofMillis(50);
  private static final long WAIT_SECONDS = 30;

  private final TracerTestLogger traceLog = new TracerTestLogger("trace", Level.INFO);
  private final TracerTestLogger watchdogLog = new TracerTestLogger("watchdog", Level.INFO);
  private final List<Stuck> stuck = new ArrayList<>();
  private final List<StallWatchdog> watchdogs = new ArrayList<>();
  /** Every stall any listener of this test received, in order. */
  private final BlockingQueue<StallWatchdog.Stall> stalls = new LinkedBlockingQueue<>();
  /** Reports of operations younger than the threshold (the watchdog swallows listener errors). */
  private final List<StallWatchdog.Stall> tooYoung = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (StallWatchdog watchdog : watchdogs) {
      watchdog.close();
    }
    for (Stuck s : stuck) {
      s.release();
    }
    Tracer.trackInFlight(false);
    assertThat(Tracer.isTrackingInFlight()).isFalse();
    assertThat(tooYoung).isEmpty();
  }

  @Test
  @SuppressWarnings("deprecation") // Thread#getId: the report must agree with it on JDK 17 too
  void reportsAThreadParkedForeverInsideATracedOperationWithItsParkingFrame() throws Exception {
    StallWatchdog watchdog = start(THRESHOLD, stalls::add);
    Tracer tracer = Tracer.forInstance(StuckStore.class, traceLog);
    Stuck hang = stuck(tracer, "stuck-reader", "awaitProgress", 4096L);

    StallWatchdog.Stall stall = nextStallOf(hang);

    Tracer.Operation op = stall.operation();
    assertThat(op.component()).isEqualTo("StuckStore");
    assertThat(op.instance()).isEqualTo(tracer.instance());
    assertThat(op.operation()).isEqualTo("awaitProgress");
    assertThat(op.keyValues()).containsExactly("offset", "4096");
    assertThat(op.threadName()).isEqualTo("stuck-reader");
    assertThat(op.threadId()).isEqualTo(hang.thread.getId());
    assertThat(op.age()).isGreaterThanOrEqualTo(THRESHOLD);
    assertThat(stall.stack())
        .anySatisfy(frame -> assertThat(isParkFrame(frame)).isTrue())
        .anySatisfy(
            frame -> assertThat(frame.getClassName()).isEqualTo(Stuck.class.getName()));

    String header =
        "[StuckStore #" + tracer.instance() + "] awaitProgress STALLED offset=4096"
            + " thread=stuck-reader tid=" + hang.thread.getId() + " age=";
    assertThat(watchdogLog.lines())
        .filteredOn(line -> line.message().startsWith(header))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line.level()).isEqualTo(Level.WARN))
        .first()
        .satisfies(
            line ->
                assertThat(line.message())
                    .containsPattern("age=\\d+\\.\\dms\\R\tat ")
                    .containsPattern("\tat \\S*?(jdk\\.internal\\.misc\\.Unsafe|java\\.util\\.concurrent\\.locks\\.LockSupport)\\.park\\("));
    assertThat(watchdog.thread().getName()).matches("latchwork-stall-watchdog-\\d+");
    assertThat(watchdog.thread().isDaemon()).isTrue();
  }

  @Test
  void aStillStuckOperationIsReportedAgainOnlyAfterAnotherThreshold() throws Exception {
    start(THRESHOLD, stalls::add);
    Tracer tracer = Tracer.forInstance(StuckStore.class, traceLog);
    Stuck hang = stuck(tracer, "stuck-writer", "force", 0L);

    long[] agesNanos = new long[4];
    for (int i = 0; i < agesNanos.length; i++) {
      agesNanos[i] = nextStallOf(hang).operation().age().toNanos();
    }
    for (int i = 1; i < agesNanos.length; i++) {
      assertThat(agesNanos[i] - agesNanos[i - 1])
          .as("ages of consecutive reports %s", java.util.Arrays.toString(agesNanos))
          .isGreaterThanOrEqualTo(THRESHOLD.toNanos());
    }
  }

  @Test
  void anOperationThatClosedIsNotReportedByAnyLaterScan() throws Exception {
    start(THRESHOLD, stalls::add);
    Tracer tracer = Tracer.forInstance(StuckStore.class, traceLog);
    Stuck closing = stuck(tracer, "stuck-then-released", "fetch", 1L);
    Stuck sentinel = stuck(tracer, "stuck-sentinel", "fetch", 2L);
    nextStallOf(closing);
    closing.release(); // the span is closed when this returns

    List<StallWatchdog.Stall> seen = new ArrayList<>();
    // One scan reports an operation at most once, so the second sentinel report after the
    // release comes from a scan that began after the span closed: every report of `closing`
    // (earlier ones still queued, and at most one from a scan racing with the release) has been
    // delivered by then. Two more sentinel reports, at least one threshold apart, show that no
    // later scan reports it.
    int reportsOfClosing = -1;
    int sentinelReports = 0;
    while (sentinelReports < 4) {
      StallWatchdog.Stall stall = poll();
      seen.add(stall);
      if (isOf(stall, sentinel)) {
        sentinelReports++;
        if (sentinelReports == 2) {
          reportsOfClosing = count(seen, closing);
        }
      }
    }
    assertThat(count(seen, closing)).as("reports after two more scans").isEqualTo(reportsOfClosing);
    assertThat(InFlightRegistry.snapshot()).noneMatch(span -> span.thread() == closing.thread);
  }

  @Test
  void aListenerThatThrowsIsLoggedAndTheWatchdogCarriesOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    StallWatchdog watchdog =
        start(
            THRESHOLD,
            stall -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("listener bug");
              }
              stalls.add(stall);
            });
    Stuck hang = stuck(Tracer.forInstance(StuckStore.class, traceLog), "stuck-x", "op", 0L);
    nextStallOf(hang); // a later report, after the throwing call
    assertThat(calls.get()).isGreaterThanOrEqualTo(2);
    assertThat(watchdogLog.lines())
        .anySatisfy(
            line -> {
              assertThat(line.level()).isEqualTo(Level.WARN);
              assertThat(line.message()).contains("listener threw");
              assertThat(line.throwable()).hasMessage("listener bug");
            });
    assertThat(watchdog.thread().isAlive()).isTrue();
  }

  @Test
  void closeInterruptsABlockedListenerAndWaitsForTheThreadToEnd() throws Exception {
    CountDownLatch listening = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    StallWatchdog watchdog =
        start(
            THRESHOLD,
            stall -> {
              listening.countDown();
              try {
                new CountDownLatch(1).await(); // a listener stuck forever
              } catch (InterruptedException e) {
                interrupted.set(true);
                Thread.currentThread().interrupt();
              }
            });
    stuck(Tracer.forInstance(StuckStore.class, traceLog), "stuck-y", "op", 0L);
    assertThat(listening.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    watchdog.close();

    assertThat(watchdog.thread().isAlive()).isFalse();
    assertThat(interrupted).isTrue();
    watchdog.close(); // idempotent
    assertThat(watchdog).hasToString(
        "StallWatchdog[" + watchdog.thread().getName() + ", threshold=PT0.05S, closed]");
  }

  @Test
  void tracedCodeRunsOnWhileTheWatchdogIsStuckInItsListener() throws Exception {
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch unblock = new CountDownLatch(1);
    start(
        THRESHOLD,
        stall -> {
          listening.countDown();
          try {
            unblock.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    stuck(Tracer.forInstance(StuckStore.class, traceLog), "stuck-w", "op", 0L);
    assertThat(listening.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    try {
      Tracer busy = Tracer.forInstance(StuckStore.class, traceLog);
      for (long i = 0; i < 1_000; i++) {
        try (Tracer.Span span = busy.enter("write", "pos", i)) {
          assertThat(TracerInFlightTest.ofTracer(Tracer.inFlight(), busy)).hasSize(1);
        }
      }
      Tracer.trackInFlight(true);
      Tracer.trackInFlight(false);
      StallWatchdog.start(Duration.ofHours(1)).close();
      assertThat(TracerInFlightTest.ofTracer(Tracer.inFlight(), busy)).isEmpty();
    } finally {
      unblock.countDown();
    }
  }

  @Test
  void closeOfAnIdleWatchdogEndsItsThread() {
    StallWatchdog watchdog = start(Duration.ofHours(1), stalls::add);
    assertThat(watchdog.thread().isAlive()).isTrue();
    watchdog.close();
    assertThat(watchdog.thread().isAlive()).isFalse();
  }

  @Test
  void aListenerMayCloseItsOwnWatchdog() throws Exception {
    AtomicReference<StallWatchdog> self = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    StallWatchdog watchdog =
        start(
            THRESHOLD,
            stall -> {
              self.get().close();
              closed.countDown();
            });
    self.set(watchdog);
    stuck(Tracer.forInstance(StuckStore.class, traceLog), "stuck-z", "op", 0L);
    assertThat(closed.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    watchdog.thread().join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertThat(watchdog.thread().isAlive()).isFalse();
  }

  @Test
  void watchdogsKeepTrackingOnWhileTheyRunAndRestoreItWhenTheLastCloses() {
    assertThat(Tracer.isTrackingInFlight()).isFalse();
    StallWatchdog first = StallWatchdog.start(Duration.ofHours(1));
    StallWatchdog second = StallWatchdog.start(Duration.ofHours(1));
    watchdogs.add(first);
    watchdogs.add(second);
    assertThat(Tracer.isTrackingInFlight()).isTrue();
    first.close();
    first.close(); // a second close must not release the other watchdog's hold
    Tracer.trackInFlight(false);
    assertThat(Tracer.isTrackingInFlight()).as("second watchdog still running").isTrue();
    second.close();
    assertThat(Tracer.isTrackingInFlight()).isFalse();

    Tracer.trackInFlight(true);
    StallWatchdog.start(Duration.ofHours(1)).close();
    assertThat(Tracer.isTrackingInFlight()).as("requested by the user").isTrue();
  }

  @Test
  void operationsEnteredBeforeTheWatchdogStartedAreReportedIfTrackingWasOn() throws Exception {
    Tracer.trackInFlight(true);
    Stuck hang = stuck(Tracer.forInstance(StuckStore.class, traceLog), "stuck-early", "op", 0L);
    Tracer.trackInFlight(false);
    start(THRESHOLD, stalls::add);
    assertThat(nextStallOf(hang).operation().threadName()).isEqualTo("stuck-early");
  }

  @Test
  void badThresholdsAndListenersAreRejectedWithoutStartingAnything() {
    assertThatThrownBy(() -> StallWatchdog.start(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("threshold");
    assertThatThrownBy(() -> StallWatchdog.start(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threshold must be positive: PT0S");
    assertThatThrownBy(() -> StallWatchdog.start(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threshold must be positive");
    assertThatThrownBy(() -> StallWatchdog.start(THRESHOLD, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener");
    assertThat(Tracer.isTrackingInFlight()).isFalse();
  }

  @Test
  void aStallKeepsItsOwnCopyOfTheStack() {
    Tracer.Operation op =
        new Tracer.Operation(
            "C", 1, "op", List.of("k", "v"), "t", 7, false, java.time.Instant.EPOCH,
            Duration.ofMillis(1500));
    StackTraceElement[] stack = {new StackTraceElement("a.B", "m", "B.java", 3)};
    StallWatchdog.Stall stall = new StallWatchdog.Stall(op, stack);
    stack[0] = new StackTraceElement("x.Y", "z", "Y.java", 9);
    stall.stack()[0] = stack[0];
    assertThat(stall.stack()[0].getClassName()).isEqualTo("a.B");
    assertThat(stall).isEqualTo(new StallWatchdog.Stall(op, new StackTraceElement[] {
        new StackTraceElement("a.B", "m", "B.java", 3)}));
    assertThat(stall.toString())
        .isEqualTo("[C #1] op STALLED k=v thread=t tid=7 age=1500.0ms" + System.lineSeparator()
            + "\tat a.B.m(B.java:3)");
    assertThatThrownBy(() -> new Tracer.Operation(
            "C", 1, "op", List.of("k"), "t", 7, false, java.time.Instant.EPOCH, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------------------------------

  private StallWatchdog start(Duration threshold, Consumer<StallWatchdog.Stall> listener) {
    StallWatchdog watchdog =
        StallWatchdog.start(
            threshold,
            stall -> {
              if (stall.operation().age().compareTo(threshold) < 0) {
                tooYoung.add(stall);
              }
              listener.accept(stall);
            },
            watchdogLog);
    watchdogs.add(watchdog);
    return watchdog;
  }

  private Stuck stuck(Tracer tracer, String threadName, String operation, long value)
      throws InterruptedException {
    Stuck s = new Stuck(tracer, threadName, operation, value);
    stuck.add(s);
    s.awaitEntered();
    return s;
  }

  private StallWatchdog.Stall poll() throws InterruptedException {
    StallWatchdog.Stall stall = stalls.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(stall).as("a stall report within %d s", WAIT_SECONDS).isNotNull();
    return stall;
  }

  private StallWatchdog.Stall nextStallOf(Stuck s) throws InterruptedException {
    while (true) {
      StallWatchdog.Stall stall = poll();
      if (isOf(stall, s)) {
        return stall;
      }
    }
  }

  private static boolean isOf(StallWatchdog.Stall stall, Stuck s) {
    return stall.operation().component().equals(s.tracer.component())
        && stall.operation().instance() == s.tracer.instance()
        && stall.operation().threadName().equals(s.thread.getName());
  }

  private static int count(List<StallWatchdog.Stall> seen, Stuck s) {
    int n = 0;
    for (StallWatchdog.Stall stall : seen) {
      if (isOf(stall, s)) {
        n++;
      }
    }
    return n;
  }

  static boolean isParkFrame(StackTraceElement frame) {
    return frame.getMethodName().equals("park")
        && (frame.getClassName().equals("jdk.internal.misc.Unsafe")
            || frame.getClassName().equals("java.util.concurrent.locks.LockSupport"));
  }

  /** A platform thread parked, inside a traced operation, until released. */
  static final class Stuck {
    final Tracer tracer;
    final Thread thread;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    Stuck(Tracer tracer, String threadName, String operation, long value) {
      this.tracer = tracer;
      this.thread = new Thread(() -> hang(operation, value), threadName);
      thread.setDaemon(true);
      thread.start();
    }

    private void hang(String operation, long value) {
      try (Tracer.Span span = tracer.enter(operation, "offset", value)) {
        entered.countDown();
        release.await(); // the lost wake-up: nobody counts down until the test cleans up
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /** Releases the thread and waits until it has closed its span and ended. */
    void release() throws InterruptedException {
      release.countDown();
      thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      assertThat(thread.isAlive()).isFalse();
    }
  }
}
