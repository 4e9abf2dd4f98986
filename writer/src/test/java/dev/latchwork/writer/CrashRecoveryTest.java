package dev.latchwork.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.testing.ChildJvm;
import dev.latchwork.core.testing.TestSeed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: a child JVM writes chunks from several threads with frequent checkpoints and is
 * killed with SIGKILL at a random point; the parent resumes, writes the missing chunks, commits,
 * and gets exactly the expected file. Chunks the child reported durable must not be missing.
 */
@ExtendWith(TestSeed.class)
class CrashRecoveryTest {
  private static final int KILLS = 12;

  @TempDir Path dir;

  @Test
  void aWriterKilledAtRandomPointsResumesToTheExactFile() throws Exception {
    SplittableRandom random = TestSeed.random("CrashRecoveryTest.kills");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = ChildJvm.classPath(CrashChild.class);
    int checkedDurable = 0;
    for (int kill = 0; kill < KILLS; kill++) {
      boolean framed = kill % 2 == 0;
      int chunkSize = 512 + random.nextInt(4096);
      long count = 200 + random.nextInt(400);
      long payload = (count - 1) * chunkSize + 1 + random.nextInt(chunkSize);
      ChunkLayout layout = framed ? ChunkLayout.framed(chunkSize, payload) : ChunkLayout.raw(chunkSize, payload);
      long seed = random.nextLong();
      Path target = dir.resolve("crash-" + kill + ".bin");
      long killAfter = random.nextLong(0, count + 1);
      // Every other kill also waits until some chunk was reported durable, so that the recovery
      // of checkpointed chunks is exercised whatever the timing of the child's checkpointer.
      boolean afterDurable = kill % 4 >= 2;
      Path childLog = dir.resolve("child-" + kill + ".log");
      Process child = new ProcessBuilder(java, "-cp", classpath, CrashChild.class.getName(),
              target.toString(), Long.toString(seed), Integer.toString(chunkSize), Long.toString(payload),
              framed ? "framed" : "raw", "4")
          .redirectError(childLog.toFile())
          .start();
      Set<Long> durable = new HashSet<>();
      List<String> seen = new ArrayList<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
        boolean ready = false;
        long wrote = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          seen.add(line);
          if (line.equals("ready")) {
            ready = true;
          } else if (line.startsWith("wrote ")) {
            wrote++;
          } else if (line.startsWith("durable ") && line.length() > 8) {
            for (String i : line.substring(8).split(",")) {
              durable.add(Long.parseLong(i));
            }
          }
          boolean killPointReached = wrote >= killAfter && (!afterDurable || !durable.isEmpty());
          if (ready && (killPointReached || line.equals("all-written"))) {
            break;
          }
        }
      } finally {
        child.destroyForcibly(); // SIGKILL on POSIX
        child.waitFor();
      }
      assertThat(seen).as("child output (stderr in %s: %s)", childLog,
              Files.exists(childLog) ? Files.readString(childLog) : "").contains("ready");

      ChunkWriter resumed = ChunkWriter.builder(target).verifyOnResume(true).resume();
      assertThat(resumed.layout()).isEqualTo(layout);
      long[] missing = resumed.missingChunks();
      for (long i : missing) {
        assertThat(durable).as("kill %d: chunk %d was reported durable", kill, i).doesNotContain(i);
      }
      checkedDurable += durable.size();
      System.out.printf("kill %d after %d of %d writes: %d chunks reported durable, %d missing on resume%n",
          kill, killAfter, count, durable.size(), missing.length);
      for (long i : missing) {
        resumed.write(i, TestData.chunk(seed, layout, i));
      }
      resumed.commit();
      TestData.assertComplete(target, seed, layout);
      assertThat(TestData.names(dir)).noneMatch(n -> n.contains(".lwpart") || n.contains(".lwckpt"));
    }
    // the kill points must have exercised the recovery of checkpointed chunks, not only empty ones
    assertThat(checkedDurable).isPositive();
  }
}
