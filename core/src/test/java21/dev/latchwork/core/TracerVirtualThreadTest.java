package dev.latchwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** On JDK 21+: virtual threads are tagged as such in lines, snapshots and stall reports. */
class TracerVirtualThreadTest {

  static final class VirtualStore {}

  @AfterEach
  void trackingOff() {
    Tracer.trackInFlight(false);
  }

  @Test
  void linesTagNamedAndUnnamedVirtualThreads() throws Exception {
    TracerTestLogger log = new TracerTestLogger("v", Level.DEBUG);
    Tracer tracer = Tracer.forInstance(VirtualStore.class, log);
    Thread named = Thread.ofVirtual().name("vt-reader").start(() -> tracer.enter("read", "n", 1L).close());
    named.join();
    Thread unnamed = Thread.ofVirtual().start(() -> tracer.enter("read", "n", 2L).close());
    unnamed.join();

    String prefix = "[VirtualStore #" + tracer.instance() + "] read ";
    List<String> messages = log.messages();
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0))
        .isEqualTo(prefix + "ENTER n=1 thread=virtual:vt-reader tid=" + named.threadId());
    assertThat(messages.get(1))
        .startsWith(prefix + "EXIT n=1 thread=virtual:vt-reader tid=" + named.threadId() + " took=");
    assertThat(messages.get(2))
        .isEqualTo(prefix + "ENTER n=2 thread=virtual tid=" + unnamed.threadId());
    assertThat(ThreadIdentity.isVirtual(named)).isTrue();
    assertThat(ThreadIdentity.isVirtual(Thread.currentThread())).isFalse();
    assertThat(ThreadIdentity.id(named)).isEqualTo(named.threadId());
  }

  @Test
  void watchdogReportsAParkedVirtualThreadWithItsStack() throws Exception {
    BlockingQueue<StallWatchdog.Stall> stalls = new LinkedBlockingQueue<>();
    TracerTestLogger watchdogLog = new TracerTestLogger("w", Level.INFO);
    Tracer tracer = Tracer.forInstance(VirtualStore.class, new TracerTestLogger("v", Level.INFO));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (StallWatchdog watchdog = StallWatchdog.start(Duration.ofMillis(50), stalls::add, watchdogLog)) {
      Thread hang =
          Thread.ofVirtual()
              .name("vt-stuck")
              .start(
                  () -> {
                    try (Tracer.Span span = tracer.enter("awaitProgress", "offset", 8192L)) {
                      entered.countDown();
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      try {
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        StallWatchdog.Stall stall;
        do {
          stall = stalls.poll(30, TimeUnit.SECONDS);
          assertThat(stall).as("a stall report").isNotNull();
        } while (stall.operation().instance() != tracer.instance()
            || !stall.operation().component().equals("VirtualStore"));

        assertThat(stall.operation().virtualThread()).isTrue();
        assertThat(stall.operation().threadName()).isEqualTo("vt-stuck");
        assertThat(stall.operation().threadId()).isEqualTo(hang.threadId());
        assertThat(stall.stack())
            .anySatisfy(frame -> assertThat(StallWatchdogTest.isParkFrame(frame)).isTrue());
        assertThat(watchdogLog.messages())
            .anySatisfy(
                m ->
                    assertThat(m)
                        .startsWith(
                            "[VirtualStore #" + tracer.instance()
                                + "] awaitProgress STALLED offset=8192 thread=virtual:vt-stuck tid="
                                + hang.threadId()));
      } finally {
        release.countDown();
        hang.join(TimeUnit.SECONDS.toMillis(30));
      }
      assertThat(hang.isAlive()).isFalse();
    }
  }
}
