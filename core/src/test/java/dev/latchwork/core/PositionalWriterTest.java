package dev.latchwork.core;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestSeed.class)
class PositionalWriterTest {
  @TempDir Path dir;

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void manyThreadsWritingDistinctRangesOfRandomSizesProduceTheExactFile() throws Exception {
    Path file = dir.resolve("f");
    int threads = 8;
    int writesPerThread = 200;
    SplittableRandom random = TestSeed.random("PositionalWriterTest.distinctRanges");
    // Cut [0, total) into random-size slices and deal them out to the threads.
    List<long[]> slices = new ArrayList<>();
    long at = 0;
    for (int i = 0; i < threads * writesPerThread; i++) {
      int length = 1 + random.nextInt(random.nextBoolean() ? 64 : 40_000);
      slices.add(new long[] {at, length});
      at += length;
    }
    long total = at;
    byte[] expected = new byte[(int) total];
    random.nextBytes(expected);

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    try (PositionalWriter writer = PositionalWriter.open(file)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = first; i < slices.size(); i += threads) {
            long[] slice = slices.get(i);
            ByteBuffer src = ByteBuffer.wrap(expected, (int) slice[0], (int) slice[1]);
            writer.write(i % 2 == 0 ? src : direct(src), slice[0]);
            assertThat(src.hasRemaining()).isFalse();
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      assertThat(writer.bytesWritten()).isEqualTo(total);
      assertThat(writer.size()).isEqualTo(total);
      ByteBuffer back = ByteBuffer.allocate((int) total);
      assertThat(writer.read(back, 0)).isEqualTo((int) total);
      assertThat(back.array()).isEqualTo(expected);
    } finally {
      pool.shutdownNow();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  private static ByteBuffer direct(ByteBuffer heap) {
    ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining());
    direct.put(heap.duplicate()).flip();
    heap.position(heap.limit());
    return direct;
  }

  @Test
  void shortWritesAreContinuedUntilEveryByteIsWritten() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ScriptedOpener opener = ScriptedOpener.writes((real, src, position) -> {
      calls.incrementAndGet();
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + Math.min(7, part.remaining()));
      int n = real.write(part, position);
      src.position(src.position() + n);
      return n;
    });
    byte[] data = new byte[10_000];
    new SplittableRandom(1).nextBytes(data);
    Path file = dir.resolve("f");
    try (PositionalWriter writer = PositionalWriter.open(opener, file)) {
      writer.write(ByteBuffer.wrap(data), 3);
      assertThat(writer.bytesWritten()).isEqualTo(data.length);
    }
    assertThat(calls.get()).isEqualTo((data.length + 6) / 7);
    byte[] onDisk = Files.readAllBytes(file);
    assertThat(Arrays.copyOfRange(onDisk, 0, 3)).containsOnly(0);
    assertThat(Arrays.copyOfRange(onDisk, 3, onDisk.length)).isEqualTo(data);
  }

  @Test
  void readFillsTheBufferOrStopsAtEndOfFileAndReturnsMinusOneAtOrPastIt() throws Exception {
    try (PositionalWriter writer = PositionalWriter.open(dir.resolve("f"))) {
      writer.write(bytes("0123456789"), 0);
      ByteBuffer dst = ByteBuffer.allocate(20);
      assertThat(writer.read(dst, 4)).isEqualTo(6);
      assertThat(new String(dst.array(), 0, dst.position(), StandardCharsets.US_ASCII))
          .isEqualTo("456789");
      ByteBuffer small = ByteBuffer.allocate(3);
      assertThat(writer.read(small, 2)).isEqualTo(3);
      assertThat(small.array()).isEqualTo("234".getBytes(StandardCharsets.US_ASCII));
      assertThat(writer.read(ByteBuffer.allocate(5), 10)).isEqualTo(-1);
      assertThat(writer.read(ByteBuffer.allocate(5), 1_000)).isEqualTo(-1);
      assertThat(writer.read(ByteBuffer.allocate(0), 0)).isZero();
    }
  }

  @Test
  void aReadWhoseRangeWouldEndPastLongMaxValueReturnsMinusOneAtEndOfFile() throws Exception {
    try (PositionalWriter writer = PositionalWriter.open(dir.resolve("f"))) {
      writer.write(bytes("0123456789"), 0);
      for (long position : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 4095,
          Long.MAX_VALUE - 1_000_000}) {
        ByteBuffer dst = ByteBuffer.allocate(8192);
        assertThat(writer.read(dst, position)).as("read at %d", position).isEqualTo(-1);
        assertThat(dst.position()).isZero();
      }
      ByteBuffer empty = ByteBuffer.allocate(0);
      assertThat(writer.read(empty, Long.MAX_VALUE)).isZero();
    }
  }

  @Test
  void sizeTruncateAndBytesWrittenReportTheFile() throws Exception {
    try (PositionalWriter writer = PositionalWriter.open(dir.resolve("f"))) {
      assertThat(writer.size()).isZero();
      writer.write(bytes("abc"), 100);
      assertThat(writer.size()).isEqualTo(103);
      assertThat(writer.bytesWritten()).isEqualTo(3);
      writer.truncate(50);
      assertThat(writer.size()).isEqualTo(50);
      writer.truncate(80);
      assertThat(writer.size()).as("truncate never grows the file").isEqualTo(50);
      writer.force(false);
      writer.force(true);
    }
  }

  @Test
  void defaultOptionsCreateTheFileAndStandardOptionsAreUsedAsGivenPlusRead() throws Exception {
    Path file = dir.resolve("f");
    ScriptedOpener opener = ScriptedOpener.writes(FileChannel::write);
    try (PositionalWriter writer =
        PositionalWriter.open(opener, file, PositionalWriter.Option.REJECT_OVERLAPS)) {
      writer.write(bytes("hello"), 0);
    }
    assertThat(opener.channelOptions).containsExactly(Set.of(CREATE, READ, WRITE));
    assertThat(Files.readString(file)).isEqualTo("hello");

    try (PositionalWriter writer = PositionalWriter.open(file, WRITE, TRUNCATE_EXISTING)) {
      assertThat(writer.size()).isZero();
      writer.write(bytes("x"), 1);
      ByteBuffer dst = ByteBuffer.allocate(2);
      assertThat(writer.read(dst, 0)).as("READ is always added").isEqualTo(2);
    }
    assertThatThrownBy(() -> PositionalWriter.open(dir.resolve("missing"), WRITE))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(dir.resolve("missing")).doesNotExist();
  }

  @Test
  void appendAndDeleteOnCloseAreRejectedBeforeAnythingIsOpenedOrCreated() {
    Path file = dir.resolve("f");
    assertThatThrownBy(() -> PositionalWriter.open(file, CREATE, WRITE, APPEND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("APPEND");
    assertThatThrownBy(() -> PositionalWriter.open(file, CREATE, WRITE, DELETE_ON_CLOSE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DELETE_ON_CLOSE");
    assertThat(file).doesNotExist();
  }

  @Test
  void writingOrTruncatingAFileOpenedWithoutWriteFailsClearlyAndLeavesItUntouched()
      throws Exception {
    Path file = dir.resolve("f");
    Files.writeString(file, "keep me");
    try (PositionalWriter writer = PositionalWriter.open(file, READ)) {
      assertThatThrownBy(() -> writer.write(bytes("x"), 0))
          .isInstanceOf(NonWritableChannelException.class)
          .hasMessageContaining("without WRITE")
          .hasMessageContaining(file.toString());
      assertThatThrownBy(() -> writer.truncate(0))
          .isInstanceOf(NonWritableChannelException.class)
          .hasMessageContaining("without WRITE");
      ByteBuffer dst = ByteBuffer.allocate(7);
      assertThat(writer.read(dst, 0)).isEqualTo(7);
    }
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void badArgumentsAreRejectedWithTheBadValueNamedAndTheFileUntouched() throws Exception {
    Path file = dir.resolve("f");
    try (PositionalWriter writer = PositionalWriter.open(file)) {
      writer.write(bytes("data"), 0);
      ByteBuffer src = bytes("zz");
      assertThatThrownBy(() -> writer.write(src, -5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("position")
          .hasMessageContaining("-5");
      assertThat(src.remaining()).isEqualTo(2);
      assertThatThrownBy(() -> writer.write(null, 0))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("src");
      assertThatThrownBy(() -> writer.write(bytes("zz"), Long.MAX_VALUE - 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(Long.MAX_VALUE - 1));
      assertThatThrownBy(() -> writer.read(ByteBuffer.allocate(1), -1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
      assertThatThrownBy(() -> writer.read(null, 0))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("dst");
      assertThatThrownBy(() -> writer.read(ByteBuffer.allocate(1).asReadOnlyBuffer(), 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> writer.truncate(-3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("size")
          .hasMessageContaining("-3");
      assertThat(writer.bytesWritten()).isEqualTo(4);
    }
    assertThat(Files.readString(file)).isEqualTo("data");
    assertThatThrownBy(() -> PositionalWriter.open(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("file");
  }

  @Test
  void closeIsIdempotentAndEveryOperationAfterItThrowsClosedChannelException() throws Exception {
    PositionalWriter writer = PositionalWriter.open(dir.resolve("f"));
    writer.write(bytes("abc"), 0);
    writer.close();
    writer.close();
    assertThat(writer.toString()).contains("closed");
    assertThatThrownBy(() -> writer.write(bytes("x"), 0))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.write(ByteBuffer.allocate(0), 0))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.read(ByteBuffer.allocate(1), 0))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.force(true)).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(writer::size).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.truncate(0)).isInstanceOf(ClosedChannelException.class);
    assertThat(Files.readString(dir.resolve("f"))).isEqualTo("abc");
  }

  @Test
  void anAlreadyInterruptedCallerFailsFastWithoutClosingTheChannelForOthers() throws Exception {
    ScriptedOpener opener = ScriptedOpener.writes(FileChannel::write);
    try (PositionalWriter writer = PositionalWriter.open(opener, dir.resolve("f"))) {
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> writer.write(bytes("x"), 0))
            .isInstanceOf(InterruptedIOException.class);
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt status kept").isTrue();
        assertThatThrownBy(() -> writer.read(ByteBuffer.allocate(1), 0))
            .isInstanceOf(InterruptedIOException.class);
        assertThatThrownBy(() -> writer.force(true))
            .isInstanceOf(InterruptedIOException.class);
        assertThatThrownBy(writer::size).isInstanceOf(InterruptedIOException.class);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        assertThat(Thread.interrupted()).isTrue();
      }
      assertThat(opener.channels.get(0).realIsOpen()).isTrue();
      writer.write(bytes("y"), 0);
      assertThat(writer.reopens()).isZero();
      assertThat(writer.bytesWritten()).isEqualTo(1);
    }
  }

}
