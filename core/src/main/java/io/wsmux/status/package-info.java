/**
 * Counters another process can read: the counters file ({@link io.wsmux.status.CountersFileDescriptor}), its writer
 * ({@link io.wsmux.status.WsmuxCounters}, allocated at start; each I/O loop then writes only its own counters) and
 * readers ({@code stat}, the Prometheus admin listener), which run on their own threads and never write to it.
 */
package io.wsmux.status;
