'use strict';

// The browser client wsmux.js, fetched from the server's /wsmux.js (proving it is served, and served unchanged),
// driven from Node over `ws` in one wire protocol. Run by NodeMuxClientsIntegrationTest:
//   node wsmux-client.js http://127.0.0.1:<port> /mux binary|text
// The server must offer: service `echo` (echoes text and binary; "close me" makes it close the channel with 4001
// "closed as asked"), service `chat room` (says "welcome" on open, then broadcasts every message to all its
// channels), service `publish` ("<topic>,<message>" publishes <message> to <topic> and answers "published"), topics
// under `prices.`, service `secret` refused by the authorizer with "not for you", nothing under `nowhere`.
// Prints one line per check; exits 0 when every check passed, non-zero with a message on the first failure or after
// a 20 s safety timeout.

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const vm = require('vm');
const WebSocket = require('ws');

const SAFETY_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 5000;
const SOURCE = path.join(__dirname, '..', '..', 'main', 'resources', 'io', 'wsmux', 'wsmux.js');

const base = process.argv[2];
const muxPath = process.argv[3];
const protocol = process.argv[4];
if (!base || !muxPath || ('binary' !== protocol && 'text' !== protocol))
{
    console.error('usage: node wsmux-client.js http://host:port /mux binary|text');
    process.exit(2);
}
const binary = 'binary' === protocol;

const safety = setTimeout(() => fail(new Error('safety timeout: not done after ' + SAFETY_TIMEOUT_MS + ' ms')),
    SAFETY_TIMEOUT_MS);

function fail(error)
{
    console.error('FAIL [' + protocol + ']: ' + (error && error.stack ? error.stack : error));
    process.exit(1);
}

function ok(check)
{
    console.log('ok [' + protocol + '] ' + check);
}

function check(condition, message)
{
    if (!condition)
    {
        throw new Error(message);
    }
}

function withTimeout(promise, what, timeoutMs)
{
    const limitMs = timeoutMs || STEP_TIMEOUT_MS;
    return new Promise((resolve, reject) =>
    {
        const timer = setTimeout(() => reject(new Error('no ' + what + ' within ' + limitMs + ' ms')), limitMs);
        promise.then((value) =>
        {
            clearTimeout(timer);
            resolve(value);
        }, reject);
    });
}

function get(url)
{
    return new Promise((resolve, reject) =>
    {
        http.get(url, (response) =>
        {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => resolve({ response: response, body: Buffer.concat(chunks) }));
            response.on('error', reject);
        }).on('error', reject);
    });
}

async function loadClient()
{
    const { response, body } = await withTimeout(get(base + '/wsmux.js'), 'answer to GET /wsmux.js');
    check(200 === response.statusCode, 'GET /wsmux.js answered ' + response.statusCode + ': ' + body.toString());
    const contentType = response.headers['content-type'] || '';
    check(contentType.startsWith('text/javascript'), 'GET /wsmux.js Content-Type: ' + contentType);
    if (fs.existsSync(SOURCE))
    {
        check(body.equals(fs.readFileSync(SOURCE)), 'the served /wsmux.js differs from ' + SOURCE);
    }
    ok('GET /wsmux.js: 200, ' + contentType + ', ' + body.length + ' bytes, same as the source');

    // As a classic browser script: no module, a window; it must define window.Wsmux.
    const browser = { window: {}, TextEncoder: TextEncoder, TextDecoder: TextDecoder, setTimeout: setTimeout };
    vm.runInNewContext(body.toString('utf8'), browser, { filename: 'wsmux.js (browser)' });
    check(browser.window.Wsmux && 'function' === typeof browser.window.Wsmux.Client,
        'as a classic script, wsmux.js did not define window.Wsmux.Client');
    ok('as a classic script it defines window.Wsmux');

    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wsmux-js-'));
    const file = path.join(directory, 'wsmux.js');
    fs.writeFileSync(file, body);
    process.on('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
    const Wsmux = require(file);
    check('function' === typeof Wsmux.Client, 'require(wsmux.js) has no Client');
    return Wsmux;
}

// Opens a channel and records what it reports: messages in order, and which of open/close/refused happened.
function open(mux, name, options)
{
    const maxRate = options && options.maxRate ? options.maxRate : 0;
    const label = maxRate > 0 ? name + ' (maxRate ' + maxRate + ')' : name;
    const record = { name: label, inbox: [], waiters: [], opens: 0, closes: [], refusals: [] };
    let opened;
    let closed;
    let refused;
    record.opened = new Promise((resolve) => (opened = resolve));
    record.closed = new Promise((resolve) => (closed = resolve));
    record.refused = new Promise((resolve) => (refused = resolve));
    const settings = Object.assign({}, options || {}, {
        onopen: () =>
        {
            record.opens++;
            opened();
        },
        onmessage: (data) =>
        {
            const waiter = record.waiters.shift();
            if (waiter)
            {
                waiter(data);
            }
            else
            {
                record.inbox.push(data);
            }
        },
        onclose: (code, reason) =>
        {
            record.closes.push({ code: code, reason: reason });
            closed({ code: code, reason: reason });
        },
        onrefused: (code, reason) =>
        {
            record.refusals.push({ code: code, reason: reason });
            refused({ code: code, reason: reason });
        }
    });
    record.channel = mux.channel(name, settings);
    return record;
}

function next(record, what)
{
    if (record.inbox.length > 0)
    {
        return Promise.resolve(record.inbox.shift());
    }
    return withTimeout(new Promise((resolve) => record.waiters.push(resolve)), what + ' on ' + record.name);
}

async function expectMessage(record, expected, what)
{
    const actual = await next(record, what);
    check(expected === actual, what + ' on ' + record.name + ': got ' + JSON.stringify(actual) + ', expected ' +
        JSON.stringify(expected));
}

async function expectBytes(record, expected, what)
{
    const actual = await next(record, what);
    check(actual instanceof Uint8Array, what + ' on ' + record.name + ': expected a Uint8Array, got ' + typeof actual);
    check(Buffer.from(expected).equals(Buffer.from(actual)), what + ' on ' + record.name + ': bytes differ');
}

function sleep(ms)
{
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function run()
{
    const Wsmux = await loadClient();

    const url = base.replace(/^http/, 'ws') + muxPath;
    let expectedErrors = 0;
    let muxOpened;
    let muxClosed;
    const muxOpen = new Promise((resolve) => (muxOpened = resolve));
    const muxClose = new Promise((resolve) => (muxClosed = resolve));
    const mux = new Wsmux.Client(url, {
        protocol: protocol,
        WebSocket: WebSocket,
        onopen: () => muxOpened(),
        onclose: (code, reason) => muxClosed({ code: code, reason: reason }),
        onerror: (error) =>
        {
            if (expectedErrors-- <= 0)
            {
                fail(new Error('client onerror: ' + (error && error.message ? error.message : error)));
            }
        }
    });

    // Everything below is asked for before the socket opens: the channels open, and the messages go, when it does.
    const echo = open(mux, 'echo');
    const chat = open(mux, 'chat room');
    const prices = open(mux, 'prices.EURUSD');
    const publish = open(mux, 'publish');
    const nowhere = open(mux, 'nowhere');
    const secret = open(mux, 'secret');
    const allBytes = new Uint8Array(256).map((value, index) => index);
    check(echo.channel.send('queued before open, with, commas'), 'send before open refused');
    if (binary)
    {
        check(echo.channel.send(allBytes), 'binary send before open refused');
    }
    // Queued for a channel the server will refuse: dropped, never sent (so no ERROR 410 reaches onerror).
    check(nowhere.channel.send('dropped when refused'), 'send before open refused');
    check(Wsmux.Channel.CONNECTING === echo.channel.readyState, 'readyState before open: ' + echo.channel.readyState);

    await withTimeout(muxOpen, 'client onopen');
    check(protocol === mux.protocol, 'mux.protocol is ' + mux.protocol + ', asked for ' + protocol);
    ok('client open, protocol ' + mux.protocol);

    await withTimeout(Promise.all([echo.opened, chat.opened, prices.opened, publish.opened]), 'channel onopen');
    check(Wsmux.Channel.OPEN === echo.channel.readyState, 'readyState after open: ' + echo.channel.readyState);
    if (binary)
    {
        const ids = [echo, chat, prices, publish, nowhere, secret].map((record) => record.channel.id);
        check('1,2,3,4,5,6' === ids.join(), 'channel ids in order of asking, from 1: ' + ids.join());
        ok('channels asked for before the socket opened got ids 1..6');
    }

    await expectMessage(echo, 'queued before open, with, commas', 'echo of the message queued before open');
    if (binary)
    {
        await expectBytes(echo, allBytes, 'echo of the binary message queued before open');
        echo.channel.send(new Uint8Array([0, 255, 10, 13]));
        await expectBytes(echo, [0, 255, 10, 13], 'binary echo');
    }
    else
    {
        let threw = false;
        try
        {
            echo.channel.send(new Uint8Array(1));
        }
        catch (error)
        {
            threw = error instanceof TypeError;
        }
        check(threw, 'text protocol: sending a Uint8Array must throw a TypeError');
    }
    echo.channel.send('caf\u00e9 \u2713 \u65e5\u672c \uD83D\uDE80, a,,b,');
    await expectMessage(echo, 'caf\u00e9 \u2713 \u65e5\u672c \uD83D\uDE80, a,,b,', 'echo of multi-byte text');
    echo.channel.send('');
    await expectMessage(echo, '', 'echo of empty text');
    ok('messages queued before open are delivered; echo of text' + (binary ? ', binary' : '') + ', commas, UTF-8');

    if (binary)
    {
        const notFound = await withTimeout(nowhere.refused, 'onrefused of nowhere');
        check(404 === notFound.code && notFound.reason.length > 0,
            'nowhere refused with ' + notFound.code + ' "' + notFound.reason + '", expected 404 and a reason');
        const forbidden = await withTimeout(secret.refused, 'onrefused of secret');
        check(403 === forbidden.code && 'not for you' === forbidden.reason,
            'secret refused with ' + forbidden.code + ' "' + forbidden.reason + '", expected 403 "not for you"');
        check(0 === nowhere.opens + secret.opens && 0 === nowhere.closes.length + secret.closes.length,
            'a refused channel must get neither onopen nor onclose');
        ok('refusals: nowhere 404 "' + notFound.reason + '", secret 403 "not for you"; no onopen, no onclose');
    }
    else
    {
        await withTimeout(nowhere.closed, 'onclose (uns) of nowhere');
        await withTimeout(secret.closed, 'onclose (uns) of secret');
        check(1 === nowhere.opens && 0 === nowhere.refusals.length, 'text: open first, then onclose on uns');
        ok('refusals: nowhere and secret answered uns, reported by onclose');
    }
    check(Wsmux.Channel.CLOSED === nowhere.channel.readyState, 'readyState of nowhere: ' + nowhere.channel.readyState);

    // chat room: the welcome comes from the service's onOpen, so the channel is a member when it has it.
    await expectMessage(chat, 'welcome', 'welcome');
    if (binary)
    {
        const chat2 = open(mux, 'chat room');
        await expectMessage(chat2, 'welcome', 'welcome');
        check(5 === chat2.channel.id, 'the lowest free id (5, refused nowhere) is reused: ' + chat2.channel.id);
        chat.channel.send('hi, all');
        await expectMessage(chat, 'hi, all', 'broadcast');
        await expectMessage(chat2, 'hi, all', 'broadcast');
        chat2.channel.close();
        ok("two channels on 'chat room' over one socket both get the broadcast; refused ids are reused");
    }
    else
    {
        let threw = false;
        try
        {
            mux.channel('chat room');
        }
        catch (error)
        {
            threw = true;
        }
        check(threw, 'text protocol: a second channel of the same name must throw');
        chat.channel.send('hi, all');
        await expectMessage(chat, 'hi, all', 'broadcast');
        ok("'chat room' (escaped name) broadcasts; a duplicate name throws");
    }

    // A topic: the subscription was sent before the publish request on the same socket, so no race.
    publish.channel.send('prices.EURUSD,EURUSD,1.08412,1.08415,1');
    await expectMessage(publish, 'published', 'publish reply');
    await expectMessage(prices, 'EURUSD,1.08412,1.08415,1', 'publication');
    ok('topic prices.EURUSD delivers publications');

    // The client closes echo: onclose(1000), sends are dropped, the other channels keep working.
    const echoId = echo.channel.id;
    echo.channel.close();
    check(Wsmux.Channel.CLOSED === echo.channel.readyState, 'readyState after close(): ' + echo.channel.readyState);
    check(false === echo.channel.send('dropped'), 'send on a closed channel must return false');
    const clientClose = await withTimeout(echo.closed, 'onclose after close()');
    check(1000 === clientClose.code, 'close() reported ' + clientClose.code);
    chat.channel.send('still here');
    await expectMessage(chat, 'still here', 'broadcast after closing echo');
    publish.channel.send('prices.EURUSD,EURUSD,1.08413,1.08416,2');
    await expectMessage(publish, 'published', 'publish reply');
    await expectMessage(prices, 'EURUSD,1.08413,1.08416,2', 'publication after closing echo');
    const echoAgain = open(mux, 'echo');
    await withTimeout(echoAgain.opened, 'onopen of echo reopened');
    if (binary)
    {
        check(echoId === echoAgain.channel.id, 'the closed channel id ' + echoId + ' is reused: ' + echoAgain.channel.id);
    }
    echoAgain.channel.send('again');
    await expectMessage(echoAgain, 'again', 'echo after reopening');
    check(1 === echo.closes.length && 0 === echo.inbox.length, 'the closed echo channel got more events');
    ok('closing echo leaves chat room, publish and prices working; echo reopens' + (binary ? ' on the same id' : ''));

    if (binary)
    {
        // Closed while its OPEN is unanswered: the id stays taken until OPENED comes, so the next channel gets
        // another id and the late OPENED is not taken for it.
        const early = open(mux, 'echo');
        const earlyId = early.channel.id;
        early.channel.send('never sent');
        early.channel.close();
        const after = open(mux, 'echo');
        check(earlyId !== after.channel.id, 'an id awaiting OPENED was reused: ' + earlyId);
        await withTimeout(after.opened, 'onopen of the channel opened after an early close');
        after.channel.send('after early close');
        await expectMessage(after, 'after early close', 'echo after an early close');
        const earlyClose = await withTimeout(early.closed, 'onclose of a channel closed before OPENED');
        check(1000 === earlyClose.code && 0 === early.opens && 0 === early.inbox.length,
            'a channel closed before OPENED: onclose ' + earlyClose.code + ', ' + early.opens + ' onopen');
        const reuse = open(mux, 'echo');
        check(earlyId === reuse.channel.id, 'the id given back after OPENED is free again: ' + reuse.channel.id);
        await withTimeout(reuse.opened, 'onopen on the given-back id');
        reuse.channel.send('on id ' + earlyId);
        await expectMessage(reuse, 'on id ' + earlyId, 'echo on the given-back id');
        after.channel.close();
        reuse.channel.close();
        ok('a channel closed before OPENED keeps its id until OPENED arrives, then gives it back');
    }

    // The server closes a channel.
    echoAgain.channel.send('close me');
    const serverClose = await withTimeout(echoAgain.closed, 'onclose of a channel the server closed');
    if (binary)
    {
        check(4001 === serverClose.code && 'closed as asked' === serverClose.reason,
            'CLOSED reported as ' + serverClose.code + ' "' + serverClose.reason + '", expected 4001 "closed as asked"');
    }
    check(Wsmux.Channel.CLOSED === echoAgain.channel.readyState, 'readyState after the server closed the channel: ' +
        echoAgain.channel.readyState);
    check(1 === echoAgain.closes.length, 'one onclose per channel');
    chat.channel.send('and still here');
    await expectMessage(chat, 'and still here', 'broadcast after the server closed echo');
    ok('a channel the server closes reports onclose ' + serverClose.code + ' "' + serverClose.reason +
        '"; the others keep working');

    await checkMaxRate(mux, publish);

    check(0 === chat.inbox.length + prices.inbox.length + echoAgain.inbox.length,
        'unexpected messages left over');
    mux.close(1000, 'wsmux.js done');
    const closed = await withTimeout(muxClose, 'client onclose');
    check(1000 === closed.code, 'client onclose code ' + closed.code);
    const chatClosed = await withTimeout(chat.closed, 'onclose of chat room with the socket');
    check(1000 === chatClosed.code, 'channel onclose with the socket: ' + chatClosed.code);
    check(1 === chat.closes.length && 1 === prices.closes.length, 'each open channel gets exactly one onclose');
    ok('client close closes every channel (onclose ' + chatClosed.code + ')');

    clearTimeout(safety);
    ok('all checks passed');
    process.exit(0);
}

// A subscriber asking for 5 messages a second gets far fewer than the 100 published over about a second, and ends
// with the latest; a subscriber on the same topic asking for no limit gets (nearly) all, in order.
async function checkMaxRate(mux, publish)
{
    const PUBLISHED = 100;
    const MAX_RATE = 5;
    const throttled = open(mux, 'prices.THROTTLED', { maxRate: MAX_RATE });
    const full = open(mux, 'prices.THROTTLED');
    await withTimeout(Promise.all([throttled.opened, full.opened]), 'onopen of the prices.THROTTLED channels');

    const startMs = Date.now();
    for (let n = 1; n <= PUBLISHED; n++)
    {
        publish.channel.send('prices.THROTTLED,' + n);
        await sleep(10);
    }
    const seconds = (Date.now() - startMs) / 1000;

    async function drainUntilLast(record)
    {
        const values = [];
        while (0 === values.length || PUBLISHED !== values[values.length - 1])
        {
            values.push(Number(await next(record, 'publication ' + PUBLISHED + ' (got so far: ' + values.join() + ')')));
        }
        return values;
    }
    const throttledValues = await drainUntilLast(throttled);
    const fullValues = await drainUntilLast(full);
    await sleep(300); // nothing more may come: the last value was the newest
    check(0 === throttled.inbox.length && 0 === full.inbox.length,
        'messages after the last value: ' + throttled.inbox.join() + ' / ' + full.inbox.join());

    const increasing = (values) => values.every((value, i) => 0 === i || value > values[i - 1]);
    check(increasing(fullValues), 'unthrottled values not strictly increasing: ' + fullValues.join());
    check(increasing(throttledValues), 'throttled values not strictly increasing: ' + throttledValues.join());
    const allowed = Math.ceil(seconds * MAX_RATE) + 3;
    check(throttledValues.length <= allowed, 'maxRate ' + MAX_RATE + ' over ' + seconds.toFixed(2) + ' s: got ' +
        throttledValues.length + ' messages (at most ' + allowed + ' allowed): ' + throttledValues.join());
    check(fullValues.length >= PUBLISHED / 2 && fullValues.length > 3 * throttledValues.length,
        'unthrottled subscriber got only ' + fullValues.length + ' of ' + PUBLISHED);
    publish.inbox.length = 0; // the 100 "published" replies
    throttled.channel.close();
    full.channel.close();
    ok('maxRate ' + MAX_RATE + ': ' + throttledValues.length + ' of ' + PUBLISHED + ' in ' + seconds.toFixed(2) +
        ' s, ending with the latest; unthrottled got ' + fullValues.length);
}

run().catch(fail);
