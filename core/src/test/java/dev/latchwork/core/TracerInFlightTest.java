package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.TestSeed;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.event.Level;

/** The in-flight registry: what a snapshot contains, under concurrency and toggling. */
@ExtendWith(TestSeed.class)
class TracerInFlightTest {

  static final class Store {}

  static final class Racer {}

  private final TracerTestLogger quiet = new TracerTestLogger("quiet", Level.INFO);

  @BeforeEach
  @AfterEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @Test
  @SuppressWarnings("deprecation") // Thread#getId: the snapshot must agree with it on JDK 17 too
  void snapshotDescribesAnOperationFromEnterUntilClose() {
    Tracer tracer = Tracer.forInstance(Store.class, quiet);
    Tracer.trackInFlight(true);
    assertThat(Tracer.isTrackingInFlight()).isTrue();
    Instant before = Instant.now();
    Tracer.Operation op;
    try (Tracer.Span span = tracer.enter("readAt", "pos", 1048576L, "len", "all")) {
      op = single(Tracer.inFlight(), tracer);
      assertThat(op.component()).isEqualTo("Store");
      assertThat(op.instance()).isEqualTo(tracer.instance());
      assertThat(op.operation()).isEqualTo("readAt");
      assertThat(op.keyValues()).containsExactly("pos", "1048576", "len", "all");
      assertThat(op.value("pos")).isEqualTo("1048576");
      assertThat(op.value("absent")).isNull();
      assertThat(op.threadName()).isEqualTo(Thread.currentThread().getName());
      assertThat(op.threadId()).isEqualTo(Thread.currentThread().getId());
      assertThat(op.virtualThread()).isFalse();
      assertThat(op.age()).isGreaterThanOrEqualTo(Duration.ZERO);
      // started is derived from the monotonic clock: allow for clock granularity
      assertThat(op.started()).isAfter(before.minusSeconds(1)).isBefore(Instant.now().plusSeconds(1));
      assertThat(op.toString())
          .startsWith(
              "[Store #" + tracer.instance() + "] readAt pos=1048576 len=all thread="
                  + Thread.currentThread().getName() + " tid=")
          .contains(" age=");
    }
    assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();
  }

  @Test
  void snapshotListsOldestFirst() {
    Tracer tracer = Tracer.forInstance(Store.class, quiet);
    Tracer.trackInFlight(true);
    try (Tracer.Span first = tracer.enter("first");
        Tracer.Span second = tracer.enter("second")) {
      List<Tracer.Operation> ops = ofTracer(Tracer.inFlight(), tracer);
      assertThat(ops).extracting(Tracer.Operation::operation).containsExactly("first", "second");
    }
  }

  @Test
  void operationsEnteredWhileTrackingIsOffAreNotRecorded() {
    Tracer tracer = Tracer.forInstance(Store.class, quiet);
    try (Tracer.Span span = tracer.enter("untracked")) {
      assertThat(span).isSameAs(Tracer.Span.NOOP);
      assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();
    }
  }

  @Test
  void turningTrackingOffWhileSpansAreOpenNeitherDropsNorLeaksThem() {
    Tracer tracer = Tracer.forInstance(Store.class, quiet);
    Tracer.trackInFlight(true);
    Tracer.Span tracked = tracer.enter("tracked");
    Tracer.trackInFlight(false);
    Tracer.Span untracked = tracer.enter("untracked");
    assertThat(ofTracer(Tracer.inFlight(), tracer))
        .extracting(Tracer.Operation::operation)
        .containsExactly("tracked");
    tracked.close();
    untracked.close();
    assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();

    Tracer.Span late = tracer.enter("late");
    Tracer.trackInFlight(true);
    late.close(); // never registered: closing must not disturb the registry
    try (Tracer.Span now = tracer.enter("now")) {
      assertThat(ofTracer(Tracer.inFlight(), tracer))
          .extracting(Tracer.Operation::operation)
          .containsExactly("now");
    }
    assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();
  }

  /**
   * Workers enter and close operations in random order (up to three open at once) while a
   * snapshotter takes snapshots. Every worker publishes, per operation number: entered (after
   * enter returned), closing (before close began) and closed (after close returned). A snapshot
   * must contain every operation entered before it began whose close had not begun when it ended,
   * and no operation closed before it began. Each worker also checks its own operations right
   * after enter and right after close.
   */
  @Test
  void snapshotsContainExactlyTheOperationsEnteredAndNotClosed() throws Exception {
    int workers = 3;
    int operationsPerWorker = 20_000;
    Tracer.trackInFlight(true);
    Tracer[] tracers = new Tracer[workers];
    for (int w = 0; w < workers; w++) {
      tracers[w] = Tracer.forInstance(Racer.class, quiet);
    }
    // per worker, the numbers of its newest entered/closing/closed operation, -1 for none. Each
    // worker closes its operations in entry order (a queue of up to three), so "closed <= n"
    // means operation n and all before it are closed.
    AtomicLongArray entered = filled(workers);
    AtomicLongArray closing = filled(workers);
    AtomicLongArray closed = filled(workers);
    int snapshots =
        whileWorkersRun(
            workers,
            me -> runWorker(me, tracers[me], operationsPerWorker, entered, closing, closed),
            () -> checkSnapshot(tracers, entered, closing, closed));
    assertThat(snapshots).isPositive();
    for (Tracer tracer : tracers) {
      assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();
    }
  }

  private static void runWorker(
      int me,
      Tracer tracer,
      int operations,
      AtomicLongArray entered,
      AtomicLongArray closing,
      AtomicLongArray closed) {
    SplittableRandom random = TestSeed.random("TracerInFlightTest.snapshots/worker " + me);
    java.util.ArrayDeque<Tracer.Span> open = new java.util.ArrayDeque<>();
    long next = 0;
    long oldestOpen = 0;
    while (next < operations || !open.isEmpty()) {
      boolean enter = next < operations && (open.isEmpty() || (open.size() < 3 && random.nextBoolean()));
      if (enter) {
        long n = next++;
        open.addLast(tracer.enter("op", "n", n));
        entered.set(me, n);
        assertThat(contains(Tracer.inFlight(), tracer, n))
            .as("operation %d of worker %d right after its enter", n, me)
            .isTrue();
      } else {
        long n = oldestOpen++;
        closing.set(me, n);
        open.removeFirst().close();
        closed.set(me, n);
        assertThat(contains(Tracer.inFlight(), tracer, n))
            .as("operation %d of worker %d right after its close", n, me)
            .isFalse();
      }
    }
  }

  private static void checkSnapshot(
      Tracer[] tracers, AtomicLongArray entered, AtomicLongArray closing, AtomicLongArray closed) {
    int workers = tracers.length;
    long[] enteredBefore = new long[workers];
    long[] closedBefore = new long[workers];
    for (int w = 0; w < workers; w++) {
      closedBefore[w] = closed.get(w);
      enteredBefore[w] = entered.get(w);
    }
    List<Tracer.Operation> snapshot = Tracer.inFlight();
    for (int w = 0; w < workers; w++) {
      long closingAfter = closing.get(w);
      for (Tracer.Operation op : ofTracer(snapshot, tracers[w])) {
        long n = Long.parseLong(op.value("n"));
        assertThat(n)
            .as("worker %d: operation closed before the snapshot began", w)
            .isGreaterThan(closedBefore[w]);
      }
      // operations closingAfter+1 .. enteredBefore entered before the snapshot, close not begun
      for (long n = closingAfter + 1; n <= enteredBefore[w]; n++) {
        assertThat(contains(snapshot, tracers[w], n))
            .as("worker %d: operation %d entered before the snapshot, still open after it", w, n)
            .isTrue();
      }
    }
  }

  @Test
  void togglingTrackingWhileOperationsRunNeverLeaksARecordedOperation() throws Exception {
    int workers = 3;
    int operationsPerWorker = 20_000;
    Tracer[] tracers = new Tracer[workers];
    for (int w = 0; w < workers; w++) {
      tracers[w] = Tracer.forInstance(Racer.class, quiet);
    }
    AtomicInteger flips = new AtomicInteger();
    whileWorkersRun(
        workers,
        me -> {
          SplittableRandom random = TestSeed.random("TracerInFlightTest.toggling/worker " + me);
          java.util.ArrayDeque<Tracer.Span> open = new java.util.ArrayDeque<>();
          for (long n = 0; n < operationsPerWorker; n++) {
            open.addLast(tracers[me].enter("op", "n", n));
            while (!open.isEmpty() && (open.size() > 3 || random.nextBoolean())) {
              open.removeFirst().close();
            }
          }
          while (!open.isEmpty()) {
            open.removeFirst().close();
          }
        },
        () -> Tracer.trackInFlight(flips.getAndIncrement() % 2 == 0));
    assertThat(flips.get()).isPositive();
    Tracer.trackInFlight(false);
    for (Tracer tracer : tracers) {
      assertThat(ofTracer(Tracer.inFlight(), tracer)).isEmpty();
    }
  }

  @Test
  void systemPropertyTurnsTrackingOnWhenTheRegistryInitialises() throws Exception {
    URL classes = InFlightRegistry.class.getProtectionDomain().getCodeSource().getLocation();
    String key = "latchwork.trace.inflight";
    String saved = System.getProperty(key);
    try {
      System.setProperty(key, "true");
      assertThat(isEnabledInFreshCopy(classes)).isTrue();
      System.setProperty(key, "false");
      assertThat(isEnabledInFreshCopy(classes)).isFalse();
      System.clearProperty(key);
      assertThat(isEnabledInFreshCopy(classes)).isFalse();
    } finally {
      if (saved == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, saved);
      }
    }
  }

  private static boolean isEnabledInFreshCopy(URL classes) throws Exception {
    // Parent: the boot loader only. The platform loader would hand the class back from the named
    // module dev.latchwork.core when the tests run on the module path.
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, null)) {
      Class<?> registry = Class.forName(InFlightRegistry.class.getName(), true, loader);
      assertThat(registry).isNotSameAs(InFlightRegistry.class);
      Method isEnabled = registry.getDeclaredMethod("isEnabled");
      isEnabled.setAccessible(true);
      return (Boolean) isEnabled.invoke(null);
    }
  }

  /** The body of one worker, given its index. */
  @FunctionalInterface
  interface Worker {
    void run(int index) throws Exception;
  }

  /**
   * Starts {@code workers} workers and one observer together; the observer runs {@code
   * observation} over and over until every worker has finished. Returns how many observations
   * ran; rethrows the first failure.
   */
  static int whileWorkersRun(int workers, Worker worker, Runnable observation) throws Exception {
    AtomicInteger running = new AtomicInteger(workers);
    AtomicInteger observations = new AtomicInteger();
    List<Races.Action> actions = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int index = w;
      actions.add(
          () -> {
            try {
              worker.run(index);
            } finally {
              running.decrementAndGet();
            }
          });
    }
    actions.add(
        () -> {
          while (running.get() > 0) {
            observation.run();
            observations.incrementAndGet();
          }
        });
    try (Races races = new Races(workers + 1)) {
      races.run(actions);
    }
    return observations.get();
  }

  private static AtomicLongArray filled(int length) {
    AtomicLongArray array = new AtomicLongArray(length);
    for (int i = 0; i < length; i++) {
      array.set(i, -1);
    }
    return array;
  }

  private static boolean contains(List<Tracer.Operation> snapshot, Tracer tracer, long n) {
    String wanted = Long.toString(n);
    for (Tracer.Operation op : ofTracer(snapshot, tracer)) {
      if (wanted.equals(op.value("n"))) {
        return true;
      }
    }
    return false;
  }

  static List<Tracer.Operation> ofTracer(List<Tracer.Operation> snapshot, Tracer tracer) {
    List<Tracer.Operation> mine = new ArrayList<>();
    for (Tracer.Operation op : snapshot) {
      if (op.component().equals(tracer.component()) && op.instance() == tracer.instance()) {
        mine.add(op);
      }
    }
    return mine;
  }

  private static Tracer.Operation single(List<Tracer.Operation> snapshot, Tracer tracer) {
    List<Tracer.Operation> mine = ofTracer(snapshot, tracer);
    assertThat(mine).hasSize(1);
    return mine.get(0);
  }
}
