/**
 * Seeing inside a running server. Counters another process can read: the counters file
 * ({@link io.wsmux.status.CountersFileDescriptor}), its writer ({@link io.wsmux.status.WsmuxCounters}, allocated at
 * start; each I/O loop then writes only its own counters) and readers ({@code stat}, the Prometheus admin listener),
 * which run on their own threads and never write to it. And the JFR events of rare, important moments
 * ({@link io.wsmux.status.WsmuxEvents}), committed on the I/O loop that saw the moment; they allocate, which is fine
 * for what is rare by nature.
 */
package io.wsmux.status;
