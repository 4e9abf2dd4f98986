package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A source may claim any size. Whatever it claims, the store costs memory for what is fetched
 * and waited for, not for the number of parts the claim implies: opening it must not allocate
 * per-part state up front (which ran out of memory), and reading its first and last bytes works.
 */
class HugeObjectTest {

  @Test
  @Timeout(120)
  void aSourceClaimingTwoToThe53BytesOpensAndServesItsEnds() throws Exception {
    readBothEnds(1L << 53, FetchStore.DEFAULT_PART_SIZE); // 2^30 parts of 8 MiB
  }

  @Test
  @Timeout(120)
  void aSourceClaiming15TiBInPartsOf64KiBOpensAndServesItsEnds() throws Exception {
    readBothEnds(15L << 40, 64 << 10); // 251,658,240 parts
  }

  private static void readBothEnds(long size, long partSize) throws Exception {
    // The temp file is sized (sparsely) to the object: tmpfs takes 2^53, ext4 stops at 16 TiB.
    try (SecondFileSystem tmpfs = SecondFileSystem.create("64m")) {
      // Only the first and the last part are served; any other stream stalls until closed, so
      // the workers do not fill the disk with the middle of the object. The first part waits
      // until a reader has asked for the last, so that its worker takes the last part next.
      long lastPart = (size - 1) / partSize * partSize;
      CompletableFuture<Void> endDemanded = new CompletableFuture<>();
      PatternSource source = new PatternSource(size, start -> start == 0 || start == lastPart,
          endDemanded);
      try (FetchStore store = FetchStore.builder(source).tempDirectory(tmpfs.dir())
          .partSize(partSize).parallelism(2).readTimeout(Duration.ZERO).open()) {
        assertThat(store.size()).isEqualTo(size);
        CompletableFuture<Void> end = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
          try {
            assertBytes(store, size - 64, 64);
            end.complete(null);
          } catch (Throwable t) {
            end.completeExceptionally(t);
          }
        }, "end-reader");
        reader.start();
        StoreTesting.awaitParked(reader);
        endDemanded.complete(null);
        end.get();
        assertBytes(store, 0, 64);
        assertThat(store.progress().partsDone()).isEqualTo(2);
      }
    }
  }

  private static void assertBytes(FetchStore store, long position, int length) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(length);
    assertThat(store.read(buf, position)).isEqualTo(length);
    for (int i = 0; i < length; i++) {
      assertThat(buf.get(i)).as("byte %d", position + i).isEqualTo(PatternSource.at(position + i));
    }
  }

  /** An object of any size whose byte at p is a function of p. */
  private static final class PatternSource implements RangeSource {
    private final long size;
    private final LongPredicate served;
    private final CompletableFuture<Void> firstPartGate;

    PatternSource(long size, LongPredicate served, CompletableFuture<Void> firstPartGate) {
      this.size = size;
      this.served = served;
      this.firstPartGate = firstPartGate;
    }

    static byte at(long position) {
      return (byte) (position * 31 + (position >>> 17));
    }

    @Override
    public ObjectInfo describe() {
      return new ObjectInfo(size, "v1");
    }

    @Override
    public InputStream open(ObjectInfo object, long start, long end) {
      ObjectInfo.checkRange(object, start, end);
      boolean serve = served.test(start);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      CompletableFuture<?> gate = start == 0 ? firstPartGate : CompletableFuture.completedFuture(null);
      return new InputStream() {
        private long position = start;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            CompletableFuture.anyOf(gate, closed).get();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted at the gate");
          } catch (ExecutionException e) {
            throw new IOException(e.getCause());
          }
          if (!serve) {
            try {
              closed.get();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new java.io.InterruptedIOException("interrupted while stalled");
            } catch (ExecutionException e) {
              throw new IOException(e.getCause());
            }
            throw new IOException("stream closed");
          }
          if (position >= end) {
            return -1;
          }
          int n = (int) Math.min(len, end - position);
          for (int i = 0; i < n; i++) {
            b[off + i] = at(position + i);
          }
          position += n;
          return n;
        }

        @Override
        public void close() {
          closed.complete(null);
        }
      };
    }

    @Override
    public String toString() {
      return "PatternSource[" + size + " bytes]";
    }
  }
}
