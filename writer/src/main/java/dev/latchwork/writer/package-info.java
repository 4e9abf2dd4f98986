/** The transactional chunk writer (issue 6). */
package dev.latchwork.writer;
