package io.wsmux;

/**
 * Every test of {@link MuxTextProtocolIntegrationTest} again over wss://: the text multiplex protocol must work
 * unchanged through the TLS layer.
 */
class MuxTextProtocolOverTlsIntegrationTest extends MuxTextProtocolIntegrationTest
{
    @Override
    boolean tls()
    {
        return true;
    }
}
