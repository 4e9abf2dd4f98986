package dev.latchwork.writer;

import dev.latchwork.core.Tracer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Opening a {@link ChunkWriter}: {@link #create} checks the target and creates the temporary
 * files, {@link #resume} reopens them; both trace the operation with the new writer's tracer and
 * leave nothing open if they fail. Stateless; safe from any thread.
 */
final class WriterOpening {
  private WriterOpening() {}

  /** See {@link ChunkWriter.Builder#create(ChunkLayout)}. */
  static ChunkWriter create(Path target, ChunkLayout layout, ChunkWriter.Settings settings) throws IOException {
    Objects.requireNonNull(layout, "layout");
    Path t = target.toAbsolutePath();
    Tracer tracer = Tracer.forInstance(ChunkWriter.class);
    try (Tracer.Span span = tracer.enter("create", "target", t, "layout", layout).failUnlessOk()) {
      if (Files.isDirectory(t)) {
        throw new IllegalArgumentException("target " + t + " is a directory");
      }
      Path dir = t.getParent();
      if (!Files.isDirectory(dir)) {
        throw new NoSuchFileException(dir.toString(), null, "the target's directory does not exist");
      }
      TempFiles.Created files = TempFiles.create(t, layout, settings.replaceUnfinished(), settings.opener());
      ChunkWriter w = new ChunkWriter(t, layout, settings, tracer, files.data(), files.checkpoint(), Map.of());
      w.started();
      return span.ok(w);
    }
  }

  /** See {@link ChunkWriter.Builder#resume()}. */
  static ChunkWriter resume(Path target, ChunkWriter.Settings settings) throws IOException {
    Path t = target.toAbsolutePath();
    Tracer tracer = Tracer.forInstance(ChunkWriter.class);
    try (Tracer.Span span = tracer.enter("resume", "target", t).failUnlessOk()) {
      TempFiles.Reopened files = TempFiles.reopen(t, settings.verifyOnResume(), settings.opener());
      ChunkWriter w;
      try {
        w = new ChunkWriter(t, files.layout(), settings, tracer, files.data(), files.checkpoint(), files.present());
      } catch (RuntimeException | Error e) {
        FileIo.closeAll(e, files.data(), files.checkpoint());
        throw e;
      }
      w.started();
      return span.ok(w);
    }
  }
}
