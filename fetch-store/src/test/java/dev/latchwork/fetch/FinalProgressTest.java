package dev.latchwork.fetch;

import static dev.latchwork.fetch.StoreTesting.FAST;
import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener always gets the last progress, even when the executor refuses its task. */
class FinalProgressTest {
  private static final int PART = 64 << 10;

  @TempDir Path dir;

  /**
   * Runs the first {@code accepted} tasks submitted by the thread that created it (the store's
   * workers, submitted by open()) on threads of their own, and refuses every other task (the
   * listener's deliveries, submitted by the workers).
   */
  private static final class FullAfter implements Executor {
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    final AtomicInteger refused = new AtomicInteger();
    private final Thread opener = Thread.currentThread();
    private final int accepted;

    FullAfter(int accepted) {
      this.accepted = accepted;
    }

    @Override
    public void execute(Runnable task) {
      if (Thread.currentThread() != opener || threads.size() >= accepted) {
        refused.incrementAndGet();
        throw new RejectedExecutionException("full");
      }
      Thread t = new Thread(task, "accepted-" + threads.size());
      threads.add(t);
      t.start();
    }
  }

  @Test
  void theCompleteProgressIsDeliveredWhenTheExecutorRefusesTheListenersTasks() throws Exception {
    byte[] data = bytes(6 * PART, 51);
    FullAfter executor = new FullAfter(2); // the two workers, nothing more
    List<FetchProgress> seen = new CopyOnWriteArrayList<>();
    try (FetchStore store = FetchStore.builder(new MemorySource(data)).tempDirectory(dir)
        .partSize(PART).parallelism(2).retryPolicy(FAST).executor(executor).listener(seen::add)
        .open()) {
      store.awaitComplete();
      for (Thread worker : executor.threads) {
        worker.join(); // workers end once no part is left; every signal they made is delivered
      }
    }
    assertThat(executor.refused).as("the listener's tasks were refused").hasPositiveValue();
    assertThat(seen).isNotEmpty();
    assertThat(seen.get(seen.size() - 1))
        .isEqualTo(new FetchProgress(data.length, data.length, 6, 0, 0));
  }
}
