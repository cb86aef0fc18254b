package io.wsmux.codec.deflate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeflateNegotiationTest
{
    @Test
    void shouldAnswerServerNoContextTakeoverByDefault()
    {
        // What Chromium and Firefox offer.
        final DeflateNegotiation.Agreement agreement =
            DeflateNegotiation.negotiate(List.of("permessage-deflate; client_max_window_bits"), false);

        assertNotNull(agreement);
        assertTrue(agreement.serverNoContextTakeover());
        assertFalse(agreement.clientNoContextTakeover());
        assertEquals("permessage-deflate; server_no_context_takeover", agreement.response());
    }

    @Test
    void shouldKeepServerContextOnlyWhenAllowedAndNotRefused()
    {
        final DeflateNegotiation.Agreement allowed =
            DeflateNegotiation.negotiate(List.of("permessage-deflate"), true);
        assertFalse(allowed.serverNoContextTakeover());
        assertEquals("permessage-deflate", allowed.response());

        final DeflateNegotiation.Agreement refused =
            DeflateNegotiation.negotiate(List.of("permessage-deflate; server_no_context_takeover"), true);
        assertTrue(refused.serverNoContextTakeover());
        assertEquals("permessage-deflate; server_no_context_takeover", refused.response());
    }

    @Test
    void shouldEchoClientNoContextTakeover()
    {
        final DeflateNegotiation.Agreement agreement = DeflateNegotiation.negotiate(
            List.of("permessage-deflate; client_no_context_takeover; server_no_context_takeover"), false);

        assertTrue(agreement.clientNoContextTakeover());
        assertTrue(agreement.serverNoContextTakeover());
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            agreement.response());
    }

    @Test
    void shouldAcceptEveryParameterWithValidValues()
    {
        final DeflateNegotiation.Agreement agreement = DeflateNegotiation.accept(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15;" +
            " client_max_window_bits=\"10\"", false);

        assertNotNull(agreement);
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover;" +
            " server_max_window_bits=15", agreement.response());
        assertEquals(15, agreement.serverMaxWindowBits());
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void shouldAcceptEveryServerWindowSizeAndEchoIt(final int bits)
    {
        // §7.1.2.1: accepted by including the parameter with the same or a smaller value.
        final DeflateNegotiation.Agreement agreement =
            DeflateNegotiation.accept("permessage-deflate; server_max_window_bits=" + bits, false);

        assertEquals(bits, agreement.serverMaxWindowBits());
        assertEquals("permessage-deflate; server_no_context_takeover; server_max_window_bits=" + bits,
            agreement.response());
        assertEquals(15, DeflateNegotiation.accept("permessage-deflate", false).serverMaxWindowBits());
    }

    @Test
    void shouldTakeTheFirstAcceptableOfSeveralOffers()
    {
        // The client's preference first: an offer with a parameter repeated (declined), then a fallback.
        final DeflateNegotiation.Agreement agreement = DeflateNegotiation.negotiate(List.of(
            "x-webkit-deflate-frame",
            "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
            "permessage-deflate; client_no_context_takeover"), false);

        assertNotNull(agreement);
        assertTrue(agreement.clientNoContextTakeover());
    }

    @Test
    void shouldAskForClientNoContextTakeoverUnlessAllowed()
    {
        final DeflateNegotiation.Agreement asked =
            DeflateNegotiation.negotiate(List.of("permessage-deflate; client_max_window_bits"), false, false);
        assertTrue(asked.clientNoContextTakeover());
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover", asked.response());

        final DeflateNegotiation.Agreement allowed =
            DeflateNegotiation.negotiate(List.of("permessage-deflate; client_max_window_bits"), false, true);
        assertFalse(allowed.clientNoContextTakeover());
        assertEquals("permessage-deflate; server_no_context_takeover", allowed.response());
    }

    @Test
    void shouldSplitHeaderValuesIntoElements()
    {
        assertEquals(List.of("permessage-deflate; client_max_window_bits", "x-foo; a=\"1,2\"", "permessage-deflate"),
            DeflateNegotiation.listElements(List.of(
                "permessage-deflate; client_max_window_bits, x-foo; a=\"1,2\"", " , permessage-deflate ")));
        assertEquals(List.of(), DeflateNegotiation.listElements(List.of("", " , ")));
    }

    @Test
    void shouldIgnoreOtherExtensionsAndCaseOfTheName()
    {
        assertNull(DeflateNegotiation.negotiate(List.of("x-webkit-deflate-frame", "permessage-foo"), false));
        assertNotNull(DeflateNegotiation.accept("PerMessage-Deflate", false));
        assertNull(DeflateNegotiation.negotiate(List.of(), false));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=15; server_max_window_bits=15",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=true",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=015",
        "permessage-deflate; server_max_window_bits=1a",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=0",
        "permessage-deflate; client_max_window_bits=",
        "permessage-deflate; client_max_window_bits=\"1\"0",
        "permessage-deflate; unknown_parameter",
        "permessage-deflate; ",
        "permessage-deflate;;",
    })
    void shouldDeclineMalformedRepeatedOrUnsupportedOffers(final String offer)
    {
        assertNull(DeflateNegotiation.accept(offer, false), offer);
    }

    @ParameterizedTest
    @ValueSource(strings = { "8", "9", "10", "11", "12", "13", "14", "15", "\"8\"", "\"15\"" })
    void shouldAcceptEveryClientWindowSize(final String bits)
    {
        assertNotNull(DeflateNegotiation.accept("permessage-deflate; client_max_window_bits=" + bits, false), bits);
    }

    @Test
    void shouldDeclineOnlyTheBadOfferAndAcceptTheNext()
    {
        final DeflateNegotiation.Agreement agreement = DeflateNegotiation.negotiate(List.of(
            "permessage-deflate; server_no_context_takeover=yes",
            "permessage-deflate"), false);

        assertEquals("permessage-deflate; server_no_context_takeover", agreement.response());
    }

    // ---- the client's side ----

    @Test
    void shouldReadNoAgreementFromAnEmptyResponse()
    {
        assertNull(DeflateNegotiation.acceptResponse(List.of(), true));
        assertNull(DeflateNegotiation.acceptResponse(List.of(" , "), true));
    }

    @Test
    void shouldAcceptWhatTheServerAnswersByDefault()
    {
        final DeflateNegotiation.ClientAgreement agreement =
            DeflateNegotiation.acceptResponse(List.of("permessage-deflate; server_no_context_takeover"), true);

        assertTrue(agreement.isAccepted());
        assertTrue(agreement.serverNoContextTakeover());
        assertFalse(agreement.clientNoContextTakeover());
        assertEquals(15, agreement.serverMaxWindowBits());
        assertEquals(15, agreement.clientMaxWindowBits());
    }

    @Test
    void shouldAcceptEveryResponseParameter()
    {
        final DeflateNegotiation.ClientAgreement agreement = DeflateNegotiation.acceptResponse(List.of(
            "PerMessage-Deflate; Server_No_Context_Takeover; client_no_context_takeover;" +
            " server_max_window_bits=10; client_max_window_bits=\"9\""), true);

        assertTrue(agreement.isAccepted(), agreement.problem());
        assertTrue(agreement.serverNoContextTakeover());
        assertTrue(agreement.clientNoContextTakeover());
        assertEquals(10, agreement.serverMaxWindowBits());
        assertEquals(9, agreement.clientMaxWindowBits());
    }

    @Test
    void shouldAcceptAPlainResponseWithContextTakeoverBothWays()
    {
        final DeflateNegotiation.ClientAgreement agreement =
            DeflateNegotiation.acceptResponse(List.of("permessage-deflate"), false);

        assertTrue(agreement.isAccepted());
        assertFalse(agreement.serverNoContextTakeover());
        assertFalse(agreement.clientNoContextTakeover());
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void shouldAcceptEveryWindowSizeInAResponse(final int bits)
    {
        final DeflateNegotiation.ClientAgreement agreement = DeflateNegotiation.acceptResponse(List.of(
            "permessage-deflate; server_max_window_bits=" + bits + "; client_max_window_bits=" + bits), true);

        assertEquals(bits, agreement.serverMaxWindowBits());
        assertEquals(bits, agreement.clientMaxWindowBits());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "x-webkit-deflate-frame|not offered",
        "permessage-foo|not offered",
        "permessage-deflate, permessage-deflate|more than one",
        "permessage-deflate, x-foo|more than one",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover|repeated",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover|repeated",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10|repeated",
        "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10|repeated",
        "permessage-deflate; server_no_context_takeover=1|a value for a parameter without one",
        "permessage-deflate; client_no_context_takeover=true|a value for a parameter without one",
        "permessage-deflate; server_max_window_bits|invalid window size",
        "permessage-deflate; server_max_window_bits=16|invalid window size",
        "permessage-deflate; server_max_window_bits=7|invalid window size",
        "permessage-deflate; server_max_window_bits=015|invalid window size",
        "permessage-deflate; client_max_window_bits|invalid window size",
        "permessage-deflate; client_max_window_bits=16|invalid window size",
        "permessage-deflate; client_max_window_bits=x|invalid window size",
        "permessage-deflate; client_max_window_bits=\"1\"0|malformed value",
        "permessage-deflate; server_max_window_bits=|malformed value",
        "permessage-deflate; mux|unknown parameter",
        "permessage-deflate; |unknown parameter",
        "permessage-deflate;;|unknown parameter",
    })
    void shouldRefuseResponsesTheRfcFails(final String testCase)
    {
        final String response = testCase.substring(0, testCase.indexOf('|'));
        final String expected = testCase.substring(testCase.indexOf('|') + 1);

        final DeflateNegotiation.ClientAgreement agreement =
            DeflateNegotiation.acceptResponse(List.of(response), true);

        assertFalse(agreement.isAccepted(), response);
        assertTrue(agreement.problem().contains(expected), agreement.problem());
    }

    @Test
    void shouldRefuseClientMaxWindowBitsThatWasNotOffered()
    {
        final DeflateNegotiation.ClientAgreement agreement =
            DeflateNegotiation.acceptResponse(List.of("permessage-deflate; client_max_window_bits=10"), false);

        assertFalse(agreement.isAccepted());
        assertTrue(agreement.problem().contains("not offered"), agreement.problem());
    }

    @Test
    void shouldRefuseTwoElementsOnSeparateHeaderLines()
    {
        final DeflateNegotiation.ClientAgreement agreement = DeflateNegotiation.acceptResponse(
            List.of("permessage-deflate", "permessage-deflate; server_no_context_takeover"), true);

        assertFalse(agreement.isAccepted());
    }

    @Test
    void shouldAcceptTheServersOwnAnswerToTheClientOffer()
    {
        // The two sides of this codec agree with each other, whatever the server allows.
        for (final boolean serverContext : new boolean[]{ false, true })
        {
            for (final boolean clientContext : new boolean[]{ false, true })
            {
                final DeflateNegotiation.Agreement server = DeflateNegotiation.negotiate(
                    List.of(DeflateNegotiation.CLIENT_OFFER), serverContext, clientContext);
                final DeflateNegotiation.ClientAgreement client =
                    DeflateNegotiation.acceptResponse(List.of(server.response()), true);

                assertTrue(client.isAccepted(), client.problem());
                assertEquals(server.serverNoContextTakeover(), client.serverNoContextTakeover());
                assertEquals(server.clientNoContextTakeover(), client.clientNoContextTakeover());
            }
        }
    }
}
