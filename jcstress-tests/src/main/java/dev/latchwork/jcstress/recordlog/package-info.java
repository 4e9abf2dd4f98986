/**
 * Harnesses for {@link dev.latchwork.core.internal.RecordLog}: appends and group-committed forces
 * racing each other.
 */
package dev.latchwork.jcstress.recordlog;
