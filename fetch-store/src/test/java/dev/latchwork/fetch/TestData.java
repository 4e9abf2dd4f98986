package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

/** Deterministic test objects and the leak check every store test ends with. */
final class TestData {
  private TestData() {}

  static byte[] bytes(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** Waits for the store's temp file to be gone, then asserts {@code dir} is empty. */
  static void assertNothingLeft(FetchStore store, Path dir) throws Exception {
    store.terminated().toFuture().exceptionally(e -> null).get();
    assertThat(Files.exists(store.file.path())).as("temp file deleted").isFalse();
    assertDirectoryEmpty(dir);
  }

  static void assertDirectoryEmpty(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("files left in %s", dir).isEmpty();
    }
  }
}
