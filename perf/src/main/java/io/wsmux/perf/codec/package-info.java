/**
 * JMH benchmarks of the codec's hot paths (frame decoding and encoding, masking, UTF-8 validation), each beside a
 * baseline measured in the same run. Every benchmark state is owned by one JMH thread.
 */
package io.wsmux.perf.codec;
