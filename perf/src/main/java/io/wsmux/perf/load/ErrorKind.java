package io.wsmux.perf.load;

/**
 * What can go wrong in a load run; each kind is a key of the RESULT line and the JSON {@code errors} object, and
 * any of them makes the run fail (exit status 1).
 */
public enum ErrorKind
{
    /** A connection could not be opened (TCP connect or upgrade failed). */
    CONNECT_FAILED("connectFailures"),
    /** The server closed a connection, or it failed, before the run closed it. */
    UNEXPECTED_CLOSE("unexpectedCloses"),
    /** A message came back with other bytes than were sent (length, header, filler or time). */
    CORRUPT("corrupt"),
    /** A message arrived after a later one of the same sequence. */
    OUT_OF_ORDER("outOfOrder"),
    /** A message arrived twice. */
    DUPLICATE("duplicates"),
    /** A message sent (or published) never arrived within the drain timeout. */
    MISSING("missing"),
    /** A send was refused because the connection was no longer open. */
    SEND_FAILED("sendFailures"),
    /** The server refused a multiplex channel ({@code uns,<name>}) or sent a message the run did not expect. */
    REFUSED("refused"),
    /** A subscriber saw no probe within the subscribe timeout. */
    NOT_SUBSCRIBED("notSubscribed"),
    /** The client loop reported an error outside a connection. */
    CLIENT_ERROR("clientErrors"),
    /** A child process of the connections scenario failed or reported nothing. */
    CHILD_FAILED("childFailures");

    private final String key;

    ErrorKind(final String key)
    {
        this.key = key;
    }

    /**
     * @return the name in RESULT lines and JSON.
     */
    public String key()
    {
        return key;
    }
}
