package dev.latchwork.benchmarks.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ThreadKindTest {
  private static final boolean JDK21 = Runtime.version().feature() >= 21;

  @Test
  void platformThreadsAreDaemonsRunningTheTask() throws InterruptedException {
    AtomicBoolean ran = new AtomicBoolean();
    Thread t = ThreadKind.platform.newThread("p", () -> ran.set(true));
    assertThat(t.isDaemon()).isTrue();
    t.start();
    t.join();
    assertThat(ran).isTrue();
  }

  @Test
  void virtualThreadsExistExactlyOnJdk21AndLater() throws InterruptedException {
    assertThat(ThreadKind.virtual.isAvailable()).isEqualTo(JDK21);
    if (!JDK21) {
      assertThatThrownBy(() -> ThreadKind.virtual.newThread("v", () -> {}))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("JDK 21+");
      return;
    }
    AtomicBoolean ran = new AtomicBoolean();
    Thread t = ThreadKind.virtual.newThread("v", () -> ran.set(true));
    assertThat(t.toString()).contains("Virtual");
    assertThat(t.getName()).isEqualTo("v");
    t.start();
    t.join();
    assertThat(ran).isTrue();
  }
}
