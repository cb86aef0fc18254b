'use strict';

// What the SockJS browser tests share: Debian's Chromium launched by playwright-core, a blank test page on the
// server's own origin that loads the real sockjs-client (/sockjs.min.js) and websocket-multiplex's client
// (/websocket-multiplex.js) from the server, and a small library inside that page (window.lib) for bounded waits and
// recorded channels. The page's origin is the server's, so sockjs-client sees a same-origin endpoint, as the demo
// page does.

const { chromium } = require('playwright-core');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'];

/**
 * Runs inside the test page: window.lib. Every wait is bounded and names what did not come.
 */
function pageLibrary()
{
    const lib = {};

    lib.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

    lib.until = async (predicate, timeoutMs, what) =>
    {
        const deadline = Date.now() + timeoutMs;
        while (!predicate())
        {
            if (Date.now() > deadline)
            {
                throw new Error('no ' + what + ' within ' + timeoutMs + ' ms');
            }
            await lib.sleep(10);
        }
    };

    /**
     * A SockJS to /sockjs held to the given transports, with its open and close recorded on it (opened, closeEvent).
     */
    lib.sock = (transports) =>
    {
        const sock = new SockJS('/sockjs', null, { transports: transports });
        sock.createdAt = performance.now();
        sock.opened = false;
        sock.closeEvent = null;
        sock.addEventListener('open', () =>
        {
            sock.opened = true;
            sock.openedAfterMs = Math.round(performance.now() - sock.createdAt);
        });
        sock.addEventListener('close', (event) => { sock.closeEvent = { code: event.code, reason: event.reason }; });
        return sock;
    };

    /**
     * Open a SockJS held to one transport; rejects if it closes first or does not open within timeoutMs.
     */
    lib.open = async (transport, timeoutMs) =>
    {
        const sock = lib.sock([transport]);
        try
        {
            await lib.until(() => sock.opened || null !== sock.closeEvent, timeoutMs, transport + ' session open');
        }
        catch (e)
        {
            sock.close();
            throw e;
        }
        if (!sock.opened)
        {
            throw new Error(transport + ' closed before it opened: ' + JSON.stringify(sock.closeEvent));
        }
        return sock;
    };

    /**
     * A websocket-multiplex channel that records what it receives (received), and whether it opened and closed.
     */
    lib.channel = (multiplex, name) =>
    {
        const channel = multiplex.channel(name);
        channel.received = [];
        channel.opened = false;
        channel.closed = false;
        channel.addEventListener('open', () => { channel.opened = true; });
        channel.addEventListener('message', (event) =>
        {
            if (0 === channel.received.length)
            {
                channel.firstMessageAt = performance.now();
            }
            channel.received.push(event.data);
        });
        channel.addEventListener('close', () => { channel.closed = true; });
        return channel;
    };

    lib.expectEqual = (actual, expected, what) =>
    {
        if (JSON.stringify(actual) !== JSON.stringify(expected))
        {
            throw new Error(what + ': expected ' + JSON.stringify(expected) + ' but was ' + JSON.stringify(actual));
        }
    };

    window.lib = lib;
}

function testPageHtml()
{
    return '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>SockJS browser test</title>\n' +
        '<script src="/sockjs.min.js"></script>\n<script src="/websocket-multiplex.js"></script>\n' +
        '<script>(' + pageLibrary.toString() + ')();</script>\n</head><body></body></html>\n';
}

function check(condition, message)
{
    if (!condition)
    {
        throw new Error(message);
    }
    console.log('ok ' + message);
}

async function launch()
{
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A new page in the given context showing the test page on base's origin. The document is one the server sends (a
 * small script, shown as text), replaced with the test page's markup: a document the test made up itself
 * (page.route) would count as a public one to Chromium's local network access checks, which then block WebSockets
 * to 127.0.0.1. It is not a SockJS URL, so the test page's scripts do not come over a kept-alive SockJS connection.
 */
async function openTestPage(context, base)
{
    const page = await context.newPage();
    await page.goto(base + '/websocket-multiplex.js');
    await page.setContent(testPageHtml(), { waitUntil: 'load' });
    await page.waitForFunction(() => 'function' === typeof SockJS && 'function' === typeof WebSocketMultiplex &&
        undefined !== window.lib, null, { timeout: 10000 });
    return page;
}

async function screenshot(page, directory, name)
{
    try
    {
        const file = path.join(directory, name + '.png');
        await page.screenshot({ path: file, fullPage: true });
        console.error('screenshot: ' + file);
    }
    catch (e)
    {
        console.error('no screenshot of ' + name + ': ' + e.message);
    }
}

/**
 * Exit 1 with a message if main has not finished within timeoutMs; returns the timer.
 */
function safetyTimeout(timeoutMs)
{
    return setTimeout(() =>
    {
        console.error('FAIL: timed out after ' + timeoutMs + ' ms');
        process.exit(1);
    }, timeoutMs);
}

module.exports = { launch, openTestPage, check, screenshot, safetyTimeout };
