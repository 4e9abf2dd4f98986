package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code BroadcastLatch.toFuture(Executor)} and {@code ProgressNotifier.whenAtLeast(long, Executor)}. */
@Timeout(60)
class FuturesOnExecutorTest {

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "chosen"));

  @AfterEach
  void shutDown() {
    executor.shutdownNow();
  }

  /** An executor whose tasks wait in a queue until the test runs them. */
  private static final class QueuedExecutor implements Executor {
    final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    Runnable next() throws InterruptedException {
      Runnable task = tasks.poll(30, TimeUnit.SECONDS);
      assertThat(task).as("a task handed to the chosen executor").isNotNull();
      return task;
    }
  }

  @Test
  void aLatchFutureIsCompletedByATaskOfTheChosenExecutor() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    QueuedExecutor queued = new QueuedExecutor();
    CompletableFuture<Void> future = latch.toFuture(queued);

    latch.open();
    Runnable completion = queued.next();
    assertThat(future).as("not completed before the chosen executor ran its task").isNotDone();
    completion.run();

    assertThat(future).isCompleted();
    assertThat(future.get()).isNull();
  }

  @Test
  void dependentsOfALatchFutureRunOnTheChosenExecutorsThread() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> future = latch.toFuture(executor);
    AtomicReference<String> ranOn = new AtomicReference<>();
    CompletableFuture<Void> dependent =
        future.thenRun(() -> ranOn.set(Thread.currentThread().getName()));

    latch.open();

    // Wait on the dependent's own completion without get() on `future` (a getter may run
    // pending dependents itself).
    assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
    Races.until(dependent::isDone, "the dependent ran");
    assertThat(ranOn.get()).isEqualTo("chosen");
  }

  @Test
  void aFailedLatchFailsTheFutureWithTheCause() {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> future = latch.toFuture(executor);
    IOException cause = new IOException("gone");

    latch.fail(cause);

    assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCause(cause);
  }

  @Test
  void anOpenLatchReturnsACompletedFutureWithoutUsingTheExecutor() {
    BroadcastLatch latch = new BroadcastLatch();
    latch.open();
    CompletableFuture<Void> future = latch.toFuture(task -> {
      throw new AssertionError("executor used");
    });
    assertThat(future).isCompleted();
  }

  @Test
  void aRejectingExecutorStillCompletesTheFuture() throws Exception {
    BroadcastLatch latch = new BroadcastLatch();
    CompletableFuture<Void> future = latch.toFuture(task -> {
      throw new RejectedExecutionException("full");
    });
    latch.open();
    assertThat(future.get(30, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void aProgressFutureIsCompletedByATaskOfTheChosenExecutor() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier();
    QueuedExecutor queued = new QueuedExecutor();
    CompletableFuture<Long> future = notifier.whenAtLeast(10, queued);

    notifier.advanceTo(11);
    Runnable completion = queued.next();
    assertThat(future).as("not completed before the chosen executor ran its task").isNotDone();
    completion.run();

    assertThat(future.getNow(-1L)).isEqualTo(11);
  }

  @Test
  void cancellingAProgressFutureRemovesItsRegistration() {
    ProgressNotifier notifier = new ProgressNotifier();
    CompletableFuture<Long> future = notifier.whenAtLeast(10, executor);
    assertThat(notifier.waiterCount()).isEqualTo(1);

    future.cancel(false);

    assertThat(notifier.waiterCount()).isZero();
  }

  @Test
  void aReachedTargetReturnsACompletedFuture() throws Exception {
    ProgressNotifier notifier = new ProgressNotifier(5);
    CompletableFuture<Long> future = notifier.whenAtLeast(5, task -> {
      throw new AssertionError("executor used");
    });
    assertThat(future.getNow(-1L)).isEqualTo(5);
  }

  @Test
  void nullExecutorsAreRejected() {
    assertThatThrownBy(() -> new BroadcastLatch().toFuture(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("executor");
    assertThatThrownBy(() -> new ProgressNotifier().whenAtLeast(1, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("executor");
  }
}
