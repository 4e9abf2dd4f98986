package dev.latchwork.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide set of {@link Tracer.Span spans} that entered while in-flight tracking was on
 * and have not closed yet, and the switch that turns tracking on and off.
 *
 * <p>Tracking is on while it was requested (by {@link Tracer#trackInFlight} or the system
 * property {@code latchwork.trace.inflight=true}, read once when this class initialises) or while
 * at least one {@link StallWatchdog} runs.
 *
 * <p>Snapshots: a {@link #snapshot} contains every span whose {@link #register} returned before
 * the snapshot began and whose {@link #deregister} did not begin before the snapshot returned,
 * and no span whose {@link #deregister} returned before the snapshot began; a span registered or
 * deregistered during the snapshot may or may not be in it. Memory effects: actions in a thread
 * prior to {@link #register} happen-before actions following a snapshot that contains the span.
 */
final class InFlightRegistry {
  /*
   * Implementation notes.
   *
   * Live spans are keys of a ConcurrentHashMap (identity equality: Span does not override
   * equals). put and remove are linearizable, and the map's weakly consistent iteration reflects
   * every put that completed before the iteration began and no remove that completed before it
   * began; that is exactly the snapshot guarantee Tracer documents, and the put/remove of a span
   * happen inside enter()/close() before they return.
   *
   * The switch is one volatile boolean, the only thing the disabled fast path of Tracer.enter
   * reads. It is derived from (requested || watchdogs > 0); both inputs change rarely and are
   * guarded by LOCK, which only the switch methods take (never traced code, never while
   * parking or doing I/O), so concurrent toggles cannot leave the derived flag stale.
   *
   * A span remembers whether it registered, and close() deregisters it whatever the switch says
   * by then: turning tracking off while spans are open cannot leak entries.
   */

  private static final Set<Tracer.Span> LIVE = ConcurrentHashMap.newKeySet();
  private static final Object LOCK = new Object();

  private static volatile boolean enabled;
  private static boolean requested; // guarded by LOCK
  private static int watchdogs; // guarded by LOCK

  static {
    boolean fromProperty;
    try {
      fromProperty = Boolean.getBoolean("latchwork.trace.inflight");
    } catch (SecurityException e) {
      fromProperty = false;
    }
    synchronized (LOCK) {
      requested = fromProperty;
      enabled = fromProperty;
    }
  }

  private InFlightRegistry() {}

  /** Returns whether spans entered now are registered. A single volatile read. */
  static boolean isEnabled() {
    return enabled;
  }

  /** Records the explicit request (by the user) to track or not. */
  static void request(boolean on) {
    synchronized (LOCK) {
      requested = on;
      enabled = requested || watchdogs > 0;
    }
  }

  /** A watchdog started: tracking stays on until the matching {@link #watchdogStopped}. */
  static void watchdogStarted() {
    synchronized (LOCK) {
      watchdogs++;
      enabled = true;
    }
  }

  /** A watchdog stopped. Called exactly once per {@link #watchdogStarted}. */
  static void watchdogStopped() {
    synchronized (LOCK) {
      if (watchdogs <= 0) {
        throw new IllegalStateException("watchdogStopped without watchdogStarted");
      }
      watchdogs--;
      enabled = requested || watchdogs > 0;
    }
  }

  static void register(Tracer.Span span) {
    LIVE.add(span);
  }

  static void deregister(Tracer.Span span) {
    LIVE.remove(span);
  }

  static boolean contains(Tracer.Span span) {
    return LIVE.contains(span);
  }

  /** Returns the live spans, with the guarantees stated in the class comment. */
  static List<Tracer.Span> snapshot() {
    return new ArrayList<>(LIVE);
  }
}
