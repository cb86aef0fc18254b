/*
 * The wsmux demo page: one Wsmux.Client (one WebSocket) and a channel per panel. Plain script, no build step.
 * The protocol comes from ?protocol=binary|text (binary by default).
 */
(function ()
{
    'use strict';

    const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'USDCHF', 'AUDUSD', 'USDCAD', 'NZDUSD', 'EURGBP', 'EURJPY',
        'GBPJPY', 'EURCHF', 'AUDJPY', 'EURAUD', 'USDSEK', 'USDNOK', 'USDMXN', 'USDZAR', 'USDSGD', 'XAUUSD', 'XAGUSD'];
    const INITIAL = SYMBOLS.slice(0, 8);
    const MAX_RATE = 20;

    // Count the WebSockets this page opens, to show (and let tests check) that there is only one.
    let socketCount = 0;
    const NativeWebSocket = window.WebSocket;
    function CountingWebSocket(url, protocols)
    {
        socketCount++;
        document.getElementById('socket-count').textContent = String(socketCount);
        return undefined === protocols ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    }
    CountingWebSocket.prototype = NativeWebSocket.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name) => { CountingWebSocket[name] = NativeWebSocket[name]; });

    const params = new URLSearchParams(location.search);
    const protocol = 'text' === params.get('protocol') ? 'text' : 'binary';
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/mux';
    const $ = (id) => document.getElementById(id);

    const mux = new Wsmux.Client(url, {
        protocol: protocol,
        WebSocket: CountingWebSocket,
        onopen: () =>
        {
            $('socket-state').textContent = 'connected';
            $('protocol').textContent = mux.protocol;
        },
        onclose: (code, reason) => { $('socket-state').textContent = 'closed (' + code + ' ' + reason + ')'; },
        onerror: () => { $('socket-state').textContent = 'error'; }
    });
    window.demo = { mux: mux, socketCount: () => socketCount, channels: {} };

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
        priceChannels[symbol] = mux.channel('prices.' + symbol, {
            maxRate: MAX_RATE,
            onopen: refreshChannelCount,
            onmessage: (data) => { latest[symbol] = data; },
            onclose: refreshChannelCount
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
})();
