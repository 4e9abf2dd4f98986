package dev.latchwork.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchwork.core.BroadcastLatch;
import dev.latchwork.fetch.FetchStore;
import dev.latchwork.writer.ChunkWriter;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsesEveryLibraryTest {
  @TempDir Path dir;

  @Test
  void libraryClassesComeFromTheirNamedModules() {
    assertThat(UsesEveryLibrary.class.getModule().getName()).isEqualTo("dev.latchwork.consumer");
    assertThat(BroadcastLatch.class.getModule().getName()).isEqualTo("dev.latchwork.core");
    assertThat(FetchStore.class.getModule().getName()).isEqualTo("dev.latchwork.fetch");
    assertThat(ChunkWriter.class.getModule().getName()).isEqualTo("dev.latchwork.writer");
  }

  @Test
  void internalPackageIsNotExportedToApplications() {
    Module core = BroadcastLatch.class.getModule();
    assertThat(core.isExported("dev.latchwork.core")).isTrue();
    assertThat(core.isExported("dev.latchwork.core.internal")).isFalse();
    assertThat(core.isExported("dev.latchwork.core.internal", FetchStore.class.getModule())).isTrue();
    assertThat(core.isExported("dev.latchwork.core.internal", ChunkWriter.class.getModule())).isTrue();
  }

  @Test
  void payloadSurvivesEveryModule() throws Exception {
    byte[] payload = new byte[5000]; // five chunks, the last one short
    new Random(42).nextBytes(payload);
    assertThat(UsesEveryLibrary.roundTrip(dir, payload)).isEqualTo(payload);
  }
}
