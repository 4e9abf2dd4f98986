package dev.latchwork.benchmarks.notifier;

import dev.latchwork.core.ProgressNotifier;

/** latchwork's {@link ProgressNotifier} behind the benchmarks' {@link ProgressSignal}. */
final class LatchworkProgress extends ProgressSignal {
  private final ProgressNotifier notifier = new ProgressNotifier();

  @Override
  void advanceTo(long value) {
    notifier.advanceTo(value);
  }

  @Override
  long awaitAtLeast(long target) throws InterruptedException {
    return notifier.awaitAtLeast(target);
  }

  @Override
  void complete() {
    notifier.complete();
  }

  @Override
  long wakeUps() {
    return notifier.wakeUpCount();
  }
}
