package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a writer ends when something goes wrong: retried aborts, racing creators, Errors. */
class WriterEndingTest {
  private static ChunkWriter.Builder noBackground(Path target) {
    return ChunkWriter.builder(target).checkpointInterval(Duration.ZERO);
  }

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  @Test
  void anAbortThatFailedToDeleteIsRetriedByTheNextAbort() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    ChunkWriter w = noBackground(target).create(layout);
    w.write(0, TestData.chunk(1, layout, 0));
    // Make the temporary file undeletable: a non-empty directory now stands at its name.
    Path part = TempFiles.partPath(target);
    Files.delete(part);
    Files.createDirectory(part);
    Path blocker = Files.createFile(part.resolve("blocker"));

    assertThatThrownBy(w::abort).isInstanceOf(IOException.class).hasMessageContaining("could not delete")
        .satisfies(e -> assertThat(e.getCause() == null ? e.getSuppressed() : e.getCause().getSuppressed())
            .anyMatch(s -> s instanceof DirectoryNotEmptyException));
    assertThat(TestData.names(dir)).contains(".t.lwpart", ".t.lwckpt");
    // until the files are gone the write stays locked: nobody resumes or replaces it meanwhile
    assertThatThrownBy(() -> noBackground(target).resume()).hasMessageContaining("in use");

    Files.delete(blocker); // the cause is fixed
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).isEmpty();
    assertThat(w.abort()).isFalse();
    assertThatThrownBy(() -> w.write(1, TestData.chunk(1, layout, 1))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("aborted");
  }

  @Test
  void theLoserOfTwoRacingCreatesGetsTheSameExplanationAsASequentialSecondCreate() throws Exception {
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    Path first = dir.resolve("sequential");
    ChunkWriter held = noBackground(first).create(layout);
    String sequential = messageOf(() -> noBackground(first).create(layout));
    held.abort();
    assertThat(sequential).contains("an unfinished write for " + first + " exists");

    CyclicBarrier start = new CyclicBarrier(2);
    for (int round = 0; round < 300; round++) {
      Path target = dir.resolve("race-" + round);
      Future<Object> a = pool.submit(() -> createOrFailure(start, target, layout));
      Future<Object> b = pool.submit(() -> createOrFailure(start, target, layout));
      Object ra = a.get();
      Object rb = b.get();
      ChunkWriter winner = (ChunkWriter) (ra instanceof ChunkWriter ? ra : rb);
      Object loser = ra instanceof ChunkWriter ? rb : ra;
      assertThat(winner).as("round %d: one create wins", round).isInstanceOf(ChunkWriter.class);
      assertThat(loser).as("round %d: the other fails", round).isInstanceOf(FileAlreadyExistsException.class);
      assertThat(((Throwable) loser).getMessage()).as("round %d", round)
          .isEqualTo(sequential.replace(first.toString(), target.toString())
              .replace(TempFiles.partPath(first).toString(), TempFiles.partPath(target).toString()));
      winner.abort();
    }
    assertThat(TestData.names(dir)).isEmpty();
  }

  private static Object createOrFailure(CyclicBarrier start, Path target, ChunkLayout layout) throws Exception {
    start.await();
    try {
      return noBackground(target).create(layout);
    } catch (IOException e) {
      return e;
    }
  }

  private interface Call {
    void run() throws Exception;
  }

  private static String messageOf(Call call) {
    try {
      call.run();
    } catch (Exception e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a failure");
  }

  /** An Error that only this test throws. */
  private static final class InjectedError extends Error {
    private static final long serialVersionUID = 1L;

    InjectedError() {
      super("injected");
    }
  }

  @Test
  void anErrorWhileCommittingReachesEveryCommitCallerAsItself() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.framed(4, 8);
    AtomicBoolean failForce = new AtomicBoolean();
    ChunkWriter w = noBackground(target).dataFiles(file -> new ErrorOnForce(file, failForce)).create(layout);
    w.write(0, TestData.chunk(1, layout, 0));
    w.write(1, TestData.chunk(1, layout, 1));
    failForce.set(true);
    assertThatThrownBy(w::commit).isInstanceOf(InjectedError.class);
    assertThatThrownBy(w::commit).isInstanceOf(InjectedError.class);
    assertThat(Files.exists(target)).isFalse();
    assertThat(w.abort()).isTrue();
    assertThat(TestData.names(dir)).isEmpty();
  }

  @Test
  void anErrorInACheckpointReachesTheCallerAsItselfAndDoesNotPoisonTheNextCheckpoint() throws Exception {
    Path target = dir.resolve("t");
    ChunkLayout layout = ChunkLayout.raw(4, 8);
    AtomicBoolean failForce = new AtomicBoolean();
    ChunkWriter w = noBackground(target).dataFiles(file -> new ErrorOnForce(file, failForce)).create(layout);
    w.write(0, TestData.chunk(1, layout, 0));
    failForce.set(true);
    assertThatThrownBy(w::checkpoint).isInstanceOf(InjectedError.class);
    failForce.set(false);
    w.checkpoint();
    w.close();
    ChunkWriter r = noBackground(target).resume();
    assertThat(r.missingChunks()).containsExactly(1);
    r.abort();
  }

  /** A data file whose force throws an {@link InjectedError} while {@code fail} is set. */
  private static final class ErrorOnForce extends ChannelDataFile {
    private final AtomicBoolean fail;

    ErrorOnForce(Path file, AtomicBoolean fail) throws IOException {
      super(file);
      this.fail = fail;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (fail.get()) {
        throw new InjectedError();
      }
      super.force(metaData);
    }
  }
}
