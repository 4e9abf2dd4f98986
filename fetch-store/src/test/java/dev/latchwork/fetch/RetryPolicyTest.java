package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void backoffDoublesFromBaseUpToTheCap() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000), 0);
    assertThat(p.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoff(4, 0.5)).isEqualTo(Duration.ofMillis(800));
    assertThat(p.backoff(5, 0.5)).isEqualTo(Duration.ofMillis(1000));
    assertThat(p.backoff(Integer.MAX_VALUE, 0.5)).isEqualTo(Duration.ofMillis(1000));
  }

  @Test
  void jitterShortensADelayByAtMostItsFraction() {
    RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(10), 0.5);
    assertThat(p.backoff(2, 0.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(150));
    assertThat(p.backoff(2, 0.999999)).isGreaterThan(Duration.ofMillis(100));
    RetryPolicy full = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(10), 1);
    assertThat(full.backoff(1, 0.999999)).isLessThan(Duration.ofMillis(1));
  }

  @Test
  void hugeDurationsSaturateInsteadOfOverflowing() {
    RetryPolicy p = new RetryPolicy(5, Duration.ofDays(365L * 1000), Duration.ofSeconds(Long.MAX_VALUE), 0);
    assertThat(p.backoff(60, 0)).isPositive();
  }

  @Test
  void defaultsAreFiveAttempts() {
    assertThat(RetryPolicy.DEFAULT.maxAttempts()).isEqualTo(5);
    assertThat(RetryPolicy.noRetries().maxAttempts()).isEqualTo(1);
    assertThat(RetryPolicy.DEFAULT.withMaxAttempts(2).maxAttempts()).isEqualTo(2);
  }

  @Test
  void badPoliciesAreRejectedNamingTheComponent() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofSeconds(-1), Duration.ZERO, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseBackoff");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    assertThatThrownBy(() -> new RetryPolicy(1, null, Duration.ZERO, 0))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("baseBackoff");
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.backoff(0, 0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retry");
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.backoff(1, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("random");
  }

  @Test
  void aServersRetryAfterIsWaitedCappedByTheMaximumBackoff() throws Exception {
    RetryPolicy p = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(10), 0);
    StoreTesting.RecordingBackoff backoff = new StoreTesting.RecordingBackoff();
    Duration[] hints = {Duration.ofSeconds(7), Duration.ofHours(1), Duration.ofMillis(1)};
    int[] attempt = {0};
    String result = p.call(() -> {
      if (attempt[0] < hints.length) {
        Duration hint = hints[attempt[0]++];
        throw new RangeSourceException(RangeSourceException.Kind.TRANSIENT, "503", null, hint);
      }
      return "done";
    }, backoff, new dev.latchwork.core.BroadcastLatch(), (n, failure, delay) -> { });
    assertThat(result).isEqualTo("done");
    // 7 s as asked; an hour capped at maxBackoff; 1 ms is shorter than the backoff (400 ms).
    assertThat(backoff.delays).containsExactly(
        Duration.ofSeconds(7), Duration.ofSeconds(10), Duration.ofMillis(400));
  }
}
