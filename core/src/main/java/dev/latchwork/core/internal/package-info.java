/**
 * Helpers shared by latchwork's own modules (fetch-store, writer); <b>not API</b>. Public only so
 * that those modules can use them; may change in any release without notice.
 */
package dev.latchwork.core.internal;
