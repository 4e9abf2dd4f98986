/**
 * A modular application of latchwork: requires the two upper modules only and reaches
 * {@code dev.latchwork.core} through their {@code requires transitive}.
 */
module dev.latchwork.consumer {
  requires dev.latchwork.fetch;
  requires dev.latchwork.writer;

  exports dev.latchwork.consumer;
}
