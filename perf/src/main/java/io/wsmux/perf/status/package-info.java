/**
 * JMH benchmarks of the counters: what a loop pays to count and to publish its counters to the counters file. Run on
 * the JMH thread; each benchmark owns its state.
 */
package io.wsmux.perf.status;
