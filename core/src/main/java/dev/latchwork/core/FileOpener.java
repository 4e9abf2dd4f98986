package dev.latchwork.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * Opens the descriptors a {@link PositionalWriter} works with: I/O channels (opened once and again
 * after every interrupt-induced close) and one {@link FileSync}. A seam so that tests can inject
 * channel and fsync doubles.
 */
interface FileOpener {
  /** Opens an I/O channel on {@code file} with exactly {@code options}. */
  FileChannel openChannel(Path file, Set<OpenOption> options) throws IOException;

  /** Opens the fsync descriptor of an existing {@code file}. */
  FileSync openSync(Path file, boolean writable) throws IOException;

  /** The real file system. */
  FileOpener SYSTEM = new FileOpener() {
    @Override
    public FileChannel openChannel(Path file, Set<OpenOption> options) throws IOException {
      return FileChannel.open(file, options);
    }

    @Override
    public FileSync openSync(Path file, boolean writable) throws IOException {
      if (file.getFileSystem() == FileSystems.getDefault()) {
        // FileDescriptor.sync() is a plain fsync(2): not interruptible, so an interrupted leader
        // can neither close this descriptor nor lose the fsync's result (see PositionalWriter).
        RandomAccessFile raf = new RandomAccessFile(file.toFile(), writable ? "rw" : "r");
        return new FileSync() {
          @Override
          public void sync(boolean metaData) throws IOException {
            raf.getFD().sync();
          }

          @Override
          public void close() throws IOException {
            raf.close();
          }
        };
      }
      // Other file systems have no java.io.File; use a channel of its own, used only for syncs.
      FileChannel channel = FileChannel.open(file, EnumSet.of(
          writable ? StandardOpenOption.WRITE : StandardOpenOption.READ));
      return new FileSync() {
        @Override
        public void sync(boolean metaData) throws IOException {
          channel.force(metaData);
        }

        @Override
        public void close() throws IOException {
          channel.close();
        }
      };
    }
  };
}
