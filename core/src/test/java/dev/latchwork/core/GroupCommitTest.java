package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a failing sync does to the group commit: only an I/O failure is sticky. */
@Timeout(60)
class GroupCommitTest {

  @Test
  void anErrorFromTheSyncPropagatesAsItselfAndDoesNotPoisonLaterCommits() throws IOException {
    GroupCommit commit = new GroupCommit("f");
    StackOverflowError error = new StackOverflowError("not an fsync failure");

    assertThatThrownBy(() -> commit.commit(() -> {
      throw error;
    })).isSameAs(error);

    AtomicInteger syncs = new AtomicInteger();
    commit.commit(syncs::incrementAndGet);
    assertThat(syncs.get()).as("a later commit runs an fsync of its own and succeeds").isEqualTo(1);
  }

  @Test
  void aRuntimeExceptionFromTheSyncIsNotStickyEither() throws IOException {
    GroupCommit commit = new GroupCommit("f");
    IllegalStateException bug = new IllegalStateException("a bug in the sync");

    assertThatThrownBy(() -> commit.commit(() -> {
      throw bug;
    })).isSameAs(bug);

    commit.commit(() -> {});
  }

  @Test
  void aCallerWaitingOnASyncThatThrewAnErrorGetsAnFsyncOfItsOwn() throws Exception {
    GroupCommit commit = new GroupCommit("f");
    CountDownLatch syncing = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);
    AssertionError error = new AssertionError("boom");
    CompletableFuture<Throwable> leader = new CompletableFuture<>();
    Thread leaderThread = new Thread(() -> {
      try {
        commit.commit(() -> {
          syncing.countDown();
          awaitQuietly(fail);
          throw error;
        });
        leader.complete(null);
      } catch (Throwable t) {
        leader.complete(t);
      }
    }, "leader");
    leaderThread.start();
    assertThat(syncing.await(30, TimeUnit.SECONDS)).isTrue();

    AtomicInteger waiterSyncs = new AtomicInteger();
    CompletableFuture<Throwable> waiter = new CompletableFuture<>();
    Thread waiterThread = new Thread(() -> {
      try {
        commit.commit(waiterSyncs::incrementAndGet);
        waiter.complete(null);
      } catch (Throwable t) {
        waiter.complete(t);
      }
    }, "waiter");
    waiterThread.start();
    Races.until(() -> commit.waiting() == 1, "the second caller waits for the running sync");
    fail.countDown();

    assertThat(leader.get(30, TimeUnit.SECONDS)).isSameAs(error);
    assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the waiter's outcome").isNull();
    assertThat(waiterSyncs.get()).isEqualTo(1);
  }

  @Test
  void anIoFailureStaysStickyForEveryLaterCaller() {
    GroupCommit commit = new GroupCommit("f");
    IOException eio = new IOException("EIO");

    assertThatThrownBy(() -> commit.commit(() -> {
      throw eio;
    })).isSameAs(eio);
    assertThatThrownBy(() -> commit.commit(() -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("an earlier fsync failed")
        .hasCause(eio);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
