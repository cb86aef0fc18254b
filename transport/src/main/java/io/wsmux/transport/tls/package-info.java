/**
 * TLS on the connection's own loop: a {@link io.wsmux.transport.tls.TlsSession} puts the JDK's
 * {@link javax.net.ssl.SSLEngine} between a socket and its connection, working in its loop's
 * {@link io.wsmux.transport.tls.TlsBuffers}, so that the connection above never knows whether its bytes were
 * encrypted; {@link io.wsmux.transport.tls.TlsCredentials} turns certificate files into an
 * {@link javax.net.ssl.SSLContext}. Sessions and buffers belong to one loop's thread; a
 * {@link io.wsmux.transport.tls.TlsEngineFactory} is shared by all loops and may be given a new certificate from any
 * thread.
 */
package io.wsmux.transport.tls;
