package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The read-only view of a notifier, and the try* methods that report termination by result. */
@Timeout(60)
class ProgressViewTest {

  @Test
  void theViewSeesTheNotifiersProgressAndEnd() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    ProgressView view = notifier.view();
    assertThat(notifier.view()).isSameAs(view);

    CompletableFuture<Long> at10 = view.whenAtLeast(10);
    CompletableFuture<Long> at10OnCaller = view.whenAtLeast(10, Runnable::run);
    notifier.advanceTo(12);
    assertThat(view.get()).isEqualTo(12);
    assertThat(view.awaitAtLeast(5)).isEqualTo(12);
    assertThat(view.awaitAtLeast(12, 1, TimeUnit.MILLISECONDS)).isEqualTo(12);
    assertThat(view.awaitAtLeast(12, Duration.ZERO)).isEqualTo(12);
    assertThat(at10.get(30, TimeUnit.SECONDS)).isEqualTo(12);
    assertThat(at10OnCaller.get(30, TimeUnit.SECONDS)).isEqualTo(12);
    assertThatThrownBy(() -> view.awaitAtLeast(13, Duration.ZERO))
        .isInstanceOf(TimeoutException.class);
    assertThat(view.isDone()).isFalse();

    notifier.fail(new IOException("gone"));
    assertThat(view.isDone()).isTrue();
    assertThatThrownBy(() -> view.awaitAtLeast(13)).isInstanceOf(SignalFailedException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void theViewHasNoMethodThatAdvancesOrEndsTheProgress() {
    Set<String> methods = Arrays.stream(ProgressView.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()))
        .map(Method::getName)
        .collect(Collectors.toSet());
    assertThat(methods).containsExactlyInAnyOrder(
        "get", "isDone", "awaitAtLeast", "whenAtLeast", "toString");
    assertThat(ProgressView.class.getConstructors()).isEmpty();
  }

  @Test
  void tryAddAndTryAdvanceToReportATerminatedNotifierByTheirResult() {
    ProgressNotifier notifier = new ProgressNotifier();
    assertThat(notifier.tryAdd(5)).isEqualTo(5);
    assertThat(notifier.tryAdd(0)).isEqualTo(5);
    assertThat(notifier.tryAdvanceTo(8)).isTrue();
    assertThat(notifier.tryAdvanceTo(3)).as("not terminated; nothing to do").isTrue();
    assertThat(notifier.get()).isEqualTo(8);

    notifier.complete();

    assertThat(notifier.tryAdd(1)).isEqualTo(-1L);
    assertThat(notifier.tryAdvanceTo(100)).isFalse();
    assertThat(notifier.get()).isEqualTo(8);
    assertThatThrownBy(() -> notifier.tryAdd(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tryAddOverflowStillThrows() {
    ProgressNotifier notifier = new ProgressNotifier(Long.MAX_VALUE - 1);
    assertThatThrownBy(() -> notifier.tryAdd(2)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void tryAddWakesTheWaitersItReaches() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    CompletableFuture<Long> at3 = notifier.whenAtLeast(3);
    notifier.tryAdd(3);
    assertThat(at3.get(30, TimeUnit.SECONDS)).isEqualTo(3);
  }

  @Test
  void onlyTheFirstTerminalTryCallReportsThatItEndedTheNotifier() {
    ProgressNotifier completed = new ProgressNotifier();
    assertThat(completed.tryComplete()).isTrue();
    assertThat(completed.tryComplete()).isFalse();
    assertThat(completed.tryFail(new IOException("late"))).isFalse();
    assertThat(completed.toString()).contains("completed");

    ProgressNotifier failed = new ProgressNotifier();
    assertThat(failed.tryFail(new IOException("first"))).isTrue();
    assertThat(failed.tryComplete()).isFalse();
    assertThatThrownBy(() -> failed.awaitAtLeast(1)).hasRootCauseMessage("first");
    assertThatThrownBy(() -> failed.tryFail(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void ofRacingTerminalTryCallsExactlyOneWins() throws Exception {
    try (Races races = new Races(2)) {
      for (int round = 0; round < 500; round++) {
        ProgressNotifier notifier = new ProgressNotifier();
        java.util.concurrent.atomic.AtomicInteger winners =
            new java.util.concurrent.atomic.AtomicInteger();
        races.run(java.util.List.of(
            () -> {
              if (notifier.tryComplete()) {
                winners.incrementAndGet();
              }
            },
            () -> {
              if (notifier.tryFail(new IOException("x"))) {
                winners.incrementAndGet();
              }
            }));
        assertThat(winners.get()).as("round %d", round).isEqualTo(1);
      }
    }
  }
}
