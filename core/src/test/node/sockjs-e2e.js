// The demo's multiplexer over every SockJS transport, in a real headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core, with the real sockjs-client 1.6.1 and websocket-multiplex client the server serves.
// Usage: node sockjs-e2e.js http://127.0.0.1:<port> <screenshot-dir> [transport ...]
// For each transport (all eight by default): sockjs-client held to that one transport (sock.transport must say so:
// a silent fallback fails), three channels (echo, chat, prices.EURUSD), exact echo of text with commas and
// non-ASCII, the chat message back, price updates; then the echo channel closes and the other two keep flowing.
// Then the demo page with ?transport=xhr-streaming: its panels work and its header names the transport; and the demo
// page over each other transport: it connects, names it, prices tick and the echo panel answers.
// Prints "PASS <name>" or "FAIL <name>: <why>" per transport and for demo-page; exits 0 only if all passed.
'use strict';

const { launch, openTestPage, check, screenshot, safetyTimeout } = require('./sockjs-browser');

const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource', 'iframe-eventsource',
    'iframe-htmlfile', 'iframe-xhr-polling', 'jsonp-polling'];
const DEMO_TRANSPORT = 'xhr-streaming';
const TEXT = 'a,b,c — ünïcødé 日本 🚀';
const STEP_TIMEOUT_MS = 10000;

const base = process.argv[2];
const screenshotDir = process.argv[3] || '.';
const transports = process.argv.length > 4 ? process.argv.slice(4) : TRANSPORTS;

/**
 * Runs inside the test page: one session held to the transport, three channels. Returns what it saw.
 */
async function channelsOverTransport(args)
{
    const { transport, text, timeoutMs } = args;
    const lib = window.lib;
    const sock = await lib.open(transport, timeoutMs);
    try
    {
        if (sock.transport !== transport)
        {
            throw new Error('sockjs-client uses ' + sock.transport + ', not ' + transport);
        }
        const multiplex = new WebSocketMultiplex(sock);
        const echo = lib.channel(multiplex, 'echo');
        const chat = lib.channel(multiplex, 'chat');
        const prices = lib.channel(multiplex, 'prices.EURUSD?maxRate=20');
        await lib.until(() => echo.opened && chat.opened && prices.opened, timeoutMs, 'open event on all channels');

        // the payload is everything after the second comma: commas, a wire-like prefix, non-BMP characters
        const sent = [text, ',' + text + ',', 'msg,echo,' + text, ' '];
        sent.forEach((message) => echo.send(message));
        await lib.until(() => echo.received.length >= sent.length, timeoutMs, 'echo of ' + sent.length + ' messages');
        lib.expectEqual(echo.received, sent, 'echo');

        const said = JSON.stringify({ from: 'sockjs-e2e ' + transport, text: text });
        chat.send(said);
        await lib.until(() => chat.received.includes(said), timeoutMs, 'own chat message back');

        await lib.until(() => prices.received.length >= 3, timeoutMs, 'three prices.EURUSD updates');
        const malformed = prices.received.filter((update) => !/^EURUSD,[0-9.]+,[0-9.]+,[0-9]+,[0-9]+$/.test(update));
        lib.expectEqual(malformed, [], 'malformed price updates');

        echo.close();
        await lib.until(() => echo.closed, timeoutMs, 'close event on the echo channel');
        const pricesBefore = prices.received.length;
        const saidAfter = JSON.stringify({ from: 'sockjs-e2e ' + transport, text: 'after echo closed: ' + text });
        chat.send(saidAfter);
        await lib.until(() => chat.received.includes(saidAfter), timeoutMs, 'chat after closing echo');
        await lib.until(() => prices.received.length >= pricesBefore + 3, timeoutMs, 'prices after closing echo');
        if (1 !== sock.readyState || sock.transport !== transport || chat.closed || prices.closed)
        {
            throw new Error('the session or a channel closed with echo: readyState=' + sock.readyState +
                ' transport=' + sock.transport + ' chat.closed=' + chat.closed + ' prices.closed=' + prices.closed);
        }
        return { transport: sock.transport, openedAfterMs: sock.openedAfterMs, echoed: echo.received.length,
            prices: prices.received.length };
    }
    finally
    {
        sock.close();
    }
}

async function transportCase(browser, transport)
{
    const context = await browser.newContext();
    const page = await openTestPage(context, base);
    try
    {
        const result = await page.evaluate(channelsOverTransport,
            { transport: transport, text: TEXT, timeoutMs: STEP_TIMEOUT_MS });
        check(result.transport === transport, transport + ': sock.transport is ' + result.transport);
        check(true, transport + ': opened in ' + result.openedAfterMs + ' ms, ' + result.echoed +
            ' exact echoes, chat back, ' + result.prices + ' price updates, two channels flowing after echo closed');
    }
    catch (e)
    {
        await screenshot(page, screenshotDir, 'sockjs-e2e-' + transport);
        throw e;
    }
    finally
    {
        await context.close();
    }
}

async function waitFor(page, predicate, arg, what)
{
    try
    {
        await page.waitForFunction(predicate, arg, { timeout: STEP_TIMEOUT_MS });
    }
    catch (e)
    {
        throw new Error('timed out waiting for ' + what);
    }
}

function seqOf(page, symbol)
{
    return page.$eval(`tr[data-symbol="${symbol}"] .seq`, (cell) => Number(cell.textContent) || 0);
}

async function demoPageCase(browser)
{
    const sockJsContext = await browser.newContext();
    const rawContext = await browser.newContext();
    const page = await sockJsContext.newPage();
    const raw = await rawContext.newPage();
    try
    {
        await page.goto(base + '/?transport=' + DEMO_TRANSPORT);
        await raw.goto(base + '/');
        await waitFor(page, () => 'connected' === document.getElementById('socket-state').textContent, null,
            'the SockJS page to connect');
        await waitFor(raw, () => 'connected' === document.getElementById('socket-state').textContent, null,
            'the WebSocket page to connect');
        check(DEMO_TRANSPORT === await page.textContent('[data-testid="transport"]'),
            'demo page header names the transport ' + DEMO_TRANSPORT);
        check(DEMO_TRANSPORT === await page.evaluate(() => window.demo.mux.sock.transport),
            'and sockjs-client says the same');
        check('text' === await page.textContent('[data-testid="protocol"]'), 'demo page speaks the text protocol');
        check('1' === await page.textContent('[data-testid="socket-count"]') &&
            1 === await page.evaluate(() => window.demo.socketCount()), 'demo page opened one connection');
        check(DEMO_TRANSPORT === await page.inputValue('[data-testid="transport-select"]'),
            'the transport menu shows it');

        const firstSeq = await seqOf(page, 'EURUSD');
        await waitFor(page, (s) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > s,
            firstSeq + 50, 'EURUSD to tick');
        check(true, 'prices tick over SockJS');
        await waitFor(page, () => '11' === document.getElementById('channel-count').textContent, null,
            'eleven channels open');
        check(true, 'eleven channels open (8 prices, chat, echo, stats)');

        await page.fill('[data-testid="echo-input"]', 'ping, ' + TEXT);
        await page.click('[data-testid="echo-send"]');
        await waitFor(page, (t) => document.getElementById('echo-log').textContent.includes('< ping, ' + t), TEXT,
            'the echo reply');
        check(true, 'echo panel answers with commas and non-ASCII intact');

        await page.fill('[data-testid="chat-input"]', 'from SockJS: ' + TEXT);
        await page.click('[data-testid="chat-send"]');
        await waitFor(raw, (t) => document.getElementById('chat-log').textContent.includes('from SockJS: ' + t), TEXT,
            'the SockJS page\'s chat on the WebSocket page');
        check(true, 'chat from the SockJS page reaches a WebSocket page');
        await raw.fill('[data-testid="chat-input"]', 'from WebSocket: ' + TEXT);
        await raw.click('[data-testid="chat-send"]');
        await waitFor(page, (t) => document.getElementById('chat-log').textContent.includes('from WebSocket: ' + t),
            TEXT, 'the WebSocket page\'s chat on the SockJS page');
        check(true, 'chat from a WebSocket page reaches the SockJS page');

        await waitFor(page, () => null !== document.querySelector('[data-stat="connections"]') &&
            Number(document.querySelector('[data-stat="connections"]').textContent) >= 2, null, 'stats');
        check(true, 'server panel shows live stats');

        await page.selectOption('[data-testid="symbol-select"]', 'XAUUSD');
        await page.click('[data-testid="symbol-add"]');
        await waitFor(page, () =>
        {
            const cell = document.querySelector('tr[data-symbol="XAUUSD"] .seq');
            return null !== cell && Number(cell.textContent) > 0;
        }, null, 'XAUUSD to tick after subscribing');
        check(true, 'adding an instrument subscribes live');
        await page.click('[data-testid="remove-XAUUSD"]');
        check(null === await page.$('tr[data-symbol="XAUUSD"]'), 'removing an instrument unsubscribes it');

        await page.click('[data-testid="close-echo"]');
        await waitFor(page, () => null === window.demo.channels.echo, null, 'echo channel to close');
        const afterClose = await seqOf(page, 'EURUSD');
        await waitFor(page, (s) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > s,
            afterClose, 'prices to keep ticking after closing the echo panel');
        check(true, 'closing the echo panel leaves prices running');
        check('connected' === await page.textContent('[data-testid="socket-state"]') &&
            1 === await page.evaluate(() => window.demo.socketCount()), 'the SockJS session stays open, still one');
    }
    catch (e)
    {
        await screenshot(page, screenshotDir, 'sockjs-e2e-demo-page');
        throw e;
    }
    finally
    {
        await sockJsContext.close();
        await rawContext.close();
    }
}

/**
 * The demo page itself over one more transport: it connects, names the transport, opens one connection, prices tick
 * and the echo panel answers text with commas and non-ASCII intact.
 */
async function demoPageSmokeCase(browser, transport)
{
    const context = await browser.newContext();
    const page = await context.newPage();
    try
    {
        await page.goto(base + '/?transport=' + transport);
        await waitFor(page, () => 'connected' === document.getElementById('socket-state').textContent, null,
            'the page to connect over ' + transport);
        check(transport === await page.textContent('[data-testid="transport"]'),
            'demo page header names the transport ' + transport);
        check(transport === await page.evaluate(() => window.demo.mux.sock.transport),
            'sockjs-client uses ' + transport);
        check(1 === await page.evaluate(() => window.demo.socketCount()), 'demo page opened one connection');
        const firstSeq = await seqOf(page, 'EURUSD');
        await waitFor(page, (s) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > s,
            firstSeq + 5, 'EURUSD to tick');
        await page.fill('[data-testid="echo-input"]', 'ping, ' + TEXT);
        await page.click('[data-testid="echo-send"]');
        await waitFor(page, (t) => document.getElementById('echo-log').textContent.includes('< ping, ' + t), TEXT,
            'the echo reply');
    }
    catch (e)
    {
        await screenshot(page, screenshotDir, 'sockjs-e2e-demo-page-' + transport);
        throw e;
    }
    finally
    {
        await context.close();
    }
}

async function main()
{
    const browser = await launch();
    let failures = 0;
    const cases = transports.map((transport) => [transport, () => transportCase(browser, transport)]);
    cases.push(['demo-page', () => demoPageCase(browser)]);
    for (const transport of transports.filter((t) => t !== DEMO_TRANSPORT))
    {
        cases.push(['demo-page-' + transport, () => demoPageSmokeCase(browser, transport)]);
    }
    try
    {
        for (const [name, run] of cases)
        {
            const startMs = Date.now();
            try
            {
                await run();
                console.log('PASS ' + name + ' (' + (Date.now() - startMs) + ' ms)');
            }
            catch (e)
            {
                failures++;
                console.log('FAIL ' + name + ': ' + e.message.split('\n')[0]);
            }
        }
    }
    finally
    {
        await browser.close();
    }
    return failures;
}

const timer = safetyTimeout(80000);
main().then((failures) =>
{
    clearTimeout(timer);
    console.log(0 === failures ? 'ALL PASSED' : failures + ' FAILED');
    process.exit(0 === failures ? 0 : 1);
}).catch((error) =>
{
    console.error('FAIL: ' + error.message);
    process.exit(1);
});
