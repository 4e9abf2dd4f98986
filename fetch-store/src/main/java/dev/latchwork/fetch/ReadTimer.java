package dev.latchwork.fetch;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one timer thread, shared by every store, that aborts source reads past their read timeout.
 * Created on first use (class initialization is the lazy, thread-safe holder); a daemon that idles
 * when no read is in progress (cancelled alarms are removed at once, so a cancelled alarm keeps
 * neither a stream nor a store reachable).
 */
final class ReadTimer {
  static final ScheduledThreadPoolExecutor INSTANCE = create();

  private ReadTimer() {}

  private static ScheduledThreadPoolExecutor create() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "latchwork-fetch-read-timeout");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
