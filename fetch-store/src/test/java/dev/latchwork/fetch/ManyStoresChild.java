package dev.latchwork.fetch;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link DirectMemoryTest}: {@code <stores> <dir>} opens that many stores one
 * after another over an in-memory source (so every fetch fills a direct buffer), reads each to
 * the end, closes it and keeps it reachable, as a caller holding closed stores would; prints
 * {@code ok} or the failure.
 */
public final class ManyStoresChild {
  static final String ANSWER = "child: ";

  private ManyStoresChild() {}

  public static void main(String[] args) throws Exception {
    int stores = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]);
    byte[] data = TestData.bytes(64 * 1024, 7);
    List<FetchStore> kept = new ArrayList<>();
    try {
      for (int i = 0; i < stores; i++) {
        FetchStore store = FetchStore.builder(new MemorySource(data)).tempDirectory(dir)
            .partSize(16 * 1024).parallelism(2).open();
        kept.add(store);
        store.awaitComplete();
        ByteBuffer last = ByteBuffer.allocate(1);
        if (store.read(last, data.length - 1) != 1 || last.get(0) != data[data.length - 1]) {
          throw new AssertionError("store " + i + " read back wrong bytes");
        }
        store.close();
      }
      try (var left = Files.list(dir)) {
        System.out.println(ANSWER + "ok " + kept.size() + " stores, files left " + left.count());
      }
    } catch (Throwable t) {
      System.out.println(ANSWER + "failed " + t);
    }
  }
}
