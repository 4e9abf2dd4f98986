package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class PartSchedulerTest {

  @Test
  void handsOutPartsInOrder() {
    PartScheduler s = new PartScheduler(4);
    assertThat(List.of(s.claim(), s.claim(), s.claim(), s.claim(), s.claim()))
        .containsExactly(0, 1, 2, 3, -1);
  }

  @Test
  void aDemandedPartGoesFirstMostRecentDemandFirst() {
    PartScheduler s = new PartScheduler(10);
    assertThat(s.claim()).isZero();
    assertThat(s.demand(7)).isTrue();
    assertThat(s.demand(5)).isTrue();
    assertThat(s.claim()).isEqualTo(5);
    assertThat(s.claim()).isEqualTo(7);
    assertThat(s.claim()).isEqualTo(1);
    List<Integer> rest = new ArrayList<>();
    for (int p = s.claim(); p >= 0; p = s.claim()) {
      rest.add(p);
    }
    assertThat(rest).containsExactly(2, 3, 4, 6, 8, 9);
  }

  @Test
  void demandingAPartTwiceOrAfterItWasClaimedQueuesNothing() {
    PartScheduler s = new PartScheduler(3);
    assertThat(s.demand(2)).isTrue();
    assertThat(s.demand(2)).isFalse();
    assertThat(s.claim()).isEqualTo(2);
    assertThat(s.demand(2)).isFalse();
    assertThat(s.isClaimed(2)).isTrue();
    assertThat(List.of(s.claim(), s.claim(), s.claim())).containsExactly(0, 1, -1);
  }

  @Test
  void everyPartIsClaimedExactlyOnceUnderConcurrentClaimsAndDemands() throws Exception {
    SplittableRandom random = TestSeed.random("PartSchedulerTest.concurrentClaims");
    for (int round = 0; round < 200; round++) {
      int parts = 1 + random.nextInt(64);
      PartScheduler s = new PartScheduler(parts);
      AtomicIntegerArray claims = new AtomicIntegerArray(parts);
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      CyclicBarrier start = new CyclicBarrier(4);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        SplittableRandom r = random.split(); // one per thread: SplittableRandom is not thread-safe
        threads.add(new Thread(() -> {
          try {
            start.await();
            for (;;) {
              if (r.nextBoolean()) {
                s.demand(r.nextInt(parts));
              }
              int p = s.claim();
              if (p < 0) {
                return;
              }
              claims.incrementAndGet(p);
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(errors).isEmpty();
      for (int p = 0; p < parts; p++) {
        assertThat(claims.get(p)).as("claims of part %d", p).isEqualTo(1);
      }
    }
  }

  @Test
  void badPartNumbersAreRejected() {
    PartScheduler s = new PartScheduler(2);
    assertThatThrownBy(() -> s.demand(2)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("part 2 of 2");
    assertThatThrownBy(() -> s.demand(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> new PartScheduler(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new PartScheduler(0).claim()).isEqualTo(-1);
  }
}
