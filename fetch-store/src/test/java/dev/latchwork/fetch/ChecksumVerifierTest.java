package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.SignalFailedException;
import dev.latchwork.core.testing.TestSeed;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The verifier sees parts land in random order from racing threads, as a store's fetches deliver
 * them: it must compute the same checksum as the JDK over the whole object, read back only what
 * it could not take in order, and report a mismatch naming both values.
 */
@ExtendWith(TestSeed.class)
class ChecksumVerifierTest {
  private static final int PART = 1000;

  /** A fake store: data, the present flags of its parts and the prefix they make. */
  private static final class FakeStore {
    final byte[] data;
    final boolean[] present;
    final AtomicInteger readBack = new AtomicInteger();
    final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    FakeStore(byte[] data) {
      this.data = data;
      this.present = new boolean[(data.length + PART - 1) / PART];
    }

    synchronized void markPresent(int p) {
      present[p] = true;
    }

    synchronized long prefix() {
      int p = 0;
      while (p < present.length && present[p]) {
        p++;
      }
      return Math.min(data.length, (long) p * PART);
    }

    int read(ByteBuffer dst, long position) {
      int n = (int) Math.min(dst.remaining(), data.length - position);
      dst.put(data, (int) position, n);
      readBack.addAndGet(n);
      return n;
    }
  }

  private static ChecksumVerifier verifier(ObjectChecksum expected, FakeStore store) {
    return new ChecksumVerifier("test object", expected, store.data.length, PART, store::prefix,
        store::read, store.failures::add);
  }

  /** Delivers every part the way a fetch does (offer chunks, mark present, partDone). */
  private static void deliver(ChecksumVerifier v, FakeStore store, int p) {
    int start = p * PART;
    int end = Math.min(store.data.length, start + PART);
    CRC32C crc = new CRC32C();
    for (int at = start; at < end; at += 300) {
      int n = Math.min(300, end - at);
      crc.update(store.data, at, n);
      v.offer(at, store.data, at, n);
    }
    store.markPresent(p);
    v.partDone(p, (int) crc.getValue());
  }

  private static void deliverRacing(ChecksumVerifier v, FakeStore store, SplittableRandom random)
      throws Exception {
    List<Integer> order = new ArrayList<>();
    for (int p = 0; p < store.present.length; p++) {
      order.add(p);
    }
    Collections.shuffle(order, new java.util.Random(random.nextLong()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int p : order) {
        done.add(pool.submit(() -> deliver(v, store, p)));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyAlgorithmMatchesTheJdkWhatEverOrderThePartsLandIn() throws Exception {
    SplittableRandom random = TestSeed.random("ChecksumVerifierTest.order");
    for (int round = 0; round < 30; round++) {
      byte[] data = new byte[1 + random.nextInt(20 * PART)];
      random.nextBytes(data);
      CRC32C crc = new CRC32C();
      crc.update(data);
      ObjectChecksum[] expected = {
          ObjectChecksum.crc32c((int) crc.getValue()),
          ObjectChecksum.md5(MessageDigest.getInstance("MD5").digest(data)),
          ObjectChecksum.sha256(MessageDigest.getInstance("SHA-256").digest(data))};
      for (ObjectChecksum e : expected) {
        FakeStore store = new FakeStore(data);
        ChecksumVerifier v = verifier(e, store);
        deliverRacing(v, store, random);
        assertThat(v.result().await(30, TimeUnit.SECONDS)).as("%s verified", e).isTrue();
        assertThat(v.result().failure()).as("%s of %d bytes", e, data.length).isNull();
      }
    }
  }

  @Test
  void aDigestFedInOrderReadsNothingBack() throws Exception {
    byte[] data = TestData.bytes(10 * PART + 17, 3);
    FakeStore store = new FakeStore(data);
    ChecksumVerifier v = verifier(
        ObjectChecksum.sha256(MessageDigest.getInstance("SHA-256").digest(data)), store);
    for (int p = 0; p < store.present.length; p++) {
      deliver(v, store, p);
    }
    assertThat(v.result().isOpen()).isTrue();
    assertThat(v.result().failure()).isNull();
    assertThat(store.readBack).hasValue(0);
  }

  @Test
  void aDigestReadsBackOnlyWhatLandedOutOfOrder() throws Exception {
    byte[] data = TestData.bytes(4 * PART, 4);
    FakeStore store = new FakeStore(data);
    ChecksumVerifier v = verifier(
        ObjectChecksum.md5(MessageDigest.getInstance("MD5").digest(data)), store);
    deliver(v, store, 1); // ahead of the prefix: must be read back later
    deliver(v, store, 0);
    deliver(v, store, 2);
    deliver(v, store, 3);
    assertThat(v.result().failure()).isNull();
    assertThat(v.result().isOpen()).isTrue();
    assertThat(store.readBack).hasValue(PART);
  }

  @Test
  void aMismatchFailsTheResultNamingBothValues() throws Exception {
    byte[] data = TestData.bytes(3 * PART + 5, 5);
    for (ObjectChecksum wrong : new ObjectChecksum[] {ObjectChecksum.crc32c(42),
        ObjectChecksum.md5(new byte[16]), ObjectChecksum.sha256(new byte[32])}) {
      FakeStore store = new FakeStore(data);
      ChecksumVerifier v = verifier(wrong, store);
      for (int p = store.present.length - 1; p >= 0; p--) {
        deliver(v, store, p);
      }
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try {
        v.result().await();
      } catch (SignalFailedException e) {
        failure.set(e.getCause());
      }
      assertThat(failure.get()).isInstanceOf(ChecksumMismatchException.class)
          .hasMessageContaining(wrong.toString());
      ChecksumMismatchException m = (ChecksumMismatchException) failure.get();
      assertThat(m.actual().algorithm()).isEqualTo(wrong.algorithm());
      assertThat(m.actual()).isNotEqualTo(wrong);
      assertThat(store.failures).as("told once").containsExactly(m);
    }
  }

  @Test
  void anEmptyObjectIsCheckedAtOnce() throws Exception {
    FakeStore store = new FakeStore(new byte[0]);
    ChecksumVerifier crc = verifier(ObjectChecksum.crc32c(0), store);
    assertThat(crc.result().isOpen()).isTrue();
    assertThat(crc.result().failure()).isNull();
    ChecksumVerifier md5 = verifier(
        ObjectChecksum.md5(MessageDigest.getInstance("MD5").digest(new byte[0])), store);
    assertThat(md5.result().failure()).isNull();
    assertThat(md5.result().isOpen()).isTrue();
    assertThat(verifier(ObjectChecksum.crc32c(1), store).result().failure())
        .isInstanceOf(ChecksumMismatchException.class);
  }

  @Test
  void aGivenAndAStatedChecksumAreBothCheckedWhicheverOrderThePartsLandIn() throws Exception {
    SplittableRandom random = TestSeed.random("ChecksumVerifierTest.both");
    for (int round = 0; round < 20; round++) {
      byte[] data = new byte[1 + random.nextInt(12 * PART)];
      random.nextBytes(data);
      CRC32C c = new CRC32C();
      c.update(data);
      ObjectChecksum crc = ObjectChecksum.crc32c((int) c.getValue());
      ObjectChecksum sha512 = ObjectChecksum.of(ObjectChecksum.Algorithm.SHA512,
          MessageDigest.getInstance("SHA-512").digest(data));
      ObjectChecksum md5 = ObjectChecksum.md5(MessageDigest.getInstance("MD5").digest(data));
      byte[] bad = md5.value();
      bad[round % 16] ^= 1;
      ObjectChecksum wrongMd5 = ObjectChecksum.md5(bad);
      ObjectChecksum wrongCrc = ObjectChecksum.crc32c(crc.crc32cValue() ^ 1);
      // {given, stated, the expected value that must fail or null}
      ObjectChecksum[][] cases = {
          {md5, sha512, null}, {crc, sha512, null}, {sha512, crc, null}, {md5, md5, null},
          {crc, wrongMd5, wrongMd5}, {wrongMd5, crc, wrongMd5}, {md5, wrongMd5, wrongMd5},
          {crc, wrongCrc, wrongCrc}, {wrongCrc, sha512, wrongCrc}};
      for (ObjectChecksum[] k : cases) {
        FakeStore store = new FakeStore(data);
        ChecksumVerifier v = new ChecksumVerifier("obj", k[0], k[1], data.length, PART,
            store::prefix, store::read, store.failures::add);
        deliverRacing(v, store, random);
        String what = k[0] + " and " + k[1] + " over " + data.length + " bytes";
        if (k[2] == null) {
          assertThat(v.result().await(30, TimeUnit.SECONDS)).as(what).isTrue();
          assertThat(v.result().failure()).as(what).isNull();
          assertThat(store.failures).as(what).isEmpty();
        } else {
          assertThat(v.result().isOpen()).as(what).isTrue();
          assertThat(v.result().failure()).as(what)
              .isInstanceOfSatisfying(ChecksumMismatchException.class,
                  m -> assertThat(m.expected()).isEqualTo(k[2]));
          assertThat(store.failures).as("%s: told once", what).hasSize(1);
          assertThat(v.result().failure().getMessage()).as(what)
              .contains(k[2].equals(k[1]) ? "obj (checksum stated by the source):" : "obj:");
        }
      }
    }
  }
}
