/**
 * Not API: helpers shared by latchwork's own modules. Exported only to {@code dev.latchwork.fetch}
 * and {@code dev.latchwork.writer}; anything here may change or disappear in any release.
 */
package dev.latchwork.core.internal;
