package dev.latchwork.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FileOpener for tests: real files, channels wrapped in a {@link ChannelDouble} with a scripted
 * positional write, and a scripted fsync that is counted.
 */
final class ScriptedOpener implements FileOpener {
  /** The scripted fsync; {@code number} counts from 1. */
  interface Sync {
    void sync(int number) throws IOException;
  }

  private final ChannelDouble.Write write;
  private final Sync sync;
  private volatile Runnable onChannelClose = () -> { };
  final AtomicInteger fsyncs = new AtomicInteger();
  final List<Set<OpenOption>> channelOptions = new CopyOnWriteArrayList<>();
  final List<ChannelDouble> channels = new CopyOnWriteArrayList<>();

  ScriptedOpener(ChannelDouble.Write write, Sync sync) {
    this.write = write;
    this.sync = sync;
  }

  static ScriptedOpener writes(ChannelDouble.Write write) {
    return new ScriptedOpener(write, number -> { });
  }

  static ScriptedOpener syncs(Sync sync) {
    return new ScriptedOpener(FileChannel::write, sync);
  }

  /** Runs {@code action} whenever a channel opened from now on is closed. */
  ScriptedOpener onChannelClose(Runnable action) {
    this.onChannelClose = action;
    return this;
  }

  @Override
  public FileChannel openChannel(Path file, Set<OpenOption> options) throws IOException {
    channelOptions.add(options);
    ChannelDouble channel =
        new ChannelDouble(FileChannel.open(file, options), write, onChannelClose);
    channels.add(channel);
    return channel;
  }

  @Override
  public FileSync openSync(Path file, boolean writable) {
    return new FileSync() {
      @Override
      public void sync(boolean metaData) throws IOException {
        sync.sync(fsyncs.incrementAndGet());
      }

      @Override
      public void close() { }
    };
  }
}
