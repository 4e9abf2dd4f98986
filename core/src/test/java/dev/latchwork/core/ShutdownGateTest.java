package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ShutdownGateTest {

  @Test
  void closeOfAnIdleGateRunsTheEndingActionOnTheClosersThreadAndOpensDrained() {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    ShutdownGate gate = new ShutdownGate(() -> ranOn.set(Thread.currentThread()));

    assertThat(gate.close()).isTrue();

    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    assertThat(gate.drained().isOpen()).isTrue();
    assertThat(gate.drained().failure()).isNull();
    assertThat(gate.isClosed()).isTrue();
  }

  @Test
  void theLastExitAfterCloseDrainsTheGateOnItsOwnThread() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    ShutdownGate gate = new ShutdownGate(() -> {
      runs.incrementAndGet();
      ranOn.set(Thread.currentThread());
    });
    assertThat(gate.enter()).isTrue();
    assertThat(gate.enter()).isTrue();
    assertThat(gate.inFlight()).isEqualTo(2);

    assertThat(gate.close()).isTrue();
    assertThat(runs.get()).as("two operations still in flight").isZero();
    assertThat(gate.drained().isOpen()).isFalse();
    assertThat(gate.enter()).as("closed to new entries").isFalse();
    assertThat(gate.inFlight()).as("a refused entry registers nothing").isEqualTo(2);

    gate.exit();
    assertThat(runs.get()).isZero();
    Thread last = new Thread(gate::exit, "last-exit");
    last.start();
    last.join();

    assertThat(runs.get()).isEqualTo(1);
    assertThat(ranOn.get()).isSameAs(last);
    assertThat(gate.drained().isOpen()).isTrue();
    assertThat(gate.inFlight()).isZero();
  }

  @Test
  void onlyTheFirstCloseReturnsTrueAndTheActionRunsOnce() {
    AtomicInteger runs = new AtomicInteger();
    ShutdownGate gate = new ShutdownGate(runs::incrementAndGet);

    assertThat(gate.close()).isTrue();
    assertThat(gate.close()).isFalse();
    assertThat(gate.close()).isFalse();

    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void anExitWithoutAnEntryThrowsAndChangesNothing() {
    AtomicInteger runs = new AtomicInteger();
    ShutdownGate gate = new ShutdownGate(runs::incrementAndGet);
    assertThatThrownBy(gate::exit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("without a matching enter()");

    assertThat(gate.enter()).isTrue();
    gate.close();
    gate.exit();
    assertThatThrownBy(gate::exit).isInstanceOf(IllegalStateException.class);
    assertThat(runs.get()).isEqualTo(1);
    assertThat(gate.inFlight()).isZero();
  }

  @Test
  void aTicketExitsOnceWhenClosedAndIsNullOnceTheGateIsClosed() {
    AtomicInteger runs = new AtomicInteger();
    ShutdownGate gate = new ShutdownGate(runs::incrementAndGet);

    try (ShutdownGate.Ticket ticket = gate.enterOrNull()) {
      assertThat(ticket).isNotNull();
      assertThat(gate.inFlight()).isEqualTo(1);
      gate.close();
      ticket.close(); // a second close of the same ticket, by try-with-resources, must not exit again
      assertThat(runs.get()).isEqualTo(1);
    }
    assertThat(gate.inFlight()).isZero();
    assertThat(gate.enterOrNull()).isNull();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void aThrowingEndingActionFailsDrainedAndDoesNotReachTheDrainingThread() {
    IllegalStateException boom = new IllegalStateException("boom");
    ShutdownGate gate = new ShutdownGate(() -> {
      throw boom;
    });
    assertThat(gate.enter()).isTrue();
    gate.close();

    gate.exit(); // must not throw

    assertThat(gate.drained().isOpen()).isTrue();
    assertThat(gate.drained().failure()).isSameAs(boom);
    assertThatThrownBy(() -> gate.drained().await())
        .isInstanceOf(SignalFailedException.class)
        .hasCause(boom);
  }

  @Test
  void anErrorFromTheEndingActionAlsoBecomesTheDrainedFailure() {
    AssertionError error = new AssertionError("an error");
    ShutdownGate gate = new ShutdownGate(() -> {
      throw error;
    });

    gate.close();

    assertThat(gate.drained().failure()).isSameAs(error);
  }

  @Test
  void theEndingActionIsHandedToTheExecutor() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "ending"));
    try {
      AtomicReference<String> ranOn = new AtomicReference<>();
      ShutdownGate gate = new ShutdownGate(executor,
          () -> ranOn.set(Thread.currentThread().getName()));

      gate.close();

      assertThat(gate.drained().await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(ranOn.get()).isEqualTo("ending");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aRejectingExecutorMakesTheDrainingThreadRunTheAction() {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    ShutdownGate gate = new ShutdownGate(
        task -> {
          throw new RejectedExecutionException("shut down");
        },
        () -> ranOn.set(Thread.currentThread()));

    gate.close();

    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    assertThat(gate.drained().isOpen()).isTrue();
  }

  @Test
  void aGateWithoutActionOpensDrainedWhenTheLastOperationLeaves() {
    ShutdownGate gate = new ShutdownGate();
    assertThat(gate.enter()).isTrue();
    gate.close();
    assertThat(gate.drained().isOpen()).isFalse();
    gate.exit();
    assertThat(gate.drained().isOpen()).isTrue();
    assertThat(gate.toString()).endsWith("[drained]");
  }

  @Test
  void nullArgumentsAreRejected() {
    assertThatThrownBy(() -> new ShutdownGate(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("endingAction");
    assertThatThrownBy(() -> new ShutdownGate(null, () -> {}))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("executor");
    assertThatThrownBy(() -> new ShutdownGate(Runnable::run, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("endingAction");
  }

  /**
   * Randomized races of entries, exits and a close: in every round the ending action runs exactly
   * once, after every admitted operation left (none is inside when it runs), and every entry that
   * began after close() returned was refused.
   */
  @Test
  void racingEntriesExitsAndCloseDrainExactlyOnceAfterEveryAdmittedOperation() throws Exception {
    int threads = 3;
    try (Races races = new Races(threads + 1)) {
      for (int round = 0; round < 300; round++) {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger insideAtEnd = new AtomicInteger(-1);
        ShutdownGate gate = new ShutdownGate(() -> {
          insideAtEnd.set(inside.get());
          runs.incrementAndGet();
        });
        AtomicInteger lateAdmissions = new AtomicInteger();
        List<Races.Action> actions = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          actions.add(() -> {
            for (int i = 0; i < 50; i++) {
              boolean closedBefore = gate.isClosed();
              if (gate.enter()) {
                if (closedBefore) {
                  lateAdmissions.incrementAndGet();
                }
                inside.incrementAndGet();
                Thread.yield();
                inside.decrementAndGet();
                gate.exit();
              }
            }
          });
        }
        actions.add(gate::close);
        races.run(actions);

        assertThat(runs.get()).as("round %d: ending action runs", round).isEqualTo(1);
        assertThat(insideAtEnd.get()).as("round %d: operations inside at the end", round).isZero();
        assertThat(lateAdmissions.get()).as("round %d: entries admitted after close", round).isZero();
        assertThat(gate.drained().isOpen()).isTrue();
      }
    }
  }
}
