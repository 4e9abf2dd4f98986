package dev.latchwork.fetch;

import static dev.latchwork.fetch.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathRangeSourceTest {
  @TempDir Path dir;

  @Test
  void servesExactlyTheRangeOfTheDescribedFile() throws Exception {
    byte[] data = bytes(10_000, 1);
    Path file = Files.write(dir.resolve("f.bin"), data);
    PathRangeSource source = PathRangeSource.of(file);
    RangeSource.ObjectInfo info = source.describe();
    assertThat(info.size()).isEqualTo(data.length);
    try (InputStream in = source.open(info, 100, 350)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 100, 350));
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void aFileChangedSinceItWasDescribedIsAVersionChange() throws Exception {
    Path file = Files.write(dir.resolve("f.bin"), bytes(1000, 2));
    PathRangeSource source = PathRangeSource.of(file);
    RangeSource.ObjectInfo info = source.describe();
    Files.write(file, bytes(1000, 3));
    Files.setLastModifiedTime(file,
        FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 60_000));
    assertThatThrownBy(() -> source.open(info, 0, 10))
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.kind()).isEqualTo(RangeSourceException.Kind.VERSION_CHANGED));
    Files.write(file, bytes(10, 3));
    assertThatThrownBy(() -> source.open(info, 0, 10))
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("changed");
  }

  @Test
  void missingFilesAndDirectoriesArePermanentFailures() {
    assertThatThrownBy(() -> PathRangeSource.of(dir.resolve("missing")).describe())
        .isInstanceOfSatisfying(RangeSourceException.class,
            e -> assertThat(e.isRetryable()).isFalse())
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> PathRangeSource.of(dir).describe())
        .isInstanceOf(RangeSourceException.class).hasMessageContaining("not a regular file");
    assertThatThrownBy(() -> PathRangeSource.of(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aStoreOverALocalFileReadsItAndLeavesNothingBehind(@TempDir Path temp) throws Exception {
    byte[] data = bytes(300_000, 4);
    Path file = Files.write(dir.resolve("f.bin"), data);
    FetchStore store = FetchStore.builder(PathRangeSource.of(file)).tempDirectory(temp)
        .partSize(64 << 10).open();
    try {
      ByteBuffer buf = ByteBuffer.allocate(1000);
      assertThat(store.read(buf, 250_000)).isEqualTo(1000);
      assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(data, 250_000, 251_000));
      assertThat(store.toString()).contains("PathRangeSource").contains(file.toString());
    } finally {
      store.close();
    }
    TestData.assertNothingLeft(store, temp);
  }

  @Test
  void aTransferHandsTheSinkTheFileForAKernelCopy() throws Exception {
    byte[] data = bytes(10_000, 5);
    Path file = Files.write(dir.resolve("t.bin"), data);
    PathRangeSource source = PathRangeSource.of(file);
    RangeSource.ObjectInfo info = source.describe();
    java.util.List<String> calls = new java.util.ArrayList<>();
    byte[] got = new byte[95];
    RangeSink sink = new RangeSink() {
      @Override
      public void write(ByteBuffer src, long position) {
        calls.add("write");
      }

      @Override
      public long transferFrom(java.nio.channels.FileChannel channel, long channelPosition,
          long count, long position) throws java.io.IOException {
        calls.add("transferFrom " + channelPosition + " " + count + " " + position);
        return channel.read(ByteBuffer.wrap(got), channelPosition);
      }

      @Override
      public ByteBuffer buffer() {
        throw new AssertionError("a file source needs no buffer");
      }
    };
    try (RangeTransfer t = source.transfer(info, 5, 100)) {
      assertThat(t.deliverTo(sink)).isEqualTo(95);
    }
    assertThat(calls).containsExactly("transferFrom 5 95 5");
    assertThat(got).isEqualTo(Arrays.copyOfRange(data, 5, 100));
  }

  @Test
  void aStoreCopiesPartsLargerThanOneKernelCopyChunkIntact(@TempDir Path temp) throws Exception {
    byte[] data = bytes(13 << 20, 6);
    Path file = Files.write(dir.resolve("big.bin"), data);
    Path out = temp.resolve("out.bin");
    try (FetchStore store = FetchStore.builder(PathRangeSource.of(file)).tempDirectory(temp)
        .partSize(6 << 20).parallelism(2).open()) {
      store.awaitComplete();
      store.moveTo(out);
    }
    assertThat(Files.readAllBytes(out)).isEqualTo(data);
  }
}
