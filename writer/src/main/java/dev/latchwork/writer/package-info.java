/**
 * The transactional chunk writer: {@link dev.latchwork.writer.ChunkWriter} lets many threads write
 * fixed-size chunks of one file in any order, straight to their positions and without a
 * writer-wide lock, and publishes the file all-or-nothing with an atomic rename, exactly once;
 * an interrupted write resumes from a checkpoint after a crash. {@link
 * dev.latchwork.writer.ChunkFile} reads and verifies the FRAMED container it writes (per-chunk and
 * whole-payload CRC32C). Built on the core primitives of {@code dev.latchwork.core}.
 */
package dev.latchwork.writer;
