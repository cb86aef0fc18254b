package io.wsmux.codec.deflate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Both sides of the permessage-deflate handshake (RFC 7692 §5 and §7.1). The server's: read the client's offers from
 * its {@code Sec-WebSocket-Extensions} list elements, decline each one the server cannot or may not accept, and agree
 * to the first acceptable one with the response's extension value ({@link #negotiate}). The client's: offer
 * {@link #CLIENT_OFFER} and check the server's response ({@link #acceptResponse}).
 * <p>
 * An offer is declined, not the handshake failed (§5: "A server MUST decline an extension negotiation offer ..."),
 * when it holds a parameter not defined for an offer, a parameter with an invalid value, a parameter twice, or a
 * configuration the server does not support. The server compresses with the JDK's {@code Deflater}, whose LZ77
 * window is always 2^15: for an offer with {@code server_max_window_bits} below 15 it compresses each piece of
 * {@code 2^bits} bytes on its own ({@link MessageDeflater#deflate(org.agrona.DirectBuffer, int, int, byte[], int,
 * int)}), so it accepts every value, echoing it (§7.1.2.1: "by including the server_max_window_bits extension
 * parameter in the extension negotiation response ... with the same or smaller value"). Its {@code Inflater} takes
 * any window, so {@code client_max_window_bits} (with or without a value) is accepted and left out of the response
 * (§7.1.2.2: the client then uses any window up to 15).
 * <p>
 * By default the server answers {@code server_no_context_takeover} (§7.1.1.1 lets it add the parameter unasked), so
 * its compressor keeps no state per connection and one compressed frame serves every subscriber of a publication;
 * with context takeover allowed it does so only when the client asks. {@code client_no_context_takeover} is echoed
 * when offered, and then the server needs no inflater state of its own per connection.
 * <p>
 * Stateless: any thread. Cold path (handshakes), allocates.
 */
public final class DeflateNegotiation
{
    /** The extension's name. */
    public static final String EXTENSION_NAME = "permessage-deflate";

    /** RFC 7692 §7.1.2: the LZ77 window of the JDK's deflate, and the largest allowed. */
    public static final int MAX_WINDOW_BITS = 15;

    /** RFC 7692 §7.1.2: the smallest window a parameter may name. */
    public static final int MIN_WINDOW_BITS = 8;

    /**
     * The client's offer, what browsers send: permessage-deflate with {@code client_max_window_bits} (no value), so
     * that the server may limit the client's window (RFC 7692 §7.1.2.2).
     */
    public static final String CLIENT_OFFER = "permessage-deflate; client_max_window_bits";

    private static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    private static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    private static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    private static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    private DeflateNegotiation()
    {
    }

    /**
     * What the server and client agreed.
     *
     * @param serverNoContextTakeover the server compresses each message on its own (no shared window).
     * @param clientNoContextTakeover the client compresses each message on its own: the server may inflate its
     *                                messages with a shared inflater.
     * @param serverMaxWindowBits     the window the client allows the server's compressor, 8 to 15.
     * @param response                the value for the response's {@code Sec-WebSocket-Extensions} header.
     */
    public record Agreement(
        boolean serverNoContextTakeover, boolean clientNoContextTakeover, int serverMaxWindowBits, String response)
    {
    }

    /**
     * What a client learns from the server's response to its offer: the parameters agreed, or why the response must
     * fail the connection.
     *
     * @param serverNoContextTakeover the server compresses each message on its own: the client may inflate them with
     *                                an inflater it shares and resets.
     * @param clientNoContextTakeover the client must compress each message on its own (a compressor it shares and
     *                                resets).
     * @param serverMaxWindowBits     the window the server compresses with at most, 8 to 15.
     * @param clientMaxWindowBits     the window the client may compress with at most, 8 to 15.
     * @param problem                 null when the response is acceptable, else what is wrong with it (the client
     *                                fails the connection).
     */
    public record ClientAgreement(
        boolean serverNoContextTakeover,
        boolean clientNoContextTakeover,
        int serverMaxWindowBits,
        int clientMaxWindowBits,
        String problem)
    {
        static ClientAgreement refused(final String problem)
        {
            return new ClientAgreement(false, false, MAX_WINDOW_BITS, MAX_WINDOW_BITS, problem);
        }

        /**
         * @return true when the response is acceptable.
         */
        public boolean isAccepted()
        {
            return null == problem;
        }
    }

    /**
     * The client's side (RFC 7692 §5 and §7.1): read the server's {@code Sec-WebSocket-Extensions} response to an
     * offer of permessage-deflate. The response may hold one permessage-deflate element (or none: the server
     * declined, and messages go uncompressed). §7.1: "A client MUST _Fail the WebSocket Connection_ if the peer
     * server accepted an extension negotiation offer for this extension with an extension negotiation response
     * meeting any of the following conditions": a parameter not defined for a response, an invalid value, a parameter
     * twice, a configuration the client does not support. An extension that was not offered fails it too (RFC 6455
     * §4.1, item 5), and so does a second permessage-deflate element (the server accepts one offer, §5).
     *
     * @param headerValues               every value of the response's {@code Sec-WebSocket-Extensions} header.
     * @param offeredClientMaxWindowBits whether the offer held {@code client_max_window_bits} (§7.1.2.2: without
     *                                   it the response may not hold the parameter).
     * @return null when the response names no extension, else the agreement or, with
     * {@link ClientAgreement#problem()} set, why the connection must fail.
     */
    public static ClientAgreement acceptResponse(
        final List<String> headerValues, final boolean offeredClientMaxWindowBits)
    {
        final List<String> elements = listElements(headerValues);
        if (elements.isEmpty())
        {
            return null;
        }
        if (elements.size() > 1)
        {
            return ClientAgreement.refused("server chose more than one extension: " + String.join(", ", elements));
        }
        final String element = elements.get(0);
        final String[] parts = element.split(";", -1);
        if (!EXTENSION_NAME.equals(parts[0].trim().toLowerCase(Locale.ROOT)))
        {
            return ClientAgreement.refused("server chose an extension that was not offered: " + element);
        }
        boolean serverNoContextTakeover = false;
        boolean clientNoContextTakeover = false;
        int serverMaxWindowBits = 0;
        int clientMaxWindowBits = 0;
        for (int i = 1; i < parts.length; i++)
        {
            final String parameter = parts[i].trim();
            final int equals = parameter.indexOf('=');
            final String name = (equals < 0 ? parameter : parameter.substring(0, equals)).trim()
                .toLowerCase(Locale.ROOT);
            final String value = equals < 0 ? null : unquote(parameter.substring(equals + 1).trim());
            if (equals >= 0 && null == value)
            {
                return refusedParameter("a malformed value", parameter, element);
            }
            switch (name)
            {
                case SERVER_NO_CONTEXT_TAKEOVER:
                    if (serverNoContextTakeover)
                    {
                        return refusedParameter("a repeated parameter", parameter, element); // §7.1
                    }
                    if (null != value)
                    {
                        return refusedParameter("a value for a parameter without one", parameter, element);
                    }
                    serverNoContextTakeover = true;
                    break;

                case CLIENT_NO_CONTEXT_TAKEOVER:
                    if (clientNoContextTakeover)
                    {
                        return refusedParameter("a repeated parameter", parameter, element);
                    }
                    if (null != value)
                    {
                        return refusedParameter("a value for a parameter without one", parameter, element);
                    }
                    clientNoContextTakeover = true; // §7.1.1.2: the server may ask it unoffered
                    break;

                case SERVER_MAX_WINDOW_BITS:
                    if (0 != serverMaxWindowBits)
                    {
                        return refusedParameter("a repeated parameter", parameter, element);
                    }
                    if (!isWindowBits(value))
                    {
                        return refusedParameter("an invalid window size (8 to 15)", parameter, element);
                    }
                    // §7.1.2.1: the server's window is at most this; the client's inflater takes any window.
                    serverMaxWindowBits = Integer.parseInt(value);
                    break;

                case CLIENT_MAX_WINDOW_BITS:
                    if (0 != clientMaxWindowBits)
                    {
                        return refusedParameter("a repeated parameter", parameter, element);
                    }
                    if (!offeredClientMaxWindowBits)
                    {
                        // §7.1.2.2: "Absence of this parameter in an extension negotiation offer indicates that the
                        // client can receive only extension negotiation responses that do not include the
                        // client_max_window_bits extension parameter."
                        return refusedParameter("a parameter that was not offered", parameter, element);
                    }
                    if (!isWindowBits(value))
                    {
                        // In a response the parameter has a value (§7.1.2.2).
                        return refusedParameter("an invalid window size (8 to 15)", parameter, element);
                    }
                    clientMaxWindowBits = Integer.parseInt(value);
                    break;

                default:
                    return refusedParameter("an unknown parameter", parameter, element); // §7.1
            }
        }
        return new ClientAgreement(serverNoContextTakeover, clientNoContextTakeover,
            0 == serverMaxWindowBits ? MAX_WINDOW_BITS : serverMaxWindowBits,
            0 == clientMaxWindowBits ? MAX_WINDOW_BITS : clientMaxWindowBits, null);
    }

    private static ClientAgreement refusedParameter(final String what, final String parameter, final String element)
    {
        return ClientAgreement.refused(
            "server's permessage-deflate response has " + what + " '" + parameter + "': " + element);
    }

    /**
     * Split {@code Sec-WebSocket-Extensions} header values into their list elements (RFC 7230 §7: comma-separated,
     * any number of header lines), commas inside quoted strings kept.
     *
     * @param headerValues every value of the header, in order.
     * @return the non-empty elements, trimmed.
     */
    public static List<String> listElements(final List<String> headerValues)
    {
        final List<String> elements = new ArrayList<>();
        for (final String value : headerValues)
        {
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i <= value.length(); i++)
            {
                final char c = i < value.length() ? value.charAt(i) : ',';
                if ('"' == c)
                {
                    quoted = !quoted;
                }
                else if ('\\' == c && quoted)
                {
                    i++;
                }
                else if (',' == c && !quoted)
                {
                    final String element = value.substring(start, Math.min(i, value.length())).trim();
                    if (!element.isEmpty())
                    {
                        elements.add(element);
                    }
                    start = i + 1;
                }
            }
        }
        return elements;
    }

    /**
     * Choose among the client's offers.
     *
     * @param extensions                the request's {@code Sec-WebSocket-Extensions} list elements, in order (each
     *                                  an extension name and its parameters).
     * @param allowServerContextTakeover whether the server may keep its compression context across messages when
     *                                  the client does not ask it not to.
     * @return the agreement on the first acceptable permessage-deflate offer, or null when there is none.
     */
    public static Agreement negotiate(final List<String> extensions, final boolean allowServerContextTakeover)
    {
        return negotiate(extensions, allowServerContextTakeover, true);
    }

    /**
     * Choose among the client's offers, asking the client not to keep its context unless allowed.
     *
     * @param extensions                 as for {@link #negotiate(List, boolean)}.
     * @param allowServerContextTakeover as for {@link #negotiate(List, boolean)}.
     * @param allowClientContextTakeover whether the client may keep its compression context across messages;
     *                                   false answers {@code client_no_context_takeover} even when not offered
     *                                   (§7.1.1.2: "the server MAY include the client_no_context_takeover extension
     *                                   parameter in the corresponding extension negotiation response").
     * @return the agreement on the first acceptable permessage-deflate offer, or null when there is none.
     */
    public static Agreement negotiate(
        final List<String> extensions, final boolean allowServerContextTakeover,
        final boolean allowClientContextTakeover)
    {
        for (final String extension : extensions)
        {
            final Agreement agreement = accept(extension, allowServerContextTakeover, allowClientContextTakeover);
            if (null != agreement)
            {
                return agreement;
            }
        }
        return null;
    }

    /**
     * Accept one offer, or decline it.
     *
     * @param offer                      one list element: {@code permessage-deflate; param; param=value}.
     * @param allowServerContextTakeover as for {@link #negotiate}.
     * @return the agreement, or null when the element is another extension or an offer the server declines.
     */
    public static Agreement accept(final String offer, final boolean allowServerContextTakeover)
    {
        return accept(offer, allowServerContextTakeover, true);
    }

    /**
     * Accept one offer, or decline it.
     *
     * @param offer                      one list element.
     * @param allowServerContextTakeover as for {@link #negotiate(List, boolean, boolean)}.
     * @param allowClientContextTakeover as for {@link #negotiate(List, boolean, boolean)}.
     * @return the agreement, or null when the element is another extension or an offer the server declines.
     */
    public static Agreement accept(
        final String offer, final boolean allowServerContextTakeover, final boolean allowClientContextTakeover)
    {
        final String[] parts = offer.split(";", -1);
        if (!EXTENSION_NAME.equals(parts[0].trim().toLowerCase(Locale.ROOT)))
        {
            return null;
        }
        boolean serverNoContextTakeover = false;
        boolean clientNoContextTakeover = false;
        int serverMaxWindowBits = 0;
        boolean clientMaxWindowBits = false;
        for (int i = 1; i < parts.length; i++)
        {
            final String parameter = parts[i].trim();
            final int equals = parameter.indexOf('=');
            final String name = (equals < 0 ? parameter : parameter.substring(0, equals)).trim()
                .toLowerCase(Locale.ROOT);
            final String value = equals < 0 ? null : unquote(parameter.substring(equals + 1).trim());
            if (equals >= 0 && null == value)
            {
                return null; // a value that is neither a token nor a quoted string
            }
            switch (name)
            {
                case SERVER_NO_CONTEXT_TAKEOVER:
                    if (serverNoContextTakeover || null != value)
                    {
                        return null; // §7.1.1.1: no value; §5: not twice
                    }
                    serverNoContextTakeover = true;
                    break;

                case CLIENT_NO_CONTEXT_TAKEOVER:
                    if (clientNoContextTakeover || null != value)
                    {
                        return null; // §7.1.1.2
                    }
                    clientNoContextTakeover = true;
                    break;

                case SERVER_MAX_WINDOW_BITS:
                    if (0 != serverMaxWindowBits || !isWindowBits(value))
                    {
                        return null; // §7.1.2.1: a value is required
                    }
                    serverMaxWindowBits = Integer.parseInt(value);
                    break;

                case CLIENT_MAX_WINDOW_BITS:
                    if (clientMaxWindowBits || (null != value && !isWindowBits(value)))
                    {
                        return null; // §7.1.2.2: the value is optional
                    }
                    clientMaxWindowBits = true;
                    break;

                default:
                    return null; // §5: a parameter not defined for an offer (an empty one included)
            }
        }
        final boolean serverNoContext = serverNoContextTakeover || !allowServerContextTakeover;
        final boolean clientNoContext = clientNoContextTakeover || !allowClientContextTakeover;
        final StringBuilder response = new StringBuilder(EXTENSION_NAME);
        if (serverNoContext)
        {
            response.append("; ").append(SERVER_NO_CONTEXT_TAKEOVER);
        }
        if (clientNoContext)
        {
            response.append("; ").append(CLIENT_NO_CONTEXT_TAKEOVER);
        }
        if (0 != serverMaxWindowBits)
        {
            response.append("; ").append(SERVER_MAX_WINDOW_BITS).append('=').append(serverMaxWindowBits);
        }
        return new Agreement(serverNoContext, clientNoContext,
            0 == serverMaxWindowBits ? MAX_WINDOW_BITS : serverMaxWindowBits, response.toString());
    }

    /**
     * RFC 7692 §7.1.2: {@code 1*DIGIT} in 8..15, no leading zero (the ABNF is {@code %x38-39 / "1" %x30-35}).
     */
    private static boolean isWindowBits(final String value)
    {
        if (null == value)
        {
            return false;
        }
        switch (value)
        {
            case "8":
            case "9":
            case "10":
            case "11":
            case "12":
            case "13":
            case "14":
            case "15":
                return true;
            default:
                return false;
        }
    }

    /**
     * RFC 6455 §9.1 / RFC 7230 §3.2.6: a parameter value is a token or a quoted string; the quoted form of a window
     * size is the same value (RFC 7692 §7.1.2.1, "the value ... MUST conform to the ABNF ... if the value is
     * quoted-string, after unescaping").
     *
     * @return the value, unquoted and unescaped, or null when it is neither form.
     */
    private static String unquote(final String value)
    {
        if (value.length() >= 2 && '"' == value.charAt(0) && '"' == value.charAt(value.length() - 1))
        {
            final StringBuilder out = new StringBuilder();
            for (int i = 1; i < value.length() - 1; i++)
            {
                char c = value.charAt(i);
                if ('\\' == c)
                {
                    if (i + 1 >= value.length() - 1)
                    {
                        return null;
                    }
                    c = value.charAt(++i);
                }
                else if ('"' == c)
                {
                    return null;
                }
                out.append(c);
            }
            return out.toString();
        }
        if (value.isEmpty())
        {
            return null;
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0)
            {
                return null;
            }
        }
        return value;
    }
}
