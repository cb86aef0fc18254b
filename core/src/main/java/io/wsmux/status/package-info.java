/**
 * Seeing inside a running server: the JFR events of rare, important moments ({@link io.wsmux.status.WsmuxEvents}).
 * Events are committed on the I/O loop that saw the moment; they allocate, which is fine for what is rare by nature.
 */
package io.wsmux.status;
