/**
 * Races on {@link dev.latchwork.core.ShutdownGate}: an entry racing the close, the last exit
 * racing the close, and the ending action running exactly once whoever drains the gate.
 */
package dev.latchwork.jcstress.gate;
