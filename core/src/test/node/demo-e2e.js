// End-to-end test of the wsmux demo in a real headless Chromium (Debian's /usr/bin/chromium), driven by
// playwright-core. Usage: node demo-e2e.js http://127.0.0.1:<port> <screenshot-dir>
//                      node demo-e2e.js https://localhost:<tls port> <screenshot-dir> <server key SPKI SHA-256>
// Over https the browser trusts exactly the test server's key (--ignore-certificate-errors-spki-list), not every
// certificate, and the page must then speak wss://.
// Checks: one WebSocket per page, compression (permessage-deflate) negotiated by the browser, prices tick, two
// browser contexts chat (one per protocol), closing a panel closes only its channel, instruments can be added and
// removed. Exits 0 on success; on failure saves a
// screenshot of each page under <screenshot-dir> and exits 1.
'use strict';

const { chromium } = require('playwright-core');
const path = require('path');

const base = process.argv[2];
const screenshotDir = process.argv[3] || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SPKI = process.argv[4];
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'];
if (SPKI)
{
    ARGS.push('--ignore-certificate-errors-spki-list=' + SPKI);
}

const pages = [];
let browser;

function check(condition, message)
{
    if (!condition)
    {
        throw new Error(message);
    }
    console.log('ok ' + message);
}

async function seqOf(page, symbol)
{
    return page.$eval(`tr[data-symbol="${symbol}"] .seq`, (cell) => Number(cell.textContent) || 0);
}

async function waitFor(page, predicate, arg, what)
{
    try
    {
        await page.waitForFunction(predicate, arg, { timeout: 10000 });
    }
    catch (e)
    {
        throw new Error('timed out waiting for ' + what);
    }
}

async function openDemo(protocol)
{
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push({ page: page, name: protocol });
    // The 101 response's headers, as Chromium saw them (DevTools protocol): the page cannot read them itself.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const handshake = new Promise((resolve) =>
        cdp.on('Network.webSocketHandshakeResponseReceived', (event) => resolve(event.response)));
    const created = new Promise((resolve) => cdp.on('Network.webSocketCreated', (event) => resolve(event.url)));
    await page.goto(base + '/?protocol=' + protocol);
    if (SPKI)
    {
        check('https:' === await page.evaluate(() => location.protocol), protocol + ' page loaded over https');
        const socketUrl = await created;
        check(socketUrl.startsWith('wss://'), protocol + ' page opened its WebSocket over TLS: ' + socketUrl);
    }
    await waitFor(page, () => document.getElementById('socket-state').textContent === 'connected', null,
        protocol + ' page to connect');
    const response = await Promise.race([handshake,
        new Promise((resolve, reject) => setTimeout(() => reject(new Error('no WebSocket handshake seen')), 10000))]);
    const extensions = Object.entries(response.headers)
        .filter(([name]) => 'sec-websocket-extensions' === name.toLowerCase()).map(([, value]) => value).join(', ');
    check(101 === response.status && /^permessage-deflate(;|$)/.test(extensions) &&
        extensions.includes('server_no_context_takeover'),
        protocol + ' page negotiated compression: ' + extensions);
    return page;
}

async function chatAndExpect(sender, receiver, text, what)
{
    await sender.fill('[data-testid="chat-input"]', text);
    await sender.click('[data-testid="chat-send"]');
    await waitFor(receiver, (t) => document.getElementById('chat-log').textContent.includes(t), text, what);
    check(true, what);
}

async function main()
{
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const binary = await openDemo('binary');
    const text = await openDemo('text');

    check('binary' === await binary.textContent('[data-testid="protocol"]'), 'first page speaks wsmux.v1 (binary)');
    check('text' === await text.textContent('[data-testid="protocol"]'), 'second page speaks the text protocol');

    const firstSeq = await seqOf(binary, 'EURUSD');
    await waitFor(binary, (s) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > s,
        firstSeq + 50, 'EURUSD to tick');
    check(await seqOf(binary, 'EURUSD') > firstSeq, 'prices change on the ticker');
    await waitFor(text, () => Number(document.querySelector('tr[data-symbol="GBPUSD"] .seq').textContent) > 0,
        null, 'GBPUSD on the text page');
    check(true, 'prices tick over the text protocol too');

    await chatAndExpect(binary, text, 'hello from binary', 'chat from the binary page reaches the text page');
    await chatAndExpect(text, binary, 'hello from text', 'chat from the text page reaches the binary page');

    await binary.click('[data-testid="close-echo"]');
    await waitFor(binary, () => null === window.demo.channels.echo, null, 'echo channel to close');
    const afterClose = await seqOf(binary, 'EURUSD');
    await waitFor(binary, (s) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > s,
        afterClose, 'prices to keep ticking after closing the echo panel');
    check(true, 'closing the echo panel leaves prices running');
    await chatAndExpect(text, binary, 'still here?', 'chat still works after closing the echo panel');
    check('connected' === await binary.textContent('[data-testid="socket-state"]'), 'the WebSocket stays open');

    await text.fill('[data-testid="echo-input"]', 'ping, with commas');
    await text.click('[data-testid="echo-send"]');
    await waitFor(text, () => document.getElementById('echo-log').textContent.includes('< ping, with commas'), null,
        'echo reply');
    check(true, 'echo service answers');

    await binary.selectOption('[data-testid="symbol-select"]', 'XAUUSD');
    await binary.click('[data-testid="symbol-add"]');
    await waitFor(binary, () =>
    {
        const cell = document.querySelector('tr[data-symbol="XAUUSD"] .seq');
        return null !== cell && Number(cell.textContent) > 0;
    }, null, 'XAUUSD to tick after subscribing');
    check(true, 'adding an instrument subscribes live');
    await binary.click('[data-testid="remove-XAUUSD"]');
    check(null === await binary.$('tr[data-symbol="XAUUSD"]'), 'removing an instrument unsubscribes it');

    await waitFor(binary, () => null !== document.querySelector('[data-stat="connections"]') &&
        Number(document.querySelector('[data-stat="connections"]').textContent) >= 2, null,
        'stats to show both connections');
    check(true, 'server panel shows live stats');

    for (const entry of pages)
    {
        const count = await entry.page.evaluate(() => window.demo.socketCount());
        check(1 === count, entry.name + ' page opened exactly one WebSocket');
    }
    await browser.close();
}

const timeout = setTimeout(() =>
{
    console.error('FAIL: timed out after 60 s');
    process.exit(1);
}, 60000);

main().then(() =>
{
    clearTimeout(timeout);
    console.log('PASS');
}).catch(async (error) =>
{
    console.error('FAIL: ' + error.message);
    for (const entry of pages)
    {
        try
        {
            const file = path.join(screenshotDir, 'demo-e2e-' + entry.name + '.png');
            await entry.page.screenshot({ path: file, fullPage: true });
            console.error('screenshot: ' + file);
        }
        catch (e)
        {
            console.error('no screenshot: ' + e.message);
        }
    }
    if (browser)
    {
        await browser.close();
    }
    process.exit(1);
});
