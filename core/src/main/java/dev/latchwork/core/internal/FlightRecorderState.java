package dev.latchwork.core.internal;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Whether the JDK Flight Recorder has been initialized in this JVM, answered by one volatile read
 * without initializing it. Not API: for latchwork's own modules, which must not load a {@code
 * jdk.jfr.Event} subclass (that initializes the recorder's metadata: hundreds of milliseconds and
 * allocation) in an application that never records.
 *
 * <p>The usual emission pattern is therefore:
 *
 * <pre>{@code
 * MyEvent event = FlightRecorderState.isInitialized() ? new MyEvent() : null;
 * if (event != null) event.begin();
 * ...
 * if (event != null) { event.end(); if (event.shouldCommit()) { ...fields...; event.commit(); } }
 * }</pre>
 *
 * <p>The recorder initializes when the first recording starts ({@code -XX:StartFlightRecording},
 * {@code jcmd JFR.start}, JDK Mission Control, the {@code jdk.jfr} API) and stays initialized for
 * the life of the JVM, so once this returns {@code true} it always does.
 */
public final class FlightRecorderState {
  /*
   * Implementation notes. A FlightRecorderListener is registered when this class initializes
   * (registering one does not initialize the recorder; if it is already initialized the callback
   * runs at once). If the jdk.jfr module is absent, registering fails with a LinkageError and
   * the answer stays false.
   */

  private static volatile boolean initialized;

  static {
    try {
      Listener.install();
    } catch (LinkageError | SecurityException e) {
      // no Flight Recorder in this runtime: nothing is ever recorded
    }
  }

  private FlightRecorderState() {}

  /**
   * Returns whether the Flight Recorder has been initialized, i.e. whether a recording has ever
   * been started in this JVM. A volatile read.
   *
   * @return {@code true} once the recorder is initialized
   */
  public static boolean isInitialized() {
    return initialized;
  }

  /** Flips the flag; a separate class so that a missing jdk.jfr fails only in {@link #install}. */
  private static final class Listener implements FlightRecorderListener {
    static void install() {
      FlightRecorder.addListener(new Listener());
    }

    @Override
    public void recorderInitialized(FlightRecorder recorder) {
      initialized = true;
    }
  }
}
