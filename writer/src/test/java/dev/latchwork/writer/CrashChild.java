package dev.latchwork.writer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/**
 * The child JVM of {@link CrashRecoveryTest}: writes every chunk of a file from several threads
 * with frequent checkpoints and reports its progress on stdout, then waits to be killed.
 *
 * <p>Lines: {@code ready} once the writer exists; {@code wrote <i>} after each write returned;
 * {@code durable <i>,<j>,...} after a {@link ChunkWriter#checkpoint()} that began after those
 * writes had returned (so the parent may rely on them surviving a crash); {@code all-written}.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int chunkSize = Integer.parseInt(args[2]);
    long payload = Long.parseLong(args[3]);
    boolean framed = args[4].equals("framed");
    int threads = Integer.parseInt(args[5]);
    ChunkLayout layout = framed ? ChunkLayout.framed(chunkSize, payload) : ChunkLayout.raw(chunkSize, payload);
    ChunkWriter w = ChunkWriter.builder(target).checkpointEveryChunks(8).checkpointInterval(Duration.ofMillis(5)).create(layout);
    PrintStream out = new PrintStream(System.out, true, "US-ASCII");
    out.println("ready");
    Queue<Long> order = new ConcurrentLinkedQueue<>(TestData.shuffled(layout.chunkCount(), new SplittableRandom(seed)));
    Queue<Long> written = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          for (Long i = order.poll(); i != null; i = order.poll()) {
            w.write(i, TestData.chunk(seed, layout, i));
            written.add(i);
            out.println("wrote " + i);
          }
        } catch (IOException e) {
          e.printStackTrace();
          System.exit(3);
        }
      }, "crash-writer-" + t);
      worker.start();
      workers.add(worker);
    }
    Thread checkpointer = new Thread(() -> {
      try {
        while (workers.stream().anyMatch(Thread::isAlive)) {
          List<Long> before = new ArrayList<>(written);
          w.checkpoint();
          out.println("durable " + before.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
      } catch (IOException e) {
        e.printStackTrace();
        System.exit(4);
      }
    }, "crash-checkpointer");
    checkpointer.start();
    for (Thread worker : workers) {
      worker.join();
    }
    checkpointer.join();
    // A last checkpoint after every write returned, so that every run reports its chunks durable
    // at some point, however the scheduler treated the checkpointer while the workers ran.
    List<Long> all = new ArrayList<>(written);
    w.checkpoint();
    out.println("durable " + all.stream().map(String::valueOf).collect(Collectors.joining(",")));
    out.println("all-written");
    // Wait to be killed: never commit, never close.
    while (System.in.read() >= 0) {
      // keep reading until the parent kills us or closes stdin
    }
  }
}
