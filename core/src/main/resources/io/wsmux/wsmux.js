/*
 * wsmux.js: many logical channels over one WebSocket to a wsmux server (docs/protocol.md).
 *
 * Plain ES2017, no dependencies, no build step. In a browser load it as a classic script (it defines
 * window.Wsmux); in Node require it (module.exports) and pass a WebSocket constructor such as require('ws').
 *
 *   const mux = new Wsmux.Client('wss://example.com/mux', { protocol: 'binary', onopen, onclose, onerror });
 *   const prices = mux.channel('prices.EURUSD', { maxRate: 5, onmessage: (data) => render(data) });
 *   const echo = mux.channel('echo', { onmessage: (data) => console.log(data) });
 *   echo.send('hello');          // queued until the channel is open
 *   echo.close();
 *   mux.close();
 *
 * Two wire protocols, both served by WsmuxServer.Builder.mux(...):
 *  - 'binary' (default): subprotocol wsmux.v1. Channels have ids chosen here (lowest free, from 1, reused after
 *    close); the server confirms each channel (OPENED) or refuses it with a code (REFUSED, onrefused); channels
 *    carry text (string) and binary (Uint8Array) messages.
 *  - 'text': the websocket-multiplex wire form (sub,<name> / msg,<name>,<payload> / uns,<name>, names passed
 *    through escape()). Text messages only; no confirmation, so a channel is open as soon as its sub is sent, and
 *    a refusal arrives as uns, reported by onclose.
 * If 'binary' is asked for and the server does not confirm wsmux.v1, the connection speaks 'text' (mux.protocol).
 *
 * Channel callbacks (each may also be set as a property, e.g. ch.onmessage = ...):
 *  - onopen()                the channel is open (binary: OPENED received; text: sub sent).
 *  - onmessage(data)         a message: a string for text, a Uint8Array for binary.
 *  - onclose(code, reason)   the open channel closed: ch.close() (1000), the server (binary: CLOSED's code and
 *                            reason; text: uns, reported as 1000 with an empty reason, the protocol has neither)
 *                            or the WebSocket closing (its code and reason).
 *  - onrefused(code, reason) the channel never opened: binary REFUSED (403, 404, 413, 429, ...) or the WebSocket
 *                            closed first (its code and reason). Messages queued for it are dropped.
 *  - ongap(code, reason)     binary only: the channel's topic may have missed publications before the next message
 *                            (503: the server's node lost its cluster link for a while); the channel stays open.
 * Exactly one of onclose and onrefused is called per channel; ch.close() before the channel opened calls onclose.
 * Client callbacks: onopen(), onclose(code, reason), onerror(error): the WebSocket's error event, or an Error
 * (with .code, .channelId and .channel) for an ERROR message from the server.
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
    const HEADER_LENGTH = 5;
    const CODE_LENGTH = 2;
    const MAX_NAME_LENGTH = 0xFFFF;
    const MAX_ID = 0xFFFFFFFF;

    // The text protocol has neither codes nor reasons: what onclose reports for an uns or a client close.
    const NORMAL_CLOSURE = 1000;
    // WebSocket close code for "closed without a close frame", reported when the socket fails before opening.
    const ABNORMAL_CLOSURE = 1006;

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

    /**
     * One logical channel. Made by Client.channel(name, options), never directly.
     */
    class Channel
    {
        constructor(client, name, options)
        {
            this.client = client;
            this.name = name;
            this.maxRate = options.maxRate || 0;
            this.id = null;
            this.readyState = CONNECTING;
            this.onopen = options.onopen || null;
            this.onmessage = options.onmessage || null;
            this.onclose = options.onclose || null;
            this.onrefused = options.onrefused || null;
            this.ongap = options.ongap || null;
            this._queue = [];
            this._wireName = null;
        }

        /**
         * Send a message: a string as text; a Uint8Array (or other ArrayBufferView, or ArrayBuffer) as binary, which
         * only the binary protocol carries. Queued until the channel opens.
         *
         * @return true if sent or queued, false if the channel is closed (the message is dropped).
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
     * One WebSocket to a wsmux multiplexed endpoint and the channels over it.
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

            this.url = url;
            this.protocol = requested;
            this.onopen = settings.onopen || null;
            this.onclose = settings.onclose || null;
            this.onerror = settings.onerror || null;
            this._open = false;
            this._closed = false;
            this._waiting = [];          // channels asked for before the socket opened, in order
            this._byId = new Map();      // binary: id -> Channel, or a placeholder for an id being given back
            this._byWireName = new Map(); // text: escaped name -> Channel

            const ws = 'binary' === requested ? new WebSocketCtor(url, SUBPROTOCOL) : new WebSocketCtor(url);
            ws.binaryType = 'arraybuffer';
            ws.addEventListener('open', () => this._onSocketOpen());
            ws.addEventListener('message', (event) => this._onSocketMessage(event.data));
            ws.addEventListener('close', (event) => this._onSocketClose(event.code, event.reason));
            ws.addEventListener('error', (event) => fire(this, 'onerror', [event]));
            this.ws = ws;
        }

        /**
         * Open a channel: a service or a topic on the server.
         *
         * @param name    the channel name, unescaped (e.g. 'chat room', 'prices.EURUSD').
         * @param options { maxRate, onopen, onmessage, onclose, onrefused, ongap }.
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
            if (this._closed)
            {
                throw new Error('the client is closed');
            }
            const channel = new Channel(this, name, settings);
            if ('text' === this.protocol && this._byWireName.has(Client._wireName(name, maxRate)))
            {
                throw new Error('a channel of that name is already open (text protocol): ' + name);
            }
            if (this._open)
            {
                this._openChannel(channel);
            }
            else
            {
                this._waiting.push(channel);
            }
            return channel;
        }

        /**
         * Close the WebSocket; every channel closes with it (onclose, or onrefused if it never opened).
         */
        close(code, reason)
        {
            if (this._closed)
            {
                return;
            }
            this._closed = true;
            if (undefined === code)
            {
                this.ws.close();
            }
            else
            {
                this.ws.close(code, reason);
            }
        }

        // ---- socket events ----

        _onSocketOpen()
        {
            if ('binary' === this.protocol && SUBPROTOCOL !== this.ws.protocol)
            {
                this.protocol = 'text'; // the server did not confirm wsmux.v1: it speaks the text protocol
            }
            this._open = true;
            fire(this, 'onopen');
            const waiting = this._waiting;
            this._waiting = [];
            for (const channel of waiting)
            {
                if (CLOSED !== channel.readyState)
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
            this._open = false;
            this._closed = true;
            const channels = [];
            this._waiting.forEach((channel) => channels.push(channel));
            this._byId.forEach((channel) => channels.push(channel));
            this._byWireName.forEach((channel) => channels.push(channel));
            this._waiting = [];
            this._byId.clear();
            this._byWireName.clear();
            const closeCode = undefined === code ? ABNORMAL_CLOSURE : code;
            const closeReason = reason || '';
            for (const channel of channels)
            {
                if (channel instanceof Channel && CLOSED !== channel.readyState)
                {
                    const wasOpen = OPEN === channel.readyState;
                    channel.readyState = CLOSED;
                    channel._queue = [];
                    fire(channel, wasOpen ? 'onclose' : 'onrefused', [closeCode, closeReason]);
                }
            }
            fire(this, 'onclose', [closeCode, closeReason]);
        }

        // ---- channels ----

        _openChannel(channel)
        {
            if ('text' === this.protocol)
            {
                const wireName = Client._wireName(channel.name, channel.maxRate);
                if (this._byWireName.has(wireName))
                {
                    // Only when 'binary' was asked for and the server spoke text: two channels of one name.
                    channel.readyState = CLOSED;
                    channel._queue = [];
                    fire(channel, 'onrefused', [409, 'a channel of that name is already open (text protocol)']);
                    return;
                }
                channel._wireName = wireName;
                this._byWireName.set(wireName, channel);
                this._send('sub,' + wireName);
                this._onChannelOpened(channel);
                return;
            }

            const nameBytes = encoder.encode(channel.name);
            if (nameBytes.length > MAX_NAME_LENGTH)
            {
                channel.readyState = CLOSED;
                channel._queue = [];
                fire(channel, 'onrefused', [413, 'channel name longer than 65535 bytes']);
                return;
            }
            const id = this._freeId();
            channel.id = id;
            this._byId.set(id, channel);
            const hasRate = channel.maxRate > 0;
            const frame = new Uint8Array(HEADER_LENGTH + 2 + nameBytes.length + (hasRate ? 4 : 0));
            const view = new DataView(frame.buffer);
            view.setUint8(0, TYPE_OPEN);
            view.setUint32(1, id);
            view.setUint16(HEADER_LENGTH, nameBytes.length);
            frame.set(nameBytes, HEADER_LENGTH + 2);
            if (hasRate)
            {
                view.setUint32(HEADER_LENGTH + 2 + nameBytes.length, channel.maxRate);
            }
            this._send(frame);
        }

        _onChannelOpened(channel)
        {
            channel.readyState = OPEN;
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
            if (OPEN === this.ws.readyState)
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

        _closeChannel(channel)
        {
            if (this._waiting.includes(channel))
            {
                // Still waiting for the socket: it is simply never opened.
                this._waiting = this._waiting.filter((waiting) => waiting !== channel);
                return;
            }
            if ('text' === this.protocol)
            {
                this._byWireName.delete(channel._wireName);
                this._send('uns,' + channel._wireName);
                return;
            }
            const frame = new Uint8Array(HEADER_LENGTH);
            const view = new DataView(frame.buffer);
            view.setUint8(0, TYPE_CLOSE);
            view.setUint32(1, channel.id);
            this._send(frame);
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

        // ---- text protocol ----

        static _wireName(name, maxRate)
        {
            return escape(maxRate > 0 ? name + '?maxRate=' + maxRate : name);
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
                        this._onChannelOpened(channel);
                    }
                    break;

                case TYPE_REFUSED:
                    if (undefined !== channel && channel.closing)
                    {
                        this._byId.delete(id);
                    }
                    else if (channel instanceof Channel && CONNECTING === channel.readyState)
                    {
                        this._byId.delete(id);
                        channel.readyState = CLOSED;
                        channel._queue = [];
                        fire(channel, 'onrefused', Client._codeAndReason(view, buffer));
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

                case TYPE_CLOSED:
                    if (channel instanceof Channel && OPEN === channel.readyState)
                    {
                        this._byId.delete(id);
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
                    // The channel's topic may have missed publications (the server's node lost its cluster link).
                    if (channel instanceof Channel && OPEN === channel.readyState)
                    {
                        fire(channel, 'ongap', Client._codeAndReason(view, buffer));
                    }
                    break;

                default:
                    break; // server messages of later extensions are ignored (docs/protocol.md)
            }
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
