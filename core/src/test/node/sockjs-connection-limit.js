// Why multiplex over SockJS, measured in a real headless Chromium (Debian's /usr/bin/chromium): HTTP/1.1 lets a
// browser hold at most 6 connections per host, and every xhr-streaming session holds one for its stream and needs
// another for each xhr_send. Usage: node sockjs-connection-limit.js http://127.0.0.1:<port> <screenshot-dir>
//  - separate: 8 SockJS sessions held to xhr-streaming, opened at once, each subscribing one channel to its own
//    ticking topic (prices.<SYMBOL>): how many open, and how many receive an update, within the window.
//  - one after another: the same 8 sessions, each given 2 s to open and receive before the next starts.
//  - multiplexed: one SockJS session held to xhr-streaming, the same 8 channels on it: how many receive an update
//    within the same window.
// Each runs in a fresh browser context, so neither inherits the other's sockets. Prints
// a RESULT line with the counts and exits 0 if fewer than 8 separate sessions flowed (either way) while all 8
// multiplexed channels did, 1 otherwise.
'use strict';

const { launch, openTestPage, check, screenshot, safetyTimeout } = require('./sockjs-browser');

const COUNT = 8;
const WINDOW_MS = 5000;
const PER_SESSION_MS = 2000;
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'USDCHF', 'AUDUSD', 'USDCAD', 'NZDUSD', 'EURGBP'];

const base = process.argv[2];
const screenshotDir = process.argv[3] || '.';

/**
 * Runs inside the test page: COUNT sessions, one channel each. Returns one record per session.
 */
async function separateSessions(args)
{
    const { symbols, windowMs } = args;
    const lib = window.lib;
    const startedAt = performance.now();
    const sessions = symbols.map((symbol) =>
    {
        const sock = lib.sock(['xhr-streaming']);
        const multiplex = new WebSocketMultiplex(sock);
        return { symbol: symbol, sock: sock, channel: lib.channel(multiplex, 'prices.' + symbol + '?maxRate=10') };
    });
    await lib.until(() => performance.now() - startedAt >= windowMs, windowMs + 1000, 'window to pass');
    const result = sessions.map((s) => ({
        symbol: s.symbol,
        opened: s.sock.opened,
        openedAfterMs: s.sock.openedAfterMs,
        received: s.channel.received.length,
        firstAfterMs: undefined === s.channel.firstMessageAt ? null :
            Math.round(s.channel.firstMessageAt - startedAt),
        transport: s.sock.transport,
        closed: s.sock.closeEvent
    }));
    sessions.forEach((s) => s.sock.close());
    return result;
}

/**
 * Runs inside the test page: COUNT sessions opened one after another, each given up to perSessionMs to open and
 * receive before the next starts (the best case for separate sessions). Returns one record per session.
 */
async function sequentialSessions(args)
{
    const { symbols, perSessionMs } = args;
    const lib = window.lib;
    const sessions = [];
    for (const symbol of symbols)
    {
        const startedAt = performance.now();
        const sock = lib.sock(['xhr-streaming']);
        const channel = lib.channel(new WebSocketMultiplex(sock), 'prices.' + symbol + '?maxRate=10');
        sessions.push({ symbol: symbol, sock: sock, channel: channel, startedAt: startedAt });
        await lib.until(() => channel.received.length > 0 || null !== sock.closeEvent ||
            performance.now() - startedAt >= perSessionMs, perSessionMs + 1000, 'session ' + symbol + ' to settle');
    }
    const result = sessions.map((s) => ({
        symbol: s.symbol,
        opened: s.sock.opened,
        openedAfterMs: s.sock.openedAfterMs,
        received: s.channel.received.length,
        firstAfterMs: undefined === s.channel.firstMessageAt ? null :
            Math.round(s.channel.firstMessageAt - s.startedAt),
        closed: s.sock.closeEvent
    }));
    sessions.forEach((s) => s.sock.close());
    return result;
}

/**
 * Runs inside the test page: one session, COUNT channels. Returns one record per channel.
 */
async function multiplexedChannels(args)
{
    const { symbols, windowMs } = args;
    const lib = window.lib;
    const startedAt = performance.now();
    const sock = lib.sock(['xhr-streaming']);
    const multiplex = new WebSocketMultiplex(sock);
    const channels = symbols.map((symbol) => lib.channel(multiplex, 'prices.' + symbol + '?maxRate=10'));
    await lib.until(() => performance.now() - startedAt >= windowMs, windowMs + 1000, 'window to pass');
    const result = channels.map((channel, i) => ({
        symbol: symbols[i],
        received: channel.received.length,
        firstAfterMs: undefined === channel.firstMessageAt ? null : Math.round(channel.firstMessageAt - startedAt),
        transport: sock.transport,
        sessionOpenedAfterMs: sock.openedAfterMs,
        closed: sock.closeEvent
    }));
    sock.close();
    return result;
}

async function measure(browser, name, scenario)
{
    const context = await browser.newContext();
    const page = await openTestPage(context, base);
    try
    {
        const records = await page.evaluate(scenario,
            { symbols: SYMBOLS, windowMs: WINDOW_MS, perSessionMs: PER_SESSION_MS });
        records.forEach((r) => console.log(name + ' ' + JSON.stringify(r)));
        return records;
    }
    catch (e)
    {
        await screenshot(page, screenshotDir, 'sockjs-connection-limit-' + name);
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
    try
    {
        const separate = await measure(browser, 'separate', separateSessions);
        const sequential = await measure(browser, 'sequential', sequentialSessions);
        const multiplexed = await measure(browser, 'multiplexed', multiplexedChannels);
        const opened = separate.filter((r) => r.opened).length;
        const received = separate.filter((r) => r.received > 0).length;
        const multiplexedReceived = multiplexed.filter((r) => r.received > 0).length;
        const sequentialOpened = sequential.filter((r) => r.opened).length;
        const sequentialReceived = sequential.filter((r) => r.received > 0).length;
        console.log('RESULT separate opened=' + opened + ' received=' + received + ' multiplexed received=' +
            multiplexedReceived + ' of ' + COUNT + ' within ' + WINDOW_MS + ' ms; one after another opened=' +
            sequentialOpened + ' received=' + sequentialReceived + ' of ' + COUNT);
        check(received < COUNT, COUNT + ' separate xhr-streaming sessions: only ' + received + ' received within ' +
            WINDOW_MS + ' ms (' + opened + ' opened)');
        check(sequentialReceived < COUNT, COUNT + ' separate sessions one after another: only ' +
            sequentialReceived + ' received (' + sequentialOpened + ' opened)');
        check(multiplexed.every((r) => 'xhr-streaming' === r.transport), 'the multiplexed session is xhr-streaming');
        check(COUNT === multiplexedReceived, COUNT + ' channels on one xhr-streaming session: ' + multiplexedReceived +
            ' received within ' + WINDOW_MS + ' ms');
    }
    finally
    {
        await browser.close();
    }
}

const timer = safetyTimeout(40000);
main().then(() =>
{
    clearTimeout(timer);
    console.log('PASS');
    process.exit(0);
}).catch((error) =>
{
    console.error('FAIL: ' + error.message);
    process.exit(1);
});
