/*
 * The wsmux demo page: one connection and a channel per panel. Plain script, no build step.
 * Without ?transport: one Wsmux.Client, that is one WebSocket to /mux, speaking ?protocol=binary|text (binary by
 * default). With ?transport=T (a sockjs-client transport name, or 'sockjs' to let sockjs-client choose): one SockJS
 * session to /sockjs forced to that transport, carrying websocket-multiplex's text protocol. The panels see the same
 * channel interface either way (SockJsMux adapts WebSocketMultiplex to it).
 *
 * Recovery (wsmux.js over the binary protocol only): the price channels ask for positions, so after a reconnect each
 * re-opens from the last update it had and the server replays every update it missed (the prices. topics keep a
 * history, DemoServer.PRICE_TOPIC_OPTIONS). The header's recovery notice says "reconnecting…" while wsmux.js
 * reconnects, then "recovered N updates" (N: the sum of the replays announced), and which instruments were not
 * recovered (their latest price is shown). Each price carries its instrument's own sequence number (PriceFeed): live
 * updates may skip some (the page asks for at most 20 a second, and the topics conflate), but a replay must continue
 * exactly from the last sequence the page saw, one by one up to the position the server announced, and no update may
 * repeat or go back. Violations are counted, for the eye (the notice) and for tests: window.demo.sequenceSkips,
 * window.demo.sequenceRepeats, window.demo.recovery (the last recovery's figures). Over the text protocol the notice
 * only says "reconnected"; over SockJS (no reconnect) it stays empty.
 */
(function ()
{
    'use strict';

    const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'USDCHF', 'AUDUSD', 'USDCAD', 'NZDUSD', 'EURGBP', 'EURJPY',
        'GBPJPY', 'EURCHF', 'AUDJPY', 'EURAUD', 'USDSEK', 'USDNOK', 'USDMXN', 'USDZAR', 'USDSGD', 'XAUUSD', 'XAGUSD'];
    const INITIAL = SYMBOLS.slice(0, 8);
    const MAX_RATE = 20;
    const SOCKJS_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource', 'iframe-eventsource',
        'iframe-htmlfile', 'iframe-xhr-polling', 'jsonp-polling'];

    // Channel states, as WebSocket's readyState and wsmux.js's channels.
    const CONNECTING = 0;
    const OPEN = 1;
    const CLOSED = 3;

    const params = new URLSearchParams(location.search);
    const transport = params.get('transport');
    const protocol = 'text' === params.get('protocol') ? 'text' : 'binary';
    // Positions, and so recovery, exist in wsmux.v1 only (docs/protocol.md): the text protocol has no field for them.
    const positions = !transport && 'binary' === protocol;
    const $ = (id) => document.getElementById(id);

    // What the client's reconnect callbacks do besides the status line; run() fills them in once the panels exist.
    const reconnectHooks = { reconnecting: () => {}, reconnected: () => {} };

    // Count the connections this page opens (WebSockets, or SockJS sessions), to show (and let tests check) that
    // there is only one.
    let socketCount = 0;
    function countConnection()
    {
        socketCount++;
        $('socket-count').textContent = String(socketCount);
    }

    const NativeWebSocket = window.WebSocket;
    function CountingWebSocket(url, protocols)
    {
        countConnection();
        return undefined === protocols ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    }
    CountingWebSocket.prototype = NativeWebSocket.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name) => { CountingWebSocket[name] = NativeWebSocket[name]; });

    function onConnected(mux)
    {
        $('socket-state').textContent = 'connected';
        $('protocol').textContent = mux.protocol;
        $('transport').textContent = mux.transport;
    }

    function onDisconnected(code, reason)
    {
        $('socket-state').textContent = 'closed (' + code + ' ' + reason + ')';
    }

    function wsmuxClient()
    {
        const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/mux';
        const mux = new Wsmux.Client(url, {
            protocol: protocol,
            WebSocket: CountingWebSocket,
            onopen: () => onConnected(mux),
            onclose: onDisconnected,
            onerror: () => { $('socket-state').textContent = 'error'; },
            onreconnecting: (r) =>
            {
                $('socket-state').textContent = 'reconnecting (closed ' + r.code + ', attempt ' + r.attempt + ' in ' +
                    r.delayMs + ' ms)';
                reconnectHooks.reconnecting(r);
            },
            onreconnected: () =>
            {
                onConnected(mux);
                reconnectHooks.reconnected();
            }
        });
        mux.transport = 'websocket';
        $('transport-via').textContent = 'raw, /mux';
        return mux;
    }

    function fire(callback, args)
    {
        if ('function' === typeof callback)
        {
            callback.apply(null, args || []);
        }
    }

    /**
     * The part of Wsmux.Client the panels use, channel(name, { maxRate, onopen, onmessage, onclose }) returning
     * { readyState, send(text), close() }, over one SockJS session and websocket-multiplex's WebSocketMultiplex.
     * As with wsmux.js's text protocol: a channel is open once its sub is sent, sends before that are queued, and
     * maxRate travels as a ?maxRate= suffix of the name.
     */
    class SockJsMux
    {
        constructor(transportName)
        {
            countConnection();
            this.protocol = 'text';
            this.transport = null;
            this.channels = new Set();
            this.sock = new SockJS('/sockjs', null, 'sockjs' === transportName ? {} : { transports: [transportName] });
            this.multiplex = new WebSocketMultiplex(this.sock);
            this.sock.addEventListener('open', () =>
            {
                this.transport = this.sock.transport; // the transport sockjs-client really uses
                onConnected(this);
            });
            this.sock.addEventListener('close', (event) =>
            {
                this.channels.forEach((channel) => channel.closed(event.code, event.reason));
                onDisconnected(event.code, event.reason);
            });
            $('transport-via').textContent = 'SockJS, /sockjs';
            $('subtitle').textContent = 'a trading desk on one SockJS session';
        }

        channel(name, options)
        {
            const inner = this.multiplex.channel(options.maxRate > 0 ? name + '?maxRate=' + options.maxRate : name);
            const channels = this.channels;
            const queue = [];
            const channel = {
                readyState: CONNECTING,
                send: (text) =>
                {
                    if (CLOSED === channel.readyState)
                    {
                        return false;
                    }
                    if (OPEN === channel.readyState)
                    {
                        inner.send(text);
                    }
                    else
                    {
                        queue.push(text);
                    }
                    return true;
                },
                close: () =>
                {
                    if (OPEN === channel.readyState)
                    {
                        inner.close(); // sends uns
                    }
                    channel.closed(1000, '');
                },
                closed: (code, reason) =>
                {
                    if (CLOSED !== channel.readyState)
                    {
                        channel.readyState = CLOSED;
                        channels.delete(channel);
                        fire(options.onclose, [code, reason]);
                    }
                }
            };
            inner.addEventListener('open', () =>
            {
                if (CLOSED === channel.readyState)
                {
                    inner.close(); // closed before the session opened, and the sub has just gone: take it back
                    return;
                }
                channel.readyState = OPEN;
                fire(options.onopen);
                queue.splice(0).forEach((text) => inner.send(text));
            });
            inner.addEventListener('message', (event) => fire(options.onmessage, [event.data]));
            inner.addEventListener('close', () => channel.closed(1000, '')); // uns from the server, or ours
            channels.add(channel);
            return channel;
        }

        close()
        {
            this.sock.close();
        }
    }

    function loadScripts(urls, done)
    {
        if (0 === urls.length)
        {
            done();
            return;
        }
        const script = document.createElement('script');
        script.src = urls[0];
        script.onload = () => loadScripts(urls.slice(1), done);
        script.onerror = () => { $('socket-state').textContent = 'error: cannot load ' + urls[0]; };
        document.head.appendChild(script);
    }

    const select = $('transport-select');
    SOCKJS_TRANSPORTS.concat(['sockjs']).forEach((name) =>
    {
        const option = document.createElement('option');
        option.value = name;
        option.textContent = 'sockjs' === name ? 'SockJS, any transport' : 'SockJS ' + name;
        select.appendChild(option);
    });
    select.value = transport || '';
    select.addEventListener('change', () =>
    {
        location.search = select.value ? '?transport=' + encodeURIComponent(select.value) : '';
    });

    if (transport)
    {
        loadScripts(['/sockjs.min.js', '/websocket-multiplex.js'], () => run(new SockJsMux(transport)));
    }
    else
    {
        run(wsmuxClient());
    }

    // The four panels, each on channels of mux: a Wsmux.Client or a SockJsMux.
    function run(mux)
    {
        window.demo = { mux: mux, socketCount: () => socketCount, transport: () => mux.transport, channels: {},
            positions: positions, recovery: null, sequenceSkips: 0, sequenceRepeats: 0, sequenceErrors: [],
            lastSequence: (symbol) => (sequences[symbol] ? sequences[symbol].last : null) };

        function refreshChannelCount()
        {
            const open = Object.values(window.demo.channels).filter((ch) => ch && ch.readyState !== 3).length +
                Object.values(priceChannels).filter((ch) => ch.readyState !== 3).length;
            $('channel-count').textContent = String(open);
        }

        function appendLog(element, text)
        {
            const line = document.createElement('div');
            line.textContent = text;
            element.appendChild(line);
            while (element.childNodes.length > 200)
            {
                element.removeChild(element.firstChild);
            }
            element.scrollTop = element.scrollHeight;
        }

        // ---- prices ----
        const priceChannels = {};
        const latest = {};
        const rows = {};
        // Per instrument: the last sequence number seen, and while a recovery's replay runs, the offset it ends at.
        const sequences = {};
        window.demo.priceChannels = priceChannels;

        // ---- sequence numbers: a replay continues exactly where the page left off ----
        function sequenceError(counter, text)
        {
            window.demo[counter]++;
            if (window.demo.sequenceErrors.length < 20)
            {
                window.demo.sequenceErrors.push(text);
            }
            showRecovery();
        }

        function trackSequence(symbol, data, offset)
        {
            const track = sequences[symbol];
            const seq = Number(data.split(',')[3]);
            if (!track || !Number.isSafeInteger(seq))
            {
                return;
            }
            if (undefined === offset)
            {
                track.last = seq; // no positions (text protocol, SockJS): a reconnect may skip or repeat, by design
                return;
            }
            if (null !== track.replayThrough)
            {
                if (offset > track.replayThrough)
                {
                    // Live already, but the replay announced stopped short of its end: updates were lost.
                    sequenceError('sequenceSkips', symbol + ': replay ended at ' + track.last + ', live ' + seq);
                    track.replayThrough = null;
                }
                else
                {
                    if (null !== track.last && seq !== track.last + 1)
                    {
                        sequenceError('sequenceSkips', symbol + ': replayed ' + seq + ' after ' + track.last);
                    }
                    if (track.recovery === window.demo.recovery && null !== track.recovery)
                    {
                        track.recovery.replayed++;
                    }
                    if (offset === track.replayThrough)
                    {
                        track.replayThrough = null; // replayed up to the seam: live from here
                        if (track.recovery === window.demo.recovery)
                        {
                            showRecovery();
                        }
                    }
                    track.last = seq;
                    return;
                }
            }
            if (null !== track.last && seq <= track.last)
            {
                // Live updates may skip (at most 20 a second, conflation), never repeat or go back.
                sequenceError('sequenceRepeats', symbol + ': ' + seq + ' after ' + track.last);
            }
            track.last = seq;
        }

        // ---- the recovery notice ----
        function newRecovery(cause, state)
        {
            window.demo.recovery = { cause: cause, state: state, updates: 0, replayed: 0, recovered: 0,
                notRecovered: [], noHistory: 0, pending: [], atMs: Date.now() };
            return window.demo.recovery;
        }

        reconnectHooks.reconnecting = () =>
        {
            const recovery = window.demo.recovery;
            if (null === recovery || 'reconnecting' !== recovery.state)
            {
                newRecovery('reconnect', 'reconnecting'); // a cut during a recovery starts another
            }
            showRecovery();
        };

        reconnectHooks.reconnected = () =>
        {
            const recovery = null === window.demo.recovery ? newRecovery('reconnect', 'reconnecting') :
                window.demo.recovery;
            // Every price channel that asked for positions reports at its OPENED (onrecovery); without positions
            // there is nothing to wait for.
            recovery.pending = positions ?
                Object.keys(priceChannels).filter((symbol) => CLOSED !== priceChannels[symbol].readyState) : [];
            recovery.state = 0 === recovery.pending.length ? 'done' : 'recovering';
            showRecovery();
        };

        function onPriceRecovery(symbol, r)
        {
            const track = sequences[symbol];
            // A replay of r.missed updates follows, up to r.offset (wsmux.js counts offsets on from the channel's).
            track.replayThrough = 'recovered' === r.status && r.missed > 0 ? r.offset : null;
            track.recovery = null;
            if ('recovered' !== r.status)
            {
                track.last = null; // fresh, another epoch, or no history: the next update starts a new run
            }
            if ('open' === r.cause)
            {
                return; // the first open: nothing was missed
            }
            let recovery = window.demo.recovery;
            if ('gap' === r.cause && (null === recovery || 'done' === recovery.state))
            {
                // The server dropped updates for this page (over its outbound budget) and said so: GAP, recovery.
                recovery = newRecovery('gap', 'recovering');
                recovery.pending = [symbol];
            }
            if (null === recovery || !recovery.pending.includes(symbol))
            {
                return;
            }
            recovery.pending = recovery.pending.filter((s) => s !== symbol);
            if ('recovered' === r.status)
            {
                recovery.recovered++;
                recovery.updates += r.missed;
                track.recovery = recovery; // its replay counts toward this recovery's figures
            }
            else if ('not-recovered' === r.status)
            {
                recovery.notRecovered.push(symbol);
            }
            else
            {
                recovery.noHistory++;
            }
            if (0 === recovery.pending.length)
            {
                recovery.state = 'done';
            }
            showRecovery();
        }

        function forgetPending(symbol)
        {
            const recovery = window.demo.recovery;
            if (null !== recovery && recovery.pending.includes(symbol))
            {
                recovery.pending = recovery.pending.filter((s) => s !== symbol);
                if (0 === recovery.pending.length && 'recovering' === recovery.state)
                {
                    recovery.state = 'done';
                }
                showRecovery();
            }
        }

        function showRecovery()
        {
            const element = $('recovery');
            const recovery = window.demo.recovery;
            if (null === recovery)
            {
                return;
            }
            let text;
            let mood = 'ok';
            if ('reconnecting' === recovery.state)
            {
                text = 'reconnecting…';
                mood = 'waiting';
            }
            else if ('recovering' === recovery.state)
            {
                text = 'recovering…';
                mood = 'waiting';
            }
            else
            {
                const parts = [];
                if (recovery.recovered > 0)
                {
                    parts.push('recovered ' + recovery.updates + ' update' + (1 === recovery.updates ? '' : 's'));
                }
                else if ('reconnect' === recovery.cause)
                {
                    parts.push('reconnected');
                }
                const lost = recovery.notRecovered.length;
                if (lost > 0)
                {
                    parts.push(lost + ' symbol' + (1 === lost ? '' : 's') + ' not recovered: latest price shown');
                    mood = 'partial';
                }
                text = ('gap' === recovery.cause ? 'gap: ' : '') + parts.join('; ');
            }
            const violations = window.demo.sequenceSkips + window.demo.sequenceRepeats;
            if (violations > 0)
            {
                text += ' (' + violations + ' sequence error' + (1 === violations ? '' : 's') + ')';
                mood = 'partial';
            }
            element.textContent = text;
            element.dataset.mood = mood;
            element.title = 'last ' + ('gap' === recovery.cause ? 'gap' : 'reconnect') + ' at ' +
                new Date(recovery.atMs).toLocaleTimeString() + ': ' + recovery.recovered + ' symbols recovered (' +
                recovery.replayed + ' of ' + recovery.updates + ' updates replayed), ' +
                recovery.notRecovered.length + ' not recovered' +
                (recovery.notRecovered.length > 0 ? ' (' + recovery.notRecovered.join(', ') + ')' : '') +
                (recovery.noHistory > 0 ? ', ' + recovery.noHistory + ' without history' : '');
        }

        function addSymbol(symbol)
        {
            if (priceChannels[symbol])
            {
                return;
            }
            const row = document.createElement('tr');
            row.dataset.symbol = symbol;
            row.innerHTML = '<td>' + symbol + '</td><td class="bid">-</td><td class="ask">-</td><td class="seq">-</td>' +
                '<td class="age">-</td><td><button data-testid="remove-' + symbol + '">remove</button></td>';
            row.querySelector('button').addEventListener('click', () => removeSymbol(symbol));
            $('price-rows').appendChild(row);
            rows[symbol] = row;
            sequences[symbol] = { last: null, replayThrough: null, recovery: null };
            priceChannels[symbol] = mux.channel('prices.' + symbol, {
                maxRate: MAX_RATE,
                positions: positions,
                onopen: refreshChannelCount,
                onrecovery: (r) => onPriceRecovery(symbol, r),
                onmessage: (data, offset) =>
                {
                    latest[symbol] = data;
                    trackSequence(symbol, data, offset);
                },
                onclose: () =>
                {
                    forgetPending(symbol);
                    refreshChannelCount();
                }
            });
            refreshSelect();
            refreshChannelCount();
        }

        function removeSymbol(symbol)
        {
            const channel = priceChannels[symbol];
            if (channel)
            {
                channel.close();
                delete priceChannels[symbol];
            }
            if (rows[symbol])
            {
                rows[symbol].remove();
                delete rows[symbol];
            }
            delete latest[symbol];
            delete sequences[symbol];
            forgetPending(symbol);
            refreshSelect();
            refreshChannelCount();
        }

        function refreshSelect()
        {
            const select = $('symbol-select');
            select.innerHTML = '';
            SYMBOLS.filter((s) => !priceChannels[s]).forEach((s) =>
            {
                const option = document.createElement('option');
                option.value = s;
                option.textContent = s;
                select.appendChild(option);
            });
        }

        function render()
        {
            const nowMicros = Date.now() * 1000;
            Object.keys(latest).forEach((symbol) =>
            {
                const row = rows[symbol];
                const fields = latest[symbol].split(',');
                if (!row || fields.length < 5)
                {
                    return;
                }
                const bidCell = row.querySelector('.bid');
                const previous = parseFloat(bidCell.textContent);
                bidCell.textContent = fields[1];
                bidCell.className = 'bid ' + (parseFloat(fields[1]) >= previous ? 'up' : 'down');
                row.querySelector('.ask').textContent = fields[2];
                row.querySelector('.seq').textContent = fields[3];
                row.querySelector('.age').textContent = String(Math.max(0, Math.round((nowMicros - fields[4]) / 1000)));
            });
            requestAnimationFrame(render);
        }

        $('symbol-add').addEventListener('click', () =>
        {
            const symbol = $('symbol-select').value;
            if (symbol)
            {
                addSymbol(symbol);
            }
        });
        INITIAL.forEach(addSymbol);
        requestAnimationFrame(render);

        // ---- chat ----
        const me = 'trader-' + Math.floor(1000 + Math.random() * 9000);
        window.demo.me = me;
        window.demo.channels.chat = mux.channel('chat', {
            onopen: refreshChannelCount,
            onmessage: (data) =>
            {
                try
                {
                    const message = JSON.parse(data);
                    appendLog($('chat-log'), message.system ? '* ' + message.system : message.from + ': ' + message.text);
                }
                catch (e)
                {
                    appendLog($('chat-log'), data);
                }
            },
            // Binary protocol only: this node lost the cluster's link for a while (GAP, docs/protocol.md).
            ongap: () => appendLog($('chat-log'), '* messages from other nodes may be missing (cluster link lost)'),
            onclose: refreshChannelCount
        });
        $('chat-form').addEventListener('submit', (event) =>
        {
            event.preventDefault();
            const text = $('chat-input').value.trim();
            if (text && window.demo.channels.chat)
            {
                window.demo.channels.chat.send(JSON.stringify({ from: me, text: text }));
                $('chat-input').value = '';
            }
        });

        // ---- echo ----
        window.demo.channels.echo = mux.channel('echo', {
            onopen: refreshChannelCount,
            onmessage: (data) => appendLog($('echo-log'), '< ' + data),
            onclose: refreshChannelCount
        });
        $('echo-form').addEventListener('submit', (event) =>
        {
            event.preventDefault();
            const text = $('echo-input').value;
            if (text && window.demo.channels.echo)
            {
                appendLog($('echo-log'), '> ' + text);
                window.demo.channels.echo.send(text);
                $('echo-input').value = '';
            }
        });

        // ---- stats ----
        const history = [];
        const LABELS = { connections: 'connections', channels: 'channels', messagesInPerSecond: 'msgs in/s',
            messagesOutPerSecond: 'msgs out/s', bytesOutPerSecond: 'bytes out/s', queuedBytes: 'queued bytes',
            gcCount: 'GC count' };
        window.demo.channels.stats = mux.channel('stats', {
            onopen: refreshChannelCount,
            onmessage: (data) =>
            {
                const stats = JSON.parse(data);
                const list = $('stats');
                list.innerHTML = '';
                Object.keys(LABELS).forEach((key) =>
                {
                    const dt = document.createElement('dt');
                    dt.textContent = LABELS[key];
                    const dd = document.createElement('dd');
                    dd.dataset.stat = key;
                    dd.textContent = Number(stats[key]).toLocaleString('en');
                    list.appendChild(dt);
                    list.appendChild(dd);
                });
                history.push(stats.messagesOutPerSecond);
                if (history.length > 60)
                {
                    history.shift();
                }
                drawChart();
            },
            onclose: refreshChannelCount
        });

        function drawChart()
        {
            const canvas = $('stats-chart');
            const g = canvas.getContext('2d');
            g.clearRect(0, 0, canvas.width, canvas.height);
            const max = Math.max(1, ...history);
            g.strokeStyle = '#6cb6ff';
            g.lineWidth = 2;
            g.beginPath();
            history.forEach((value, i) =>
            {
                const x = (i / 59) * (canvas.width - 10) + 5;
                const y = canvas.height - 8 - (value / max) * (canvas.height - 20);
                if (0 === i)
                {
                    g.moveTo(x, y);
                }
                else
                {
                    g.lineTo(x, y);
                }
            });
            g.stroke();
            g.fillStyle = '#8da2b8';
            g.font = '11px sans-serif';
            g.fillText('messages out/s, last 60 s (max ' + max.toLocaleString('en') + ')', 6, 12);
        }

        // ---- closing a panel closes only its channel ----
        document.querySelectorAll('.panel-close').forEach((button) =>
        {
            button.addEventListener('click', () =>
            {
                const panel = button.dataset.panel;
                if ('prices' === panel)
                {
                    Object.keys(priceChannels).forEach(removeSymbol);
                }
                else if (window.demo.channels[panel])
                {
                    window.demo.channels[panel].close();
                    window.demo.channels[panel] = null;
                }
                $(panel + '-panel').classList.add('closed');
                button.disabled = true;
                refreshChannelCount();
            });
        });
    }
})();
