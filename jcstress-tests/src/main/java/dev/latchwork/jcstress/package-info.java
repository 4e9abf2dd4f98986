/**
 * jcstress race harnesses for every latchwork guarantee, and the gate that reads their results.
 *
 * <p>Sub-packages hold one harness per guarantee: {@code latch} ({@link
 * dev.latchwork.core.BroadcastLatch}), {@code progress} ({@link dev.latchwork.core.ProgressNotifier}),
 * {@code tracer} ({@link dev.latchwork.core.Tracer}'s in-flight registry), {@code positional}
 * ({@link dev.latchwork.core.PositionalWriter}), {@code gate} ({@link
 * dev.latchwork.core.ShutdownGate}), {@code recordlog} ({@link
 * dev.latchwork.core.internal.RecordLog}), {@code fetch} and {@code writer}. Each harness has
 * at most two {@code @Actor}s (the CI machines have two CPUs; jcstress skips a test that needs more)
 * and uses {@code Mode.Termination} for every "must not hang" guarantee.
 *
 * <p>{@code negative} holds faithful models of the broken designs latchwork replaces (a
 * check-then-wait condition variable and a dropped non-blocking signal, whose hang is the
 * ACCEPTABLE_INTERESTING outcome, a check-then-count shutdown gate, whose ending action running
 * while an admitted operation is inside is, and a write-behind that forgets a write counted
 * during its flush). {@link dev.latchwork.jcstress.ResultCheck} fails
 * a run in which a negative control was not caught, a harness saw a FORBIDDEN outcome or an error,
 * or a harness did not run at all.
 */
package dev.latchwork.jcstress;
