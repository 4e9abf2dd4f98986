/** The range-fetching temp store (issue 5). */
package dev.latchwork.fetch;
