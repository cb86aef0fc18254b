/**
 * JMH benchmarks of topic fan-out through a running server over loopback. State is owned by the JMH thread, with
 * one drain thread reading every subscriber socket.
 */
package io.wsmux.perf.topic;
