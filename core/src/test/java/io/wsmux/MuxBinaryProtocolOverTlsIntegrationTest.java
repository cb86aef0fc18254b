package io.wsmux;

/**
 * Every test of {@link MuxBinaryProtocolIntegrationTest} again over wss://: the binary multiplex protocol must work
 * unchanged through the TLS layer.
 */
class MuxBinaryProtocolOverTlsIntegrationTest extends MuxBinaryProtocolIntegrationTest
{
    @Override
    boolean tls()
    {
        return true;
    }
}
