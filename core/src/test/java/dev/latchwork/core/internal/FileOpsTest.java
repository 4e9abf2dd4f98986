package dev.latchwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class FileOpsTest {

  @TempDir Path dir;

  /** A tmpfs this test mounted (root only), unmounted after the test. */
  private Path mounted;

  @AfterEach
  void cleanUp() throws Exception {
    Thread.interrupted(); // never leak an interrupt into the next test
    if (mounted != null) {
      run("umount", mounted.toString());
    }
  }

  @Test
  void syncDirectoryFlushesAnExistingDirectoryWhateverTheInterruptStatus() throws IOException {
    assertThat(FileOps.syncDirectory(dir)).isTrue();

    Thread.currentThread().interrupt();
    assertThat(FileOps.syncDirectory(dir)).isTrue();
    assertThat(Thread.interrupted()).as("the caller's interrupt status is kept").isTrue();
  }

  @Test
  void syncDirectoryRejectsAMissingDirectoryAndARegularFile() throws IOException {
    assertThatThrownBy(() -> FileOps.syncDirectory(dir.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class);
    Path file = Files.createFile(dir.resolve("file"));
    assertThatThrownBy(() -> FileOps.syncDirectory(file)).isInstanceOf(NotDirectoryException.class);
  }

  @Test
  void ownerOnlyFilesAreReadableAndWritableByTheOwnerAlone() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX");
    Path created = FileOps.createOwnerOnly(dir.resolve("secret"));
    Path temp = FileOps.createTempOwnerOnly(dir, "t-", ".part");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temp)))
        .isEqualTo("rw-------");
    assertThat(temp.getFileName().toString()).startsWith("t-").endsWith(".part");
    assertThatThrownBy(() -> FileOps.createOwnerOnly(created))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void aMoveOnOneFileSystemRenamesAndReplacesTheTarget() throws IOException {
    Path from = Files.write(dir.resolve("from"), bytes(1000));
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path to = Files.write(sub.resolve("to"), new byte[] {1, 2, 3});

    Thread.currentThread().interrupt();
    FileOps.moveDurably(from, to);
    assertThat(Thread.interrupted()).isTrue();

    assertThat(Files.exists(from)).isFalse();
    assertThat(Files.readAllBytes(to)).isEqualTo(bytes(1000));
  }

  @Test
  void aMissingSourceIsReportedAndNothingIsCreated() {
    assertThatThrownBy(() -> FileOps.moveDurably(dir.resolve("nope"), dir.resolve("to")))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(Files.exists(dir.resolve("to"))).isFalse();
  }

  @Test
  void aMoveToAnotherFileSystemCopiesSyncsAndOnlyThenDeletesTheSource() throws Exception {
    Path other = otherFileSystem();
    Path from = Files.write(dir.resolve("download"), bytes(3 * 1024 * 1024 + 17));

    Thread.currentThread().interrupt();
    FileOps.moveDurably(from, other.resolve("target"));
    assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();

    assertThat(Files.exists(from)).isFalse();
    assertThat(Files.readAllBytes(other.resolve("target"))).isEqualTo(bytes(3 * 1024 * 1024 + 17));
    assertThat(list(other)).containsExactly("target");
  }

  @Test
  void aFailedMoveToAnotherFileSystemKeepsTheSourceAndLeavesNoCopyBehind() throws Exception {
    Path other = otherFileSystem();
    Path from = Files.write(dir.resolve("download"), bytes(4096));
    // The final rename cannot replace a non-empty directory: the copy is made, then the rename fails.
    Path blocked = Files.createDirectory(other.resolve("target"));
    Files.write(blocked.resolve("occupant"), new byte[] {1});

    assertThatThrownBy(() -> FileOps.moveDurably(from, blocked))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the file is still at " + from);

    assertThat(Files.readAllBytes(from)).isEqualTo(bytes(4096));
    assertThat(list(other)).containsExactly("target");
  }

  @Test
  void aMoveThatRunsOutOfSpaceOnTheOtherFileSystemKeepsTheSource() throws Exception {
    Path small = mountSmallTmpfs(); // 16 MiB
    byte[] content = bytes(20 * 1024 * 1024);
    Path from = Files.write(dir.resolve("big"), content);

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> FileOps.moveDurably(from, small.resolve("target")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the file is still at " + from);
    assertThat(Thread.interrupted()).isTrue();

    assertThat(Files.readAllBytes(from)).isEqualTo(content);
    assertThat(list(small)).as("no partial copy left on the full file system").isEmpty();
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >>> 8));
    }
    return b;
  }

  private static List<String> list(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * A directory on a file system other than {@link #dir}'s: a tmpfs this test mounts (as root),
   * else /dev/shm if it is a different file system; skipped, saying why, if neither is possible.
   */
  private Path otherFileSystem() throws Exception {
    try {
      return mountSmallTmpfs();
    } catch (org.opentest4j.TestAbortedException notRoot) {
      Path shm = Path.of("/dev/shm");
      assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
              && !sameFileStore(shm, dir),
          "needs a second file system: not root (cannot mount a tmpfs: " + notRoot.getMessage()
              + ") and /dev/shm is missing or on the same file system as " + dir);
      Path sub = Files.createTempDirectory(shm, "fileops-test-");
      sub.toFile().deleteOnExit();
      return sub;
    }
  }

  private Path mountSmallTmpfs() throws Exception {
    Path point = Files.createDirectory(dir.resolve("tmpfs"));
    String problem = run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", point.toString());
    assumeTrue(problem == null, "cannot mount a tmpfs (needs root): " + problem);
    mounted = point;
    assumeTrue(!sameFileStore(point, dir), "the mounted tmpfs is not a separate file system");
    return point;
  }

  private static boolean sameFileStore(Path a, Path b) throws IOException {
    FileStore fa = Files.getFileStore(a);
    FileStore fb = Files.getFileStore(b);
    return fa.equals(fb);
  }

  /** Runs a command; null if it succeeded, else what went wrong. */
  private static String run(String... command) throws Exception {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.toString();
    }
    boolean finished = process.waitFor(30, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes()).trim();
    if (!finished) {
      process.destroyForcibly();
      return Arrays.toString(command) + " did not finish";
    }
    return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
  }
}
