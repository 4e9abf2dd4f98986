package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private static final URI PRESIGNED = URI.create(
      "https://alice:hunter2@bucket.example.com:8443/data/object.bin"
          + "?X-Amz-Credential=AKIASECRET%2F20260101&X-Amz-Signature=deadbeefcafe#frag");

  @Test
  void keepsSchemeHostPortAndPathOnly() {
    assertThat(Redaction.redact(PRESIGNED))
        .isEqualTo("https://bucket.example.com:8443/data/object.bin?<redacted>");
    assertThat(Redaction.redact(URI.create("http://h/p"))).isEqualTo("http://h/p");
  }

  @Test
  void opaqueOrHostlessUrisRevealNothing() {
    assertThat(Redaction.redact(URI.create("mailto:alice@example.com?subject=secret")))
        .isEqualTo("mailto:<redacted>");
  }

  @Test
  void scrubRewritesAnExceptionChainThatMentionsTheSecrets() {
    IOException leaky = new IOException("failed " + PRESIGNED,
        new IllegalStateException("inner X-Amz-Signature=deadbeefcafe"));
    Throwable clean = Redaction.scrub(leaky, PRESIGNED);
    assertThat(clean).isNotSameAs(leaky);
    for (Throwable t = clean; t != null; t = t.getCause()) {
      assertThat(t.getMessage()).doesNotContain("deadbeefcafe", "AKIASECRET", "hunter2");
      assertThat(t.getMessage()).contains("<redacted>");
    }
    assertThat(clean.getMessage()).contains("java.io.IOException");
    assertThat(clean.getStackTrace()).isEqualTo(leaky.getStackTrace());
  }

  @Test
  void scrubKeepsAnExceptionThatLeaksNothing() {
    IOException fine = new IOException("connection reset");
    assertThat(Redaction.scrub(fine, PRESIGNED)).isSameAs(fine);
  }
}
