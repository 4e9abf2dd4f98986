package dev.latchwork.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Completes the futures handed out by {@link BroadcastLatch#toFuture()} and {@link
 * ProgressNotifier#whenAtLeast(long)} without running their dependent actions in the signalling
 * thread.
 *
 * <p>Non-async dependents of a {@link CompletableFuture} ({@code thenApply}, {@code whenComplete},
 * ...) run in the thread that completes it. If {@code open()} or {@code advanceTo()} completed the
 * futures themselves, a consumer's slow or blocking dependent would stall the producer, which is
 * exactly the coupling these primitives exist to remove. So completion is handed to the executor
 * that {@code CompletableFuture}'s own {@code *Async} methods use by default ({@link
 * CompletableFuture#defaultExecutor()}: the common pool, or a thread per task when the common pool
 * has no parallelism), whose {@code execute} never blocks.
 */
final class AsyncCompletion {
  /*
   * Implementation notes. Submitting a task to the default executor never waits: the common pool
   * queue is unbounded and the thread-per-task fallback starts a thread. The only way to fail is
   * RejectedExecutionException (pool shut down or out of resources); then the future is completed
   * in the calling thread, because a future that never completes is a hang and a hang is worse
   * than running dependents inline once.
   */
  private static final Executor EXECUTOR = new CompletableFuture<Void>().defaultExecutor();

  private AsyncCompletion() {}

  /** Completes {@code future} with {@code value}, normally from an executor thread. */
  static <T> void complete(CompletableFuture<T> future, T value) {
    run(() -> future.complete(value));
  }

  /** Completes {@code future} exceptionally with {@code cause}, normally from an executor thread. */
  static void fail(CompletableFuture<?> future, Throwable cause) {
    run(() -> future.completeExceptionally(cause));
  }

  /**
   * Runs {@code completion}, which completes futures, in an executor thread; in the calling thread
   * only if the executor rejects it.
   */
  static void run(Runnable completion) {
    run(EXECUTOR, completion);
  }

  /** As {@link #run(Runnable)}, on {@code executor}. */
  static void run(Executor executor, Runnable completion) {
    try {
      executor.execute(completion);
    } catch (RejectedExecutionException e) {
      completion.run();
    }
  }

  /**
   * Returns {@code source} if it is already complete; otherwise a new future that a task of {@code
   * executor} completes with {@code source}'s result (in the thread that completes {@code source}
   * if the executor rejects the task). Cancelling the returned future cancels {@code source}, so a
   * registration behind it is released.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // whenComplete is used for its side effect
  static <T> CompletableFuture<T> relay(CompletableFuture<T> source, Executor executor) {
    if (source.isDone()) {
      return source;
    }
    CompletableFuture<T> relayed = new CompletableFuture<>();
    source.whenComplete(
        (value, failure) ->
            run(executor, () -> {
              if (failure != null) {
                relayed.completeExceptionally(unwrap(failure));
              } else {
                relayed.complete(value);
              }
            }));
    relayed.whenComplete(
        (value, failure) -> {
          if (relayed.isCancelled()) {
            source.cancel(false);
          }
        });
    return relayed;
  }

  /** whenComplete sees a dependent's failure wrapped in CompletionException; pass on the cause. */
  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
