// The demo's recovery notice in a real headless Chromium (Debian's /usr/bin/chromium), driven by playwright-core.
// Usage: node demo-recovery-e2e.js http://127.0.0.1:<proxy port> <screenshot-dir>
// The base URL is a TCP proxy in front of the demo server (CutProxy, run by DemoBrowserE2EIntegrationTest) that this
// script asks to act through its standard streams: it prints "REQUEST cut" (the test pauses the proxy, so reconnect
// attempts are refused, and resets every connection: the page's WebSocket dies as in a network blink) and later
// "REQUEST resume", and reads the test's one-line reply to each.
// Checks: the binary page's price channels have positions; after the cut the notice (data-testid="recovery") says
// "reconnecting…"; once the proxy forwards again the page reconnects, every price channel recovers and the notice
// says "recovered N updates" with N > 0, N being the sum the server announced; every one of the N replayed updates
// arrived, each continuing its instrument's sequence exactly (no skip, no repeat); and prices keep flowing live.
// A second page on the text protocol (no positions) is cut too: it reconnects, says only "reconnected", and ticks.
// Prints "RECOVERED <N>" at the end. Exits 0 on success; on failure saves a screenshot of each page under
// <screenshot-dir> and exits 1.
'use strict';

const { chromium } = require('playwright-core');
const path = require('path');
const readline = require('readline');

const base = process.argv[2];
const screenshotDir = process.argv[3] || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'];
const INITIAL_SYMBOLS = 8;      // app.js opens the first 8 instruments
const OUTAGE_MS = 1000;         // paused this long after the cut: a few hundred updates per instrument are missed
const RECOVERY_TIMEOUT_MS = 20000; // back-off after a refused attempt or three is at most a few seconds

let browser;
const pages = [];

// ---- requests to the test, answered on standard input ----
const replies = [];
let awaiting = null;
readline.createInterface({ input: process.stdin }).on('line', (line) =>
{
    if (null !== awaiting)
    {
        const resolve = awaiting;
        awaiting = null;
        resolve(line);
    }
    else
    {
        replies.push(line);
    }
});

function request(what)
{
    console.log('REQUEST ' + what);
    return new Promise((resolve) =>
    {
        if (replies.length > 0)
        {
            resolve(replies.shift());
        }
        else
        {
            awaiting = resolve;
        }
    });
}

function check(condition, message)
{
    if (!condition)
    {
        throw new Error(message);
    }
    console.log('ok ' + message);
}

async function waitFor(page, predicate, arg, what, timeoutMs)
{
    try
    {
        await page.waitForFunction(predicate, arg, { timeout: timeoutMs || 10000 });
    }
    catch (e)
    {
        const state = await page.evaluate(() => JSON.stringify({ socket: document.getElementById('socket-state')
            .textContent, notice: document.getElementById('recovery').textContent, recovery: window.demo.recovery,
        skips: window.demo.sequenceSkips, repeats: window.demo.sequenceRepeats }));
        throw new Error('timed out waiting for ' + what + ': ' + state);
    }
}

async function openDemo(protocol)
{
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push({ page: page, name: protocol });
    await page.goto(base + '/?protocol=' + protocol);
    await waitFor(page, () => 'connected' === document.getElementById('socket-state').textContent, null,
        'the ' + protocol + ' page to connect');
    await waitFor(page, (count) => count === document.querySelectorAll('#price-rows tr').length &&
        Array.from(document.querySelectorAll('#price-rows tr')).every((row) =>
            null !== window.demo.lastSequence(row.dataset.symbol) &&
            Number(row.querySelector('.seq').textContent) > 0),
    INITIAL_SYMBOLS, 'every instrument to tick on the ' + protocol + ' page');
    return page;
}

async function main()
{
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = await openDemo('binary');
    const text = await openDemo('text');
    check('binary' === await page.textContent('[data-testid="protocol"]') &&
        true === await page.evaluate(() => window.demo.positions), 'the page speaks wsmux.v1, prices with positions');
    check('text' === await text.textContent('[data-testid="protocol"]') &&
        false === await text.evaluate(() => window.demo.positions), 'the other page speaks text, no positions');
    const symbols = await page.evaluate(() => Array.from(document.querySelectorAll('#price-rows tr'))
        .map((row) => row.dataset.symbol));
    const epochs = await page.evaluate((list) => list.map((s) => window.demo.priceChannels[s].epoch), symbols);
    check(epochs.every((epoch) => /^[0-9a-f]{16}$/.test(epoch)), symbols.length + ' price channels have positions');
    check('' === await page.textContent('[data-testid="recovery"]'), 'no recovery notice before a cut');
    const before = await page.evaluate((list) => list.map((s) => window.demo.lastSequence(s)), symbols);

    // The blink: the proxy refuses new connections and resets the open ones.
    const cut = await request('cut');
    check(/^cut ([2-9]|\d\d+)$/.test(cut), 'the proxy cut both pages\' connections: ' + cut);
    await waitFor(page, () => 'reconnecting…' === document.getElementById('recovery').textContent, null,
        'the notice to say reconnecting…');
    check(/^reconnecting/.test(await page.textContent('[data-testid="socket-state"]')),
        'the notice says reconnecting… while wsmux.js reconnects');
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    check('reconnecting…' === await page.textContent('[data-testid="recovery"]'),
        'still reconnecting… while the proxy refuses');
    const resumed = await request('resume');
    check('resumed' === resumed, 'the proxy forwards again');

    await waitFor(page, () => null !== window.demo.recovery && 'done' === window.demo.recovery.state, null,
        'every price channel to report its recovery', RECOVERY_TIMEOUT_MS);
    check('connected' === await page.textContent('[data-testid="socket-state"]'), 'the page reconnected');
    await waitFor(page, () => window.demo.recovery.replayed === window.demo.recovery.updates, null,
        'every replayed update to arrive');
    const recovery = await page.evaluate(() => window.demo.recovery);
    const notice = await page.textContent('[data-testid="recovery"]');
    console.log('notice: ' + notice + ' (' + JSON.stringify(recovery) + ')');
    const shown = /^recovered (\d+) updates$/.exec(notice);
    check(null !== shown && Number(shown[1]) === recovery.updates && recovery.updates > 0,
        'the notice says "recovered N updates" with N > 0: ' + notice);
    check(symbols.length === recovery.recovered && 0 === recovery.notRecovered.length && 0 === recovery.noHistory,
        'every instrument recovered: ' + recovery.recovered + ' of ' + symbols.length);
    check(recovery.replayed === recovery.updates, 'all ' + recovery.updates + ' replayed updates arrived');
    const after = await page.evaluate((list) => list.map((s) => window.demo.lastSequence(s)), symbols);
    check(after.every((seq, i) => seq > before[i]), 'every instrument moved on past its sequence at the cut');

    // Live again: prices keep coming, and still no sequence error.
    const eurusd = symbols.indexOf('EURUSD');
    await waitFor(page, (seq) => window.demo.lastSequence('EURUSD') > seq + 20, after[eurusd],
        'EURUSD to keep ticking after the recovery');
    await waitFor(page, (seq) => Number(document.querySelector('tr[data-symbol="EURUSD"] .seq').textContent) > seq,
        after[eurusd], 'the EURUSD row to show a newer sequence');
    check(true, 'prices keep flowing after the recovery');
    const errors = await page.evaluate(() => ({ skips: window.demo.sequenceSkips,
        repeats: window.demo.sequenceRepeats, list: window.demo.sequenceErrors }));
    check(0 === errors.skips && 0 === errors.repeats, 'no sequence skipped in a replay, none repeated: ' +
        JSON.stringify(errors));

    // The text protocol has no positions: the page reconnects and says so, nothing more, and ticks again.
    await waitFor(text, () => 'reconnected' === document.getElementById('recovery').textContent, null,
        'the text page to say reconnected', RECOVERY_TIMEOUT_MS);
    check('connected' === await text.textContent('[data-testid="socket-state"]'),
        'the text page reconnected and says only "reconnected"');
    const textSeq = await text.evaluate(() => window.demo.lastSequence('EURUSD'));
    await waitFor(text, (seq) => window.demo.lastSequence('EURUSD') > seq, textSeq,
        'EURUSD to tick on the text page after the reconnect');
    check(true, 'prices keep flowing on the text page');
    console.log('RECOVERED ' + recovery.updates);
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
    process.exit(0); // standard input stays open: the test closes it only after the script ends
}).catch(async (error) =>
{
    console.error('FAIL: ' + error.message);
    for (const entry of pages)
    {
        try
        {
            const file = path.join(screenshotDir, 'demo-recovery-e2e-' + entry.name + '.png');
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
