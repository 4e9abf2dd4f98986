/** JMH benchmarks (issue 7). */
package dev.latchwork.benchmarks;
