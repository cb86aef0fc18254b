/*
 * wsmux.js: many logical channels over one WebSocket to a wsmux server (docs/protocol.md).
 *
 * Plain ES2017, no dependencies, no build step. In a browser load it as a classic script (it defines
 * window.Wsmux); in Node require it (module.exports) and pass a WebSocket constructor such as require('ws').
 *
 *   const mux = new Wsmux.Client('wss://example.com/mux', { protocol: 'binary', onopen, onclose, onerror });
 *   const prices = mux.channel('prices.EURUSD', { maxRate: 5, onmessage: (data) => render(data) });
 *   const trades = mux.channel('trades.EURUSD', { positions: true, onmessage: (data, offset) => add(data),
 *       onrecovery: (r) => { if ('recovered' !== r.status) reload(); } });
 *   const echo = mux.channel('echo', { onmessage: (data) => console.log(data) });
 *   echo.send('hello');          // queued until the channel is open
 *   echo.close();
 *   mux.close();
 *
 * Two wire protocols, both served by WsmuxServer.Builder.mux(...):
 *  - 'binary' (default): subprotocol wsmux.v1. Channels have ids chosen here (lowest free, from 1, reused after
 *    close; an id holds for one WebSocket only: a channel may get another after a reconnect); the server confirms
 *    each channel (OPENED) or refuses it with a code (REFUSED, onrefused); channels carry text (string) and binary
 *    (Uint8Array) messages.
 *  - 'text': the websocket-multiplex wire form (sub,<name> / msg,<name>,<payload> / uns,<name>, names passed
 *    through escape()). Text messages only; no confirmation, so a channel is open as soon as its sub is sent, and
 *    a refusal arrives as uns, reported by onclose.
 * If 'binary' is asked for and the server does not confirm wsmux.v1, the connection speaks 'text' (mux.protocol).
 *
 * Client options (all optional):
 *  - protocol                'binary' (default) or 'text'.
 *  - WebSocket               the WebSocket constructor (default: the global one).
 *  - reconnect               true (default), false, or { initialDelayMs: 250, maxDelayMs: 10000, factor: 2,
 *                            jitter: 0.5, minUptimeMs: 5000 } (omitted fields take these defaults). See Reconnect.
 *  - queueLimit              messages each channel holds while it is not open (default 1000; 0 holds none).
 *  - onopen()                the first WebSocket opened.
 *  - onreconnecting({ attempt, delayMs, code, reason })
 *                            the WebSocket closed (code, reason: its close) or failed to open, and attempt number
 *                            `attempt` (1, 2, ...) starts in delayMs.
 *  - onreconnected({ attempt })  a new WebSocket opened; every channel is being re-opened.
 *  - onclose(code, reason)   the client is done: mux.close(), or the WebSocket closed and no reconnect follows.
 *  - onerror(error)          the WebSocket's error event (also for each failed reconnect attempt), or an Error
 *                            (with .code, .channelId and .channel) for an ERROR message from the server.
 *
 * Channel options: maxRate (messages per second, each the latest; 0 or omitted for no limit), positions, from, and
 * the callbacks below (each may also be set as a property, e.g. ch.onmessage = ...):
 *  - onopen()                the channel is open (binary: OPENED received; text: sub sent). Called each time it
 *                            opens: first, and again after each reconnect or recovery re-opens it.
 *  - onmessage(data, offset) a message: a string for text, a Uint8Array for binary; offset (a Number) for a message
 *                            of a channel with positions on a topic with history, else undefined.
 *  - onclose(code, reason)   the channel, once open, closed for good: ch.close() (1000), the server (binary: CLOSED's
 *                            code and reason, or REFUSED's when a re-open is refused; text: uns, reported as 1000
 *                            with an empty reason, the protocol has neither) or the client closing (the WebSocket's
 *                            code and reason).
 *  - onrefused(code, reason) the channel never opened: binary REFUSED (403, 404, 413, 429, ...) or the client
 *                            closed first (its code and reason). Messages queued for it are dropped.
 *  - ongap(code, reason)     binary only: the channel's topic may have missed publications before the next message
 *                            (503: the server's node lost its cluster link for a while); the channel stays open. A
 *                            channel with a position then recovers (see Positions).
 *  - onrecovery({ status, epoch, offset, missed, cause })
 *                            channels with positions only, at each OPENED, before onopen: see Positions.
 * Exactly one of onclose and onrefused is called per channel; ch.close() before the channel opened calls onclose.
 *
 * Positions (binary only; docs/protocol.md, positions and recovery). channel(name, { positions: true }) asks the
 * topic for positions: if it keeps a history, its messages come tagged with their offsets, and the channel keeps
 * ch.epoch (16 lower-case hex digits: a 64-bit identifier, kept as a string so it compares with === and survives
 * JSON) and ch.offset (a Number: the last message's offset, or the topic's position at OPENED; exact below 2^53).
 * Whenever the channel re-opens (reconnect, or a GAP), it asks to recover from that position; { from: { epoch,
 * offset } } asks so on the first open too (a position saved before a page reload). onrecovery's status:
 *  - 'fresh'          no position was asked for; epoch and offset are the topic's current position.
 *  - 'recovered'      every message after ch.offset follows, in order, then live: missed = OPENED's offset minus
 *                     ch.offset (how many will be replayed, on one node; in a cluster offsets may skip).
 *  - 'not-recovered'  the epoch changed or the history no longer holds the messages after ch.offset: nothing is
 *                     replayed (the last value comes, if the topic has one); epoch and offset are the current ones.
 *  - 'no-history'     the topic keeps no history (or the server predates positions): untagged messages, no position;
 *                     epoch and offset are null. Also what a channel with positions gets over the text protocol, at
 *                     each (re)subscribe: the text protocol carries no positions.
 * missed is null but for 'recovered'; cause is 'open' (first open), 'reconnect' or 'gap'.
 *
 * Reconnect (on by default, both protocols; reconnect: false restores the old behaviour: the client closes with the
 * WebSocket). When the WebSocket closes without mux.close(), or fails to open (a refused handshake too), the client
 * waits, opens a new WebSocket, and re-opens every channel that was not closed, in the order they were first asked
 * for, with the same names and options (channels with positions recover, as above). It does not reconnect after
 * mux.close(), nor after a close code that says this client sent something wrong (1002, 1003, 1007, 1009, 1010):
 * a reconnect would repeat it. The wait before attempt n is drawn uniformly from [base * (1 - jitter), base], base
 * = min(maxDelayMs, initialDelayMs * factor^(n-1)): jitter 0.5 is "equal jitter", 1 "full jitter", 0 none; so
 * clients cut together do not come back together, and no wait exceeds maxDelayMs. Attempts count from 1 again once
 * a WebSocket has stayed open minUptimeMs (a server that accepts and closes at once still sees growing waits).
 * Channel objects stay the same across reconnects. While the WebSocket is away a channel that was open is
 * CONNECTING (readyState 0): sends are queued up to queueLimit messages per channel, and beyond it refused (send
 * returns false, the message is dropped); queued messages go when the channel re-opens. Messages sent just before a
 * cut may be lost with the WebSocket: recovery covers what the server sends, not what the client sent.
 */
(function ()
{
    'use strict';

    const SUBPROTOCOL = 'wsmux.v1';

    // Channel states, as WebSocket's readyState.
    const CONNECTING = 0;
    const OPEN = 1;
    const CLOSED = 3;

    // docs/protocol.md, binary protocol: byte 0 is the type, bytes 1-4 the channel id (u32, big-endian).
    const TYPE_OPEN = 0x01;
    const TYPE_CLOSE = 0x02;
    const TYPE_TEXT = 0x03;
    const TYPE_BINARY = 0x04;
    const TYPE_OPENED = 0x81;
    const TYPE_REFUSED = 0x82;
    const TYPE_SERVER_TEXT = 0x83;
    const TYPE_SERVER_BINARY = 0x84;
    const TYPE_CLOSED = 0x85;
    const TYPE_ERROR = 0x86;
    const TYPE_GAP = 0x87;
    const TYPE_TEXT_AT = 0x88;
    const TYPE_BINARY_AT = 0x89;
    const HEADER_LENGTH = 5;
    const CODE_LENGTH = 2;
    const MAX_NAME_LENGTH = 0xFFFF;
    const MAX_ID = 0xFFFFFFFF;

    // Positions extension: OPEN is ... u32 maxRate | u8 flags | [u64 epoch | u64 offset];
    // OPENED is u32 id | u8 recovery | u64 epoch | u64 offset; TEXT_AT/BINARY_AT are u32 id | u32 offset's low bits.
    const FLAG_POSITIONS = 0x01;
    const FLAG_RECOVER = 0x02;
    const RECOVERY_STATUS = ['no-history', 'fresh', 'recovered', 'not-recovered']; // by OPENED's recovery byte
    const OPENED_POSITION_LENGTH = HEADER_LENGTH + 1 + 8 + 8;
    const AT_PREFIX_LENGTH = HEADER_LENGTH + 4;
    const TWO_31 = 0x80000000;
    const TWO_32 = 0x100000000;
    const EPOCH_PATTERN = /^[0-9a-f]{16}$/;

    // The text protocol has neither codes nor reasons: what onclose reports for an uns or a client close.
    const NORMAL_CLOSURE = 1000;
    // WebSocket close code for "closed without a close frame", reported when the socket fails before opening.
    const ABNORMAL_CLOSURE = 1006;

    // Close codes after which a reconnect would only repeat the failure: the server found fault with what this
    // client sent (RFC 6455 §7.4.1). Every other code reconnects: 1000 and 4000-4999 from the application, 1001
    // (shutdown, idle timeout), 1008 (wsmux: slow consumer, which recovery is for), 1011, 1013 (server busy), and
    // 1006 (no close frame: a cut, a refused handshake, a server that is down).
    const NO_RECONNECT = new Set([
        1002, // protocol error
        1003, // unsupported data (wsmux: a binary frame on the text protocol)
        1007, // invalid payload (not UTF-8)
        1009, // message too big
        1010  // mandatory extension (client-side code; listed for completeness)
    ]);
    const RECONNECT_DEFAULTS = { initialDelayMs: 250, maxDelayMs: 10000, factor: 2, jitter: 0.5, minUptimeMs: 5000 };
    const QUEUE_LIMIT_DEFAULT = 1000;

    const encoder = new TextEncoder();
    const decoder = new TextDecoder('utf-8');

    // A user callback that throws must not stop the others: rethrow it on its own turn of the event loop.
    function fire(target, name, args)
    {
        const callback = target[name];
        if ('function' !== typeof callback)
        {
            return;
        }
        try
        {
            callback.apply(target, args || []);
        }
        catch (error)
        {
            setTimeout(() =>
            {
                throw error;
            }, 0);
        }
    }

    function toBytes(data)
    {
        if (data instanceof Uint8Array)
        {
            return data;
        }
        if (data instanceof ArrayBuffer)
        {
            return new Uint8Array(data);
        }
        if (ArrayBuffer.isView(data))
        {
            return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        }
        return null;
    }

    // ---- u64 fields without BigInt: offsets as Numbers (exact below 2^53), epochs as 16 hex digits ----

    /**
     * BinaryMuxDescriptor.offsetFrom in Numbers: the whole offset of a tagged message from its low 32 bits and the
     * previous offset, taking the value with those low bits nearest above it (offsets grow by less than 2^31 between
     * two messages of a channel).
     */
    function offsetFrom(previous, low)
    {
        const candidate = previous - (previous % TWO_32) + low;
        return candidate <= previous - TWO_31 ? candidate + TWO_32 : candidate;
    }

    function readU64(view, at)
    {
        return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
    }

    function writeU64(view, at, value)
    {
        view.setUint32(at, Math.floor(value / TWO_32));
        view.setUint32(at + 4, value % TWO_32);
    }

    function readEpoch(view, at)
    {
        return ('0000000' + view.getUint32(at).toString(16)).slice(-8) +
            ('0000000' + view.getUint32(at + 4).toString(16)).slice(-8);
    }

    function writeEpoch(view, at, epoch)
    {
        view.setUint32(at, parseInt(epoch.substring(0, 8), 16));
        view.setUint32(at + 4, parseInt(epoch.substring(8), 16));
    }

    /**
     * One logical channel. Made by Client.channel(name, options), never directly.
     */
    class Channel
    {
        constructor(client, name, options, from)
        {
            this.client = client;
            this.name = name;
            this.maxRate = options.maxRate || 0;
            this.positions = true === options.positions;
            this.epoch = null === from ? null : from.epoch;
            this.offset = null === from ? null : from.offset;
            this.id = null;
            this.readyState = CONNECTING;
            this.onopen = options.onopen || null;
            this.onmessage = options.onmessage || null;
            this.onclose = options.onclose || null;
            this.onrefused = options.onrefused || null;
            this.ongap = options.ongap || null;
            this.onrecovery = options.onrecovery || null;
            this._queue = [];
            this._wireName = null;
            this._everOpened = false;
            this._cause = 'open';   // why the OPEN awaiting its answer was sent: 'open', 'reconnect' or 'gap'
        }

        /**
         * Send a message: a string as text; a Uint8Array (or other ArrayBufferView, or ArrayBuffer) as binary, which
         * only the binary protocol carries. Queued while the channel is not open (before it first opens, and while
         * the client reconnects), up to the client's queueLimit messages.
         *
         * @return true if sent or queued, false if the channel is closed or its queue is full (the message is dropped).
         */
        send(data)
        {
            if (CLOSED === this.readyState)
            {
                return false;
            }
            const bytes = 'string' === typeof data ? null : toBytes(data);
            if ('string' !== typeof data && null === bytes)
            {
                throw new TypeError('send takes a string or a Uint8Array, not ' + typeof data);
            }
            if (null !== bytes && 'text' === this.client.protocol)
            {
                throw new TypeError('the text protocol carries no binary messages');
            }
            if (CONNECTING === this.readyState)
            {
                if (this._queue.length >= this.client._queueLimit)
                {
                    return false;
                }
                this._queue.push(null === bytes ? data : bytes.slice());
                return true;
            }
            this.client._sendOn(this, null === bytes ? data : bytes);
            return true;
        }

        /**
         * Close the channel: tell the server (no reply is awaited) and call onclose(1000, ''). The WebSocket and the
         * other channels stay open. Does nothing if the channel is already closed.
         */
        close()
        {
            if (CLOSED === this.readyState)
            {
                return;
            }
            this.client._closeChannel(this);
            this.readyState = CLOSED;
            this._queue = [];
            setTimeout(() => fire(this, 'onclose', [NORMAL_CLOSURE, '']), 0);
        }
    }

    Channel.CONNECTING = CONNECTING;
    Channel.OPEN = OPEN;
    Channel.CLOSED = CLOSED;

    /**
     * One WebSocket at a time to a wsmux multiplexed endpoint (a new one after each reconnect), and the channels over
     * it.
     */
    class Client
    {
        constructor(url, options)
        {
            const settings = options || {};
            const requested = settings.protocol || 'binary';
            if ('binary' !== requested && 'text' !== requested)
            {
                throw new TypeError("protocol must be 'binary' or 'text', not " + requested);
            }
            const WebSocketCtor = settings.WebSocket || ('undefined' !== typeof WebSocket ? WebSocket : null);
            if (null === WebSocketCtor)
            {
                throw new TypeError('no WebSocket: pass one as options.WebSocket (in Node, require("ws"))');
            }
            const queueLimit = undefined === settings.queueLimit ? QUEUE_LIMIT_DEFAULT : settings.queueLimit;
            if (!Number.isInteger(queueLimit) || queueLimit < 0)
            {
                throw new RangeError('queueLimit must be an integer >= 0: ' + settings.queueLimit);
            }

            this.url = url;
            this.protocol = requested;   // what the current (or last) WebSocket speaks
            this.onopen = settings.onopen || null;
            this.onclose = settings.onclose || null;
            this.onerror = settings.onerror || null;
            this.onreconnecting = settings.onreconnecting || null;
            this.onreconnected = settings.onreconnected || null;
            this.ws = null;               // the current WebSocket; null while waiting to reconnect
            this._requested = requested;
            this._WebSocket = WebSocketCtor;
            this._reconnect = Client._reconnectSettings(settings.reconnect);
            this._queueLimit = queueLimit;
            this._open = false;           // the current WebSocket is open
            this._closed = false;         // mux.close() was called, or the client gave up: no reconnect
            this._everOpened = false;     // some WebSocket opened: the next open is a reconnect
            this._attempt = 0;            // reconnect attempts since the last WebSocket that stayed up
            this._openedAtMs = 0;
            this._timer = null;           // the pending reconnect
            this._channels = new Set();   // every channel not closed, in the order asked for
            this._byId = new Map();       // binary: id -> Channel, or a placeholder for an id being given back
            this._byWireName = new Map(); // text: escaped name -> Channel
            this._connect();
        }

        /**
         * Open a channel: a service or a topic on the server.
         *
         * @param name    the channel name, unescaped (e.g. 'chat room', 'prices.EURUSD').
         * @param options { maxRate, positions, from: { epoch, offset }, onopen, onmessage, onclose, onrefused, ongap,
         *                onrecovery }.
         * @return the Channel.
         */
        channel(name, options)
        {
            if ('string' !== typeof name || 0 === name.length)
            {
                throw new TypeError('a channel name is a non-empty string');
            }
            const settings = options || {};
            const maxRate = settings.maxRate || 0;
            if (!Number.isInteger(maxRate) || maxRate < 0 || maxRate > MAX_ID)
            {
                throw new RangeError('maxRate must be an integer in [0, 2^32): ' + settings.maxRate);
            }
            const from = Client._from(settings);
            if (this._closed)
            {
                throw new Error('the client is closed');
            }
            if ('text' === this.protocol && this._hasTextChannel(Client._wireName(name, maxRate)))
            {
                throw new Error('a channel of that name is already open (text protocol): ' + name);
            }
            const channel = new Channel(this, name, settings, from);
            this._channels.add(channel);
            if (this._open)
            {
                this._openChannel(channel);
            }
            return channel;
        }

        /**
         * Close the WebSocket for good (no reconnect); every channel closes with it (onclose, or onrefused if it never
         * opened), then onclose. While waiting to reconnect, that happens at once with 1000 (or the code given).
         */
        close(code, reason)
        {
            if (this._closed)
            {
                return;
            }
            this._closed = true;
            if (null !== this._timer)
            {
                clearTimeout(this._timer);
                this._timer = null;
            }
            if (null === this.ws)
            {
                setTimeout(() => this._finish(undefined === code ? NORMAL_CLOSURE : code, reason || ''), 0);
                return;
            }
            if (undefined === code)
            {
                this.ws.close();
            }
            else
            {
                this.ws.close(code, reason);
            }
        }

        static _reconnectSettings(reconnect)
        {
            if (false === reconnect)
            {
                return null;
            }
            const given = undefined === reconnect || true === reconnect ? {} : reconnect;
            if ('object' !== typeof given || null === given)
            {
                throw new TypeError('reconnect is true, false or { initialDelayMs, maxDelayMs, factor, jitter, ' +
                    'minUptimeMs }: ' + reconnect);
            }
            const settings = {};
            for (const key of Object.keys(RECONNECT_DEFAULTS))
            {
                settings[key] = undefined === given[key] ? RECONNECT_DEFAULTS[key] : given[key];
                if ('number' !== typeof settings[key] || !(settings[key] >= 0) || !isFinite(settings[key]))
                {
                    throw new RangeError('reconnect.' + key + ' must be a finite number >= 0: ' + given[key]);
                }
            }
            if (settings.factor < 1 || settings.jitter > 1 || settings.maxDelayMs < settings.initialDelayMs)
            {
                throw new RangeError('reconnect needs factor >= 1, jitter <= 1 and maxDelayMs >= initialDelayMs: ' +
                    JSON.stringify(settings));
            }
            return settings;
        }

        static _from(settings)
        {
            const from = settings.from;
            if (undefined === from || null === from)
            {
                return null;
            }
            const epoch = 'string' === typeof from.epoch ? from.epoch.toLowerCase() : '';
            if (true !== settings.positions || !EPOCH_PATTERN.test(epoch) || !Number.isSafeInteger(from.offset) ||
                from.offset < 0)
            {
                throw new RangeError('from needs positions: true, an epoch of 16 hex digits and an offset that is a ' +
                    'safe integer >= 0: ' + JSON.stringify(from));
            }
            return { epoch: epoch, offset: from.offset };
        }

        // ---- the WebSocket, and reconnecting ----

        _connect()
        {
            const WebSocketCtor = this._WebSocket;
            const ws = 'binary' === this._requested ?
                new WebSocketCtor(this.url, SUBPROTOCOL) : new WebSocketCtor(this.url);
            ws.binaryType = 'arraybuffer';
            this.ws = ws;
            // Events of a WebSocket the client has left behind are not its business any more.
            ws.addEventListener('open', () => ws === this.ws && this._onSocketOpen());
            ws.addEventListener('message', (event) => ws === this.ws && this._onSocketMessage(event.data));
            ws.addEventListener('close', (event) => ws === this.ws && this._onSocketClose(event.code, event.reason));
            ws.addEventListener('error', (event) => ws === this.ws && fire(this, 'onerror', [event]));
        }

        _onSocketOpen()
        {
            this.protocol = 'binary' === this._requested && SUBPROTOCOL !== this.ws.protocol ?
                'text' : this._requested; // the server did not confirm wsmux.v1: it speaks the text protocol
            this._open = true;
            this._openedAtMs = Date.now();
            const reconnected = this._everOpened;
            this._everOpened = true;
            // The channels to open now; any that a callback below asks for opens by itself.
            const channels = Array.from(this._channels);
            if (reconnected)
            {
                fire(this, 'onreconnected', [{ attempt: this._attempt }]);
            }
            else
            {
                fire(this, 'onopen');
            }
            for (const channel of channels)
            {
                if (CLOSED !== channel.readyState && this._open && !this._closed)
                {
                    this._openChannel(channel);
                }
            }
        }

        _onSocketMessage(data)
        {
            if ('text' === this.protocol)
            {
                if ('string' === typeof data)
                {
                    this._onTextMessage(data);
                }
                return;
            }
            if (data instanceof ArrayBuffer)
            {
                this._onBinaryMessage(data);
            }
        }

        _onSocketClose(code, reason)
        {
            const wasOpen = this._open;
            this._open = false;
            this.ws = null;
            this._byId.clear();
            this._byWireName.clear();
            const closeCode = undefined === code ? ABNORMAL_CLOSURE : code;
            const closeReason = reason || '';
            if (this._closed || null === this._reconnect || NO_RECONNECT.has(closeCode))
            {
                this._finish(closeCode, closeReason);
                return;
            }

            for (const channel of this._channels)
            {
                channel.readyState = CONNECTING; // open ones wait to re-open; their queues fill meanwhile
                channel.id = null;
            }
            if (wasOpen && Date.now() - this._openedAtMs >= this._reconnect.minUptimeMs)
            {
                this._attempt = 0;
            }
            this._attempt++;
            const delayMs = this._backoffMs(this._attempt);
            fire(this, 'onreconnecting', [{ attempt: this._attempt, delayMs: delayMs, code: closeCode,
                reason: closeReason }]);
            if (!this._closed) // mux.close() in onreconnecting has finished the client
            {
                this._timer = setTimeout(() => this._reconnectNow(), delayMs);
            }
        }

        /**
         * The wait before attempt n, uniform in [base * (1 - jitter), base], base = min(max, initial * factor^(n-1)).
         */
        _backoffMs(attempt)
        {
            const settings = this._reconnect;
            const base = Math.min(settings.maxDelayMs,
                settings.initialDelayMs * Math.pow(settings.factor, attempt - 1));
            return Math.round(base * (1 - settings.jitter * Math.random()));
        }

        _reconnectNow()
        {
            this._timer = null;
            try
            {
                this._connect();
            }
            catch (error)
            {
                // The constructor threw (a URL it no longer accepts, a page being unloaded): nothing to retry.
                fire(this, 'onerror', [error]);
                this._closed = true;
                this._finish(ABNORMAL_CLOSURE, String(error && error.message));
            }
        }

        /**
         * The client is done: close every channel, then tell the application.
         */
        _finish(code, reason)
        {
            this._closed = true;
            this._open = false;
            this.ws = null;
            const channels = Array.from(this._channels);
            this._channels.clear();
            this._byId.clear();
            this._byWireName.clear();
            for (const channel of channels)
            {
                if (CLOSED !== channel.readyState)
                {
                    channel.readyState = CLOSED;
                    channel._queue = [];
                    fire(channel, channel._everOpened ? 'onclose' : 'onrefused', [code, reason]);
                }
            }
            fire(this, 'onclose', [code, reason]);
        }

        // ---- channels ----

        _openChannel(channel)
        {
            channel._cause = channel._everOpened ? 'reconnect' : 'open';
            if ('text' === this.protocol)
            {
                const wireName = Client._wireName(channel.name, channel.maxRate);
                if (this._byWireName.has(wireName))
                {
                    // Only when 'binary' was asked for and the server spoke text: two channels of one name.
                    this._channels.delete(channel);
                    channel.readyState = CLOSED;
                    channel._queue = [];
                    fire(channel, channel._everOpened ? 'onclose' : 'onrefused',
                        [409, 'a channel of that name is already open (text protocol)']);
                    return;
                }
                channel._wireName = wireName;
                this._byWireName.set(wireName, channel);
                this._send('sub,' + wireName);
                // The text protocol carries no positions: a channel that asked for them learns it at every sub.
                this._onChannelOpened(channel, channel.positions ? Client._recovery('no-history', null, null, null,
                    channel._cause) : null);
                return;
            }

            const nameBytes = encoder.encode(channel.name);
            if (nameBytes.length > MAX_NAME_LENGTH)
            {
                this._channels.delete(channel);
                channel.readyState = CLOSED;
                channel._queue = [];
                fire(channel, 'onrefused', [413, 'channel name longer than 65535 bytes']);
                return;
            }
            const id = this._freeId();
            channel.id = id;
            this._byId.set(id, channel);
            this._sendOpen(channel, nameBytes);
        }

        _sendOpen(channel, nameBytes)
        {
            // OPEN: u32 id | u16 nameLength | name | [u32 maxRate | [u8 flags | [u64 epoch | u64 offset]]]
            const recover = channel.positions && null !== channel.epoch;
            const hasRate = channel.maxRate > 0 || channel.positions;
            const length = HEADER_LENGTH + 2 + nameBytes.length + (hasRate ? 4 : 0) + (channel.positions ? 1 : 0) +
                (recover ? 16 : 0);
            const frame = new Uint8Array(length);
            const view = new DataView(frame.buffer);
            view.setUint8(0, TYPE_OPEN);
            view.setUint32(1, channel.id);
            view.setUint16(HEADER_LENGTH, nameBytes.length);
            frame.set(nameBytes, HEADER_LENGTH + 2);
            let at = HEADER_LENGTH + 2 + nameBytes.length;
            if (hasRate)
            {
                view.setUint32(at, channel.maxRate);
                at += 4;
            }
            if (channel.positions)
            {
                view.setUint8(at, recover ? FLAG_POSITIONS | FLAG_RECOVER : FLAG_POSITIONS);
                at++;
            }
            if (recover)
            {
                writeEpoch(view, at, channel.epoch);
                writeU64(view, at + 8, channel.offset);
            }
            this._send(frame);
        }

        _onChannelOpened(channel, recovery)
        {
            channel.readyState = OPEN;
            channel._everOpened = true;
            if (null !== recovery)
            {
                fire(channel, 'onrecovery', [recovery]);
                if (OPEN !== channel.readyState)
                {
                    return; // closed by its onrecovery
                }
            }
            fire(channel, 'onopen');
            const queue = channel._queue;
            channel._queue = [];
            for (const data of queue)
            {
                if (OPEN !== channel.readyState)
                {
                    break; // closed by its own onopen or by an earlier send's consequences
                }
                this._sendOn(channel, data);
            }
        }

        _freeId()
        {
            let id = 1;
            while (this._byId.has(id))
            {
                id++;
            }
            if (id > MAX_ID)
            {
                throw new RangeError('no free channel id');
            }
            return id;
        }

        _send(data)
        {
            // Only on an open socket: a closing one would discard it anyway (and some implementations throw).
            if (null !== this.ws && OPEN === this.ws.readyState)
            {
                this.ws.send(data);
            }
        }

        _sendOn(channel, data)
        {
            if ('text' === this.protocol)
            {
                if ('string' === typeof data)
                {
                    // Binary queued before the server turned out to speak text has no wire form: dropped.
                    this._send('msg,' + channel._wireName + ',' + data);
                }
                return;
            }
            const text = 'string' === typeof data;
            const payload = text ? encoder.encode(data) : data;
            const frame = new Uint8Array(HEADER_LENGTH + payload.length);
            const view = new DataView(frame.buffer);
            view.setUint8(0, text ? TYPE_TEXT : TYPE_BINARY);
            view.setUint32(1, channel.id);
            frame.set(payload, HEADER_LENGTH);
            this._send(frame);
        }

        _sendClose(id)
        {
            const frame = new Uint8Array(HEADER_LENGTH);
            const view = new DataView(frame.buffer);
            view.setUint8(0, TYPE_CLOSE);
            view.setUint32(1, id);
            this._send(frame);
        }

        _closeChannel(channel)
        {
            this._channels.delete(channel);
            if (!this._open)
            {
                return; // not on the wire: it is simply never (re-)opened
            }
            if ('text' === this.protocol)
            {
                this._byWireName.delete(channel._wireName);
                this._send('uns,' + channel._wireName);
                return;
            }
            this._sendClose(channel.id);
            if (OPEN === channel.readyState)
            {
                // The server handles CLOSE before any later OPEN of this id, and sends nothing on an id before
                // OPENED: the id can be reused at once; late messages for the old channel are dropped (see below).
                this._byId.delete(channel.id);
            }
            else
            {
                // OPEN is unanswered: keep the id until OPENED or REFUSED arrives, so that answer is not taken for
                // a new channel's.
                this._byId.set(channel.id, { closing: true });
            }
        }

        /**
         * After a GAP: re-open the channel on the same id, recovering from its position. The server handles the CLOSE
         * before the OPEN; what it sent on the old subscription meanwhile arrives while the channel awaits OPENED,
         * and is dropped: the recovery replays it.
         */
        _recoverAfterGap(channel)
        {
            this._sendClose(channel.id);
            channel.readyState = CONNECTING;
            channel._cause = 'gap';
            this._sendOpen(channel, encoder.encode(channel.name));
        }

        // ---- text protocol ----

        static _wireName(name, maxRate)
        {
            return escape(maxRate > 0 ? name + '?maxRate=' + maxRate : name);
        }

        _hasTextChannel(wireName)
        {
            for (const channel of this._channels)
            {
                if (Client._wireName(channel.name, channel.maxRate) === wireName)
                {
                    return true;
                }
            }
            return false;
        }

        _onTextMessage(text)
        {
            // type,name[,payload]: the payload is everything after the second comma, commas included.
            const firstComma = text.indexOf(',');
            if (3 !== firstComma)
            {
                return;
            }
            const type = text.substring(0, 3);
            const secondComma = text.indexOf(',', 4);
            const wireName = -1 === secondComma ? text.substring(4) : text.substring(4, secondComma);
            const channel = this._byWireName.get(wireName);
            if (undefined === channel)
            {
                return;
            }
            if ('msg' === type)
            {
                fire(channel, 'onmessage', [-1 === secondComma ? '' : text.substring(secondComma + 1)]);
            }
            else if ('uns' === type)
            {
                this._byWireName.delete(wireName);
                this._channels.delete(channel);
                channel.readyState = CLOSED;
                fire(channel, 'onclose', [NORMAL_CLOSURE, '']);
            }
        }

        // ---- binary protocol ----

        _onBinaryMessage(buffer)
        {
            if (buffer.byteLength < HEADER_LENGTH)
            {
                return;
            }
            const view = new DataView(buffer);
            const type = view.getUint8(0);
            const id = view.getUint32(1);
            const channel = this._byId.get(id);

            switch (type)
            {
                case TYPE_OPENED:
                    if (undefined !== channel && channel.closing)
                    {
                        this._byId.delete(id); // opened, then closed by our CLOSE that followed the OPEN
                    }
                    else if (channel instanceof Channel && CONNECTING === channel.readyState)
                    {
                        this._onChannelOpened(channel,
                            channel.positions ? Client._recoveryFrom(channel, view, buffer) : null);
                    }
                    break;

                case TYPE_REFUSED:
                    if (undefined !== channel && channel.closing)
                    {
                        this._byId.delete(id);
                    }
                    else if (channel instanceof Channel && CONNECTING === channel.readyState)
                    {
                        // A channel that was open once (refused on re-open) closes; one that never opened is refused.
                        this._byId.delete(id);
                        this._channels.delete(channel);
                        channel.readyState = CLOSED;
                        channel._queue = [];
                        fire(channel, channel._everOpened ? 'onclose' : 'onrefused',
                            Client._codeAndReason(view, buffer));
                    }
                    break;

                case TYPE_SERVER_TEXT:
                case TYPE_SERVER_BINARY:
                    // Only for an open channel: anything for an id awaiting OPENED belongs to a closed predecessor.
                    if (channel instanceof Channel && OPEN === channel.readyState)
                    {
                        const payload = new Uint8Array(buffer, HEADER_LENGTH);
                        fire(channel, 'onmessage', [TYPE_SERVER_TEXT === type ? decoder.decode(payload) : payload]);
                    }
                    break;

                case TYPE_TEXT_AT:
                case TYPE_BINARY_AT:
                    if (channel instanceof Channel && OPEN === channel.readyState &&
                        buffer.byteLength >= AT_PREFIX_LENGTH)
                    {
                        const offset = offsetFrom(null === channel.offset ? 0 : channel.offset,
                            view.getUint32(HEADER_LENGTH));
                        channel.offset = offset;
                        const payload = new Uint8Array(buffer, AT_PREFIX_LENGTH);
                        fire(channel, 'onmessage', [TYPE_TEXT_AT === type ? decoder.decode(payload) : payload, offset]);
                    }
                    break;

                case TYPE_CLOSED:
                    if (channel instanceof Channel && OPEN === channel.readyState)
                    {
                        this._byId.delete(id);
                        this._channels.delete(channel);
                        channel.readyState = CLOSED;
                        channel._queue = [];
                        fire(channel, 'onclose', Client._codeAndReason(view, buffer));
                    }
                    break;

                case TYPE_ERROR:
                {
                    const codeAndReason = Client._codeAndReason(view, buffer);
                    const error = new Error('wsmux server error ' + codeAndReason[0] + ' on channel ' + id + ': ' +
                        codeAndReason[1]);
                    error.code = codeAndReason[0];
                    error.channelId = id;
                    error.channel = channel instanceof Channel ? channel : null;
                    fire(this, 'onerror', [error]);
                    break;
                }

                case TYPE_GAP:
                    // The channel's topic may have missed publications; one with a position asks for them again.
                    if (channel instanceof Channel && OPEN === channel.readyState)
                    {
                        fire(channel, 'ongap', Client._codeAndReason(view, buffer));
                        if (channel.positions && null !== channel.epoch && OPEN === channel.readyState && this._open)
                        {
                            this._recoverAfterGap(channel);
                        }
                    }
                    break;

                default:
                    break; // server messages of later extensions are ignored (docs/protocol.md)
            }
        }

        /**
         * What an OPENED says of a channel with positions; updates the channel's position.
         */
        static _recoveryFrom(channel, view, buffer)
        {
            if (buffer.byteLength < OPENED_POSITION_LENGTH)
            {
                // A plain OPENED: a server before the positions extension, which ignored the flags.
                channel.epoch = null;
                channel.offset = null;
                return Client._recovery('no-history', null, null, null, channel._cause);
            }
            const byte = view.getUint8(HEADER_LENGTH);
            const status = byte < RECOVERY_STATUS.length ? RECOVERY_STATUS[byte] : 'not-recovered';
            const epoch = readEpoch(view, HEADER_LENGTH + 1);
            const offset = readU64(view, HEADER_LENGTH + 1 + 8);
            if ('no-history' === status)
            {
                channel.epoch = null;
                channel.offset = null;
                return Client._recovery(status, null, null, null, channel._cause);
            }
            if ('recovered' === status)
            {
                // The replay follows: each message moves channel.offset on from where it is, up to OPENED's offset.
                const missed = offset - channel.offset;
                channel.epoch = epoch;
                return Client._recovery(status, epoch, offset, missed, channel._cause);
            }
            channel.epoch = epoch;
            channel.offset = offset;
            return Client._recovery(status, epoch, offset, null, channel._cause);
        }

        static _recovery(status, epoch, offset, missed, cause)
        {
            return { status: status, epoch: epoch, offset: offset, missed: missed, cause: cause };
        }

        static _codeAndReason(view, buffer)
        {
            if (buffer.byteLength < HEADER_LENGTH + CODE_LENGTH)
            {
                return [0, ''];
            }
            const code = view.getUint16(HEADER_LENGTH);
            const reason = decoder.decode(new Uint8Array(buffer, HEADER_LENGTH + CODE_LENGTH));
            return [code, reason];
        }
    }

    const Wsmux = { Client: Client, Channel: Channel, SUBPROTOCOL: SUBPROTOCOL };

    if ('object' === typeof module && null !== module && module.exports)
    {
        module.exports = Wsmux;
    }
    if ('undefined' !== typeof window)
    {
        window.Wsmux = Wsmux;
    }
}());
