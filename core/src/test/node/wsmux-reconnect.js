'use strict';

// wsmux.js reconnecting by itself and recovering topics (docs/protocol.md, positions and recovery), driven from Node.
//   node wsmux-reconnect.js http://127.0.0.1:<port> [/mux]
//   node wsmux-reconnect.js --source                      (the fake-server part only, wsmux.js from the source tree)
// 1. Against a fake wsmux.v1 server in this script (Node's `ws`): the exact bytes of OPEN with POSITIONS and with
//    RECOVER, offsets rebuilt from their low 32 bits across 2^32, onrecovery for each recovery status, re-opening
//    after a reconnect and after a GAP, queued sends and the queue limit, back-off delays growing and capped, jitter
//    within its bounds, which closes reconnect and which do not, the text protocol re-subscribing.
// 2. With a mux path: against the real server, through a TCP proxy in this script that cuts every connection: a
//    subscriber of a topic with history gets every one of the numbered publications exactly once, in order, through
//    at least 20 cuts; a subscriber stalled until the server drops publications for it gets GAP 507, recovers, and
//    has every message exactly once, in order; a topic whose history is too short reports 'not-recovered'; the text
//    protocol re-subscribes. The server must offer: service `publish` ("<topic>,<message>" publishes <message> to
//    <topic>, answers "published"), service `bulk` ("<topic>,<from>,<to>,<padLength>" publishes "<n>,<padding>" for
//    each n, answers "published <GAP 507 sent so far>"), the `drop` overflow policy, topics with a history of at
//    least 100,000 under `history.`, of at least 1,000 under `dropped.`, of 5 under `small.`, and without history
//    under `plain.`.
// Prints one line per check; exits 0 when every check passed, non-zero on the first failure or after a safety timeout.

const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

const SAFETY_TIMEOUT_MS = 50000;
const STEP_TIMEOUT_MS = 5000;
const SOURCE = path.join(__dirname, '..', '..', 'main', 'resources', 'io', 'wsmux', 'wsmux.js');

const base = process.argv[2];
const muxPath = process.argv[3];
if (!base)
{
    console.error('usage: node wsmux-reconnect.js http://host:port [/mux] | --source');
    process.exit(2);
}

const safety = setTimeout(() => fail(new Error('safety timeout: not done after ' + SAFETY_TIMEOUT_MS + ' ms')),
    SAFETY_TIMEOUT_MS);

function fail(error)
{
    console.error('FAIL: ' + (error && error.stack ? error.stack : error));
    process.exit(1);
}

function ok(check)
{
    console.log('ok ' + check);
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

function sleep(ms)
{
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function hex(bytes)
{
    return Buffer.from(bytes).toString('hex');
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
    if ('--source' === base)
    {
        return require(SOURCE);
    }
    const { response, body } = await withTimeout(get(base + '/wsmux.js'), 'answer to GET /wsmux.js');
    check(200 === response.statusCode, 'GET /wsmux.js answered ' + response.statusCode);
    if (fs.existsSync(SOURCE))
    {
        check(body.equals(fs.readFileSync(SOURCE)), 'the served /wsmux.js differs from ' + SOURCE);
    }
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wsmux-js-'));
    const file = path.join(directory, 'wsmux.js');
    fs.writeFileSync(file, body);
    process.on('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
    ok('wsmux.js loaded from ' + base + '/wsmux.js, same as the source');
    return require(file);
}

/**
 * A queue of things that arrive, and promises of the next one.
 */
class Inbox
{
    constructor(what)
    {
        this.what = what;
        this.items = [];
        this.waiters = [];
    }

    push(item)
    {
        const waiter = this.waiters.shift();
        if (waiter)
        {
            waiter(item);
        }
        else
        {
            this.items.push(item);
        }
    }

    next(timeoutMs)
    {
        if (this.items.length > 0)
        {
            return Promise.resolve(this.items.shift());
        }
        let waiter;
        const waiting = new Promise((resolve) => this.waiters.push(waiter = resolve));
        return withTimeout(waiting, this.what, timeoutMs).catch((error) =>
        {
            this.waiters = this.waiters.filter((w) => w !== waiter); // what comes later stays for the next call
            throw error;
        });
    }
}

// ---- the fake server: wsmux.v1 messages built and read by hand, from docs/protocol.md ----

const EPOCH_A = '0123456789abcdef';
const EPOCH_B = 'fedcba9876543210';
const TWO_32 = 0x100000000;

function u64(value)
{
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE(Math.floor(value / TWO_32), 0);
    bytes.writeUInt32BE(value % TWO_32, 4);
    return bytes;
}

function header(type, id)
{
    const bytes = Buffer.alloc(5);
    bytes.writeUInt8(type, 0);
    bytes.writeUInt32BE(id, 1);
    return bytes;
}

const wire = {
    opened: (id) => header(0x81, id),
    openedAt: (id, recovery, epoch, offset) =>
        Buffer.concat([header(0x81, id), Buffer.from([recovery]), Buffer.from(epoch, 'hex'), u64(offset)]),
    refused: (id, code, reason) => Buffer.concat([header(0x82, id), codeBytes(code), Buffer.from(reason)]),
    text: (id, text) => Buffer.concat([header(0x83, id), Buffer.from(text)]),
    gap: (id, code, reason) => Buffer.concat([header(0x87, id), codeBytes(code), Buffer.from(reason)]),
    textAt: (id, offset, text) => Buffer.concat([header(0x88, id), u32(offset % TWO_32), Buffer.from(text)]),
    binaryAt: (id, offset, bytes) => Buffer.concat([header(0x89, id), u32(offset % TWO_32), Buffer.from(bytes)]),
    // What the client must send.
    open: (id, name, maxRate) => Buffer.concat([header(0x01, id), u16(Buffer.byteLength(name)), Buffer.from(name)]
        .concat(undefined === maxRate ? [] : [u32(maxRate)])),
    openPositions: (id, name, maxRate) => Buffer.concat([wire.open(id, name, maxRate), Buffer.from([0x01])]),
    openRecover: (id, name, maxRate, epoch, offset) => Buffer.concat([wire.open(id, name, maxRate),
        Buffer.from([0x03]), Buffer.from(epoch, 'hex'), u64(offset)]),
    close: (id) => header(0x02, id),
    clientText: (id, text) => Buffer.concat([header(0x03, id), Buffer.from(text)])
};

function u16(value)
{
    const bytes = Buffer.alloc(2);
    bytes.writeUInt16BE(value, 0);
    return bytes;
}

function u32(value)
{
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value, 0);
    return bytes;
}

function codeBytes(code)
{
    return u16(code);
}

/**
 * One WebSocket server on a free port. Each accepted WebSocket is a FakeConnection, handed out by accepted(); every
 * attempt to connect, accepted or not, is timed in attemptsMs. refuse = true answers handshakes with 503.
 */
class FakeServer
{
    constructor()
    {
        this.attemptsMs = [];
        this.refuse = false;
        this.connections = new Inbox('a WebSocket at the fake server');
        this.wss = new WebSocket.Server({
            port: 0,
            host: '127.0.0.1',
            handleProtocols: (protocols) => (protocols.has('wsmux.v1') ? 'wsmux.v1' : false),
            verifyClient: (info, done) =>
            {
                this.attemptsMs.push(Date.now());
                done(!this.refuse, 503, 'refused by the test');
            }
        });
        this.wss.on('connection', (ws) => this.connections.push(new FakeConnection(ws)));
        this.listening = new Promise((resolve) => this.wss.on('listening', resolve));
    }

    url()
    {
        return 'ws://127.0.0.1:' + this.wss.address().port + '/mux';
    }

    accepted(timeoutMs)
    {
        return this.connections.next(timeoutMs);
    }

    async expectNoConnection(waitMs, what)
    {
        const before = this.attemptsMs.length;
        await sleep(waitMs);
        check(before === this.attemptsMs.length && 0 === this.connections.items.length,
            what + ': the client connected again');
    }

    close()
    {
        for (const ws of this.wss.clients)
        {
            ws.terminate();
        }
        return new Promise((resolve) => this.wss.close(resolve));
    }
}

class FakeConnection
{
    constructor(ws)
    {
        this.ws = ws;
        this.messages = new Inbox('a message from the client');
        this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
        ws.on('message', (data, isBinary) => this.messages.push(isBinary ? Buffer.from(data) : data.toString()));
    }

    send(bytes)
    {
        this.ws.send(bytes);
    }

    async expect(expected, what)
    {
        const actual = await this.messages.next();
        if ('string' === typeof expected)
        {
            check(expected === actual, what + ': got ' + JSON.stringify(actual.toString()) + ', expected ' +
                JSON.stringify(expected));
            return;
        }
        check(Buffer.isBuffer(actual) && expected.equals(actual), what + ': got ' +
            (Buffer.isBuffer(actual) ? hex(actual) : JSON.stringify(actual)) + ', expected ' + hex(expected));
    }

    async expectNothing(waitMs, what)
    {
        await sleep(waitMs);
        check(0 === this.messages.items.length, what + ': unexpected ' + this.messages.items.map((m) =>
            Buffer.isBuffer(m) ? hex(m) : m).join(', '));
    }

    cut()
    {
        this.ws.terminate(); // no close frame: the client sees 1006, as for a network failure
    }
}

/**
 * A client whose events are recorded: client-level ones in `events`, per channel in the Recorder.
 */
function client(Wsmux, url, options)
{
    const events = new Inbox('a client event');
    const log = [];
    const record = (name) => (arg) =>
    {
        log.push({ name: name, arg: arg, atMs: Date.now() });
        events.push({ name: name, arg: arg, atMs: Date.now() });
    };
    const mux = new Wsmux.Client(url, Object.assign({
        WebSocket: WebSocket,
        onopen: record('open'),
        onreconnecting: record('reconnecting'),
        onreconnected: record('reconnected'),
        onclose: (code, reason) => record('close')({ code: code, reason: reason }),
        onerror: () => log.push({ name: 'error', atMs: Date.now() })
    }, options || {}));
    mux.events = events;
    mux.log = log;
    mux.expectEvent = async (name, what) =>
    {
        for (;;)
        {
            const event = await events.next();
            if (name === event.name)
            {
                return event;
            }
            check('reconnecting' === event.name || 'open' === event.name || 'reconnected' === event.name,
                (what || name) + ': got client event ' + event.name + ' ' + JSON.stringify(event.arg));
        }
    };
    return mux;
}

function channel(mux, name, options)
{
    const recorder = {
        messages: new Inbox('a message on ' + name),
        recoveries: new Inbox('onrecovery of ' + name),
        opens: 0,
        gaps: [],
        closes: new Inbox('onclose of ' + name),
        refusals: new Inbox('onrefused of ' + name)
    };
    recorder.channel = mux.channel(name, Object.assign({}, options || {}, {
        onopen: () => recorder.opens++,
        onmessage: (data, offset) => recorder.messages.push({ data: data, offset: offset }),
        onrecovery: (recovery) => recorder.recoveries.push(recovery),
        ongap: (code, reason) => recorder.gaps.push({ code: code, reason: reason }),
        onclose: (code, reason) => recorder.closes.push({ code: code, reason: reason }),
        onrefused: (code, reason) => recorder.refusals.push({ code: code, reason: reason })
    }));
    return recorder;
}

async function expectMessage(recorder, data, offset, what)
{
    const message = await recorder.messages.next();
    const actual = message.data instanceof Uint8Array ? hex(message.data) : message.data;
    const expected = data instanceof Uint8Array ? hex(data) : data;
    check(expected === actual && offset === message.offset, what + ': got ' + JSON.stringify(actual) + ' at ' +
        message.offset + ', expected ' + JSON.stringify(expected) + ' at ' + offset);
}

async function expectRecovery(recorder, expected, what)
{
    const actual = await recorder.recoveries.next();
    check(JSON.stringify(expected) === JSON.stringify(actual), what + ': onrecovery ' + JSON.stringify(actual) +
        ', expected ' + JSON.stringify(expected));
}

const FAST = { initialDelayMs: 10, maxDelayMs: 80, factor: 2, jitter: 0, minUptimeMs: 5000 };

// ---- 1. the fake server ----

async function positionsAndReconnect(Wsmux)
{
    const server = new FakeServer();
    await server.listening;
    const mux = client(Wsmux, server.url(), { reconnect: FAST, queueLimit: 3 });
    const trades = channel(mux, 'trades', { positions: true });
    const prices = channel(mux, 'prices.X', { positions: true, maxRate: 5 });
    const plain = channel(mux, 'svc');
    let connection = await server.accepted();
    await mux.expectEvent('open');

    await connection.expect(wire.openPositions(1, 'trades', 0), 'OPEN with POSITIONS, no maxRate');
    await connection.expect(wire.openPositions(2, 'prices.X', 5), 'OPEN with maxRate 5 and POSITIONS');
    await connection.expect(wire.open(3, 'svc'), 'OPEN without positions (unchanged: nothing after the name)');
    ok('OPEN with POSITIONS: ' + hex(wire.openPositions(1, 'trades', 0)) + ' (maxRate 0 written, then flags 01)');

    // Offsets rebuilt from their low 32 bits, across 2^32.
    const start = TWO_32 - 2;
    connection.send(wire.openedAt(1, 1, EPOCH_A, start));
    await expectRecovery(trades, { status: 'fresh', epoch: EPOCH_A, offset: start, missed: null, cause: 'open' },
        'OPENED FRESH');
    check(1 === trades.opens && Wsmux.Channel.OPEN === trades.channel.readyState, 'onopen after onrecovery');
    check(EPOCH_A === trades.channel.epoch && start === trades.channel.offset, 'position after OPENED FRESH: ' +
        trades.channel.epoch + ' ' + trades.channel.offset);
    connection.send(wire.textAt(1, start + 1, 'a'));
    connection.send(wire.textAt(1, start + 2, 'b'));
    connection.send(wire.binaryAt(1, start + 3, [0, 255]));
    connection.send(wire.text(1, 'untagged'));
    await expectMessage(trades, 'a', TWO_32 - 1, 'TEXT_AT low ffffffff');
    await expectMessage(trades, 'b', TWO_32, 'TEXT_AT low 00000000 after ffffffff');
    await expectMessage(trades, new Uint8Array([0, 255]), TWO_32 + 1, 'BINARY_AT low 00000001');
    await expectMessage(trades, 'untagged', undefined, 'plain TEXT on a positions channel');
    check(TWO_32 + 1 === trades.channel.offset, 'channel offset ' + trades.channel.offset);
    ok('TEXT_AT/BINARY_AT: offsets ' + (TWO_32 - 1) + ', ' + TWO_32 + ', ' + (TWO_32 + 1) +
        ' rebuilt across 2^32; onmessage(data, offset)');

    connection.send(wire.openedAt(2, 0, '0000000000000000', 0));
    await expectRecovery(prices, { status: 'no-history', epoch: null, offset: null, missed: null, cause: 'open' },
        'OPENED NO_HISTORY');
    connection.send(wire.opened(3));
    check(0 === plain.recoveries.items.length, 'onrecovery on a channel without positions');
    plain.channel.send('before the cut');
    await connection.expect(wire.clientText(3, 'before the cut'), 'TEXT on svc');
    ok('OPENED NO_HISTORY: no-history, no position; a channel without positions gets no onrecovery');

    // A cut: every channel waits as CONNECTING, keeps its object, queues up to queueLimit sends.
    const cutAtMs = Date.now();
    connection.cut();
    const reconnecting = await mux.expectEvent('reconnecting');
    check(1 === reconnecting.arg.attempt && 10 === reconnecting.arg.delayMs && 1006 === reconnecting.arg.code,
        'onreconnecting after a cut: ' + JSON.stringify(reconnecting.arg));
    for (const recorder of [trades, prices, plain])
    {
        check(Wsmux.Channel.CONNECTING === recorder.channel.readyState && null === recorder.channel.id,
            'during the reconnect ' + recorder.channel.name + ' is ' + recorder.channel.readyState + ' id ' +
            recorder.channel.id);
    }
    check(plain.channel.send('q1') && plain.channel.send('q2') && plain.channel.send('q3'), 'queued sends refused');
    check(false === plain.channel.send('q4'), 'a send beyond queueLimit 3 must return false');
    const recovering = channel(mux, 'svc2'); // asked for while away: opens with the others
    connection = await server.accepted();
    check(Date.now() - cutAtMs >= 10, 'reconnected after ' + (Date.now() - cutAtMs) + ' ms, before the 10 ms wait');
    await mux.expectEvent('reconnected');

    await connection.expect(wire.openRecover(1, 'trades', 0, EPOCH_A, TWO_32 + 1),
        'OPEN with RECOVER from the last offset after a reconnect');
    await connection.expect(wire.openPositions(2, 'prices.X', 5), 'OPEN with POSITIONS only (no history known)');
    await connection.expect(wire.open(3, 'svc'), 'OPEN of svc again');
    await connection.expect(wire.open(4, 'svc2'), 'OPEN of the channel asked for while away');
    ok('after a cut: onreconnecting { attempt 1, delayMs 10, code 1006 }; the channels re-open in order: ' +
        hex(wire.openRecover(1, 'trades', 0, EPOCH_A, TWO_32 + 1)));

    connection.send(wire.openedAt(1, 2, EPOCH_A, TWO_32 + 3));
    connection.send(wire.textAt(1, TWO_32 + 2, 'c'));
    connection.send(wire.textAt(1, TWO_32 + 3, 'd'));
    connection.send(wire.textAt(1, TWO_32 + 4, 'e'));
    await expectRecovery(trades, { status: 'recovered', epoch: EPOCH_A, offset: TWO_32 + 3, missed: 2,
        cause: 'reconnect' }, 'OPENED RECOVERED');
    await expectMessage(trades, 'c', TWO_32 + 2, 'replayed');
    await expectMessage(trades, 'd', TWO_32 + 3, 'replayed');
    await expectMessage(trades, 'e', TWO_32 + 4, 'live');
    check(2 === trades.opens, 'onopen again after the re-open: ' + trades.opens);
    connection.send(wire.opened(3));
    await connection.expect(wire.clientText(3, 'q1'), 'queued q1 after re-open');
    await connection.expect(wire.clientText(3, 'q2'), 'queued q2');
    await connection.expect(wire.clientText(3, 'q3'), 'queued q3');
    connection.send(wire.refused(4, 404, 'no such service'));
    const refused = await recovering.refusals.next();
    check(404 === refused.code, 'svc2 refused: ' + JSON.stringify(refused));
    ok('OPENED RECOVERED: missed 2, the replay then live with whole offsets; the sends queued while away go out ' +
        'after OPENED, the fourth was refused (queueLimit 3)');

    // Refused on re-open: a channel that was open once reports onclose, not onrefused.
    connection.send(wire.opened(4)); // a late answer for an id nobody holds: ignored
    connection.cut();
    await mux.expectEvent('reconnecting');
    connection = await server.accepted();
    await connection.expect(wire.openRecover(1, 'trades', 0, EPOCH_A, TWO_32 + 4), 'OPEN with RECOVER, 2nd time');
    await connection.expect(wire.openPositions(2, 'prices.X', 5), 'prices again');
    await connection.expect(wire.open(3, 'svc'), 'svc again');
    connection.send(wire.refused(3, 403, 'not any more'));
    const closed = await plain.closes.next();
    check(403 === closed.code && 'not any more' === closed.reason && 0 === plain.refusals.items.length,
        'a channel refused on re-open: ' + JSON.stringify(closed));
    ok('a channel refused when re-opened gets onclose(403, reason), not onrefused');

    // GAP on a channel with a position: CLOSE and OPEN with RECOVER on the same id; what the old subscription still
    // sends before OPENED is dropped.
    connection.send(wire.openedAt(1, 2, EPOCH_A, TWO_32 + 4));
    await expectRecovery(trades, { status: 'recovered', epoch: EPOCH_A, offset: TWO_32 + 4, missed: 0,
        cause: 'reconnect' }, 'recovered with nothing missed');
    connection.send(wire.textAt(1, TWO_32 + 5, 'f'));
    await expectMessage(trades, 'f', TWO_32 + 5, 'live');
    connection.send(wire.gap(1, 507, 'dropped'));
    connection.send(wire.textAt(1, TWO_32 + 9, 'stale'));
    await connection.expect(wire.close(1), 'CLOSE after GAP');
    await connection.expect(wire.openRecover(1, 'trades', 0, EPOCH_A, TWO_32 + 5), 'OPEN with RECOVER after GAP');
    check(1 === trades.gaps.length && 507 === trades.gaps[0].code, 'ongap: ' + JSON.stringify(trades.gaps));
    check(Wsmux.Channel.CONNECTING === trades.channel.readyState, 'recovering after GAP: ' +
        trades.channel.readyState);
    connection.send(wire.openedAt(1, 3, EPOCH_B, 7));
    await expectRecovery(trades, { status: 'not-recovered', epoch: EPOCH_B, offset: 7, missed: null, cause: 'gap' },
        'OPENED NOT_RECOVERED after GAP');
    check(EPOCH_B === trades.channel.epoch && 7 === trades.channel.offset, 'position after NOT_RECOVERED');
    connection.send(wire.textAt(1, 8, 'g'));
    await expectMessage(trades, 'g', 8, 'live in the new epoch');
    check(0 === trades.messages.items.length, 'the stale message was delivered');
    ok('GAP: ongap(507), then CLOSE + OPEN RECOVER on id 1, stale message dropped, NOT_RECOVERED reported with ' +
        'the new epoch');

    // A GAP on a channel without a position (no history) only reports.
    connection.send(wire.openedAt(2, 0, '0000000000000000', 0));
    await prices.recoveries.next();
    connection.send(wire.gap(2, 503, 'cluster'));
    await connection.expectNothing(100, 'GAP on a channel without a position');
    check(1 === prices.gaps.length, 'ongap of prices.X');
    ok('GAP on a channel without a position: ongap only');

    // mux.close() while open: onclose once, no reconnect.
    mux.close();
    const close = await mux.expectEvent('close');
    check(1005 === close.arg.code || 1000 === close.arg.code, 'onclose after mux.close(): ' +
        JSON.stringify(close.arg));
    const tradesClose = await trades.closes.next();
    check(Wsmux.Channel.CLOSED === trades.channel.readyState, 'trades after close: ' + JSON.stringify(tradesClose));
    await server.expectNoConnection(300, 'after mux.close()');
    check(false === trades.channel.send('x'), 'send after mux.close()');
    ok('mux.close(): every channel and the client get onclose once; no reconnect');
    await server.close();
}

async function fromAndOldServer(Wsmux)
{
    const server = new FakeServer();
    await server.listening;
    const mux = client(Wsmux, server.url(), { reconnect: FAST });
    const saved = channel(mux, 'trades', { positions: true, from: { epoch: EPOCH_B.toUpperCase(), offset: 41 } });
    let connection = await server.accepted();
    await connection.expect(wire.openRecover(1, 'trades', 0, EPOCH_B, 41), 'OPEN with RECOVER from options.from');
    // A server before the extension: a plain OPENED.
    connection.send(wire.opened(1));
    await expectRecovery(saved, { status: 'no-history', epoch: null, offset: null, missed: null, cause: 'open' },
        'plain OPENED to a positions channel');
    connection.cut();
    connection = await server.accepted();
    await connection.expect(wire.openPositions(1, 'trades', 0), 'OPEN with POSITIONS only after no-history');
    connection.send(wire.openedAt(1, 1, EPOCH_B, 45));
    await expectRecovery(saved, { status: 'fresh', epoch: EPOCH_B, offset: 45, missed: null, cause: 'reconnect' },
        'FRESH after a reconnect without a position');
    mux.close();
    await mux.expectEvent('close');
    await server.close();
}

async function backoff(Wsmux)
{
    const server = new FakeServer();
    await server.listening;

    // Handshakes refused: waits 10, 20, 40, 80, 80, 80 (jitter 0), each waited in full.
    server.refuse = true;
    const mux = client(Wsmux, server.url(), { reconnect: FAST });
    const ch = channel(mux, 'svc');
    const delays = [];
    for (let attempt = 1; attempt <= 6; attempt++)
    {
        const event = await mux.expectEvent('reconnecting');
        check(attempt === event.arg.attempt, 'attempt ' + event.arg.attempt + ', expected ' + attempt);
        delays.push(event.arg.delayMs);
    }
    check('10,20,40,80,80,80' === delays.join(), 'delays ' + delays.join() + ', expected 10,20,40,80,80,80');
    const gaps = server.attemptsMs.slice(1, 7).map((atMs, i) => atMs - server.attemptsMs[i]);
    for (let i = 0; i < 5; i++)
    {
        check(gaps[i] >= delays[i] - 1, 'attempt ' + (i + 2) + ' came ' + gaps[i] + ' ms after the previous, ' +
            'before its wait of ' + delays[i] + ' ms');
    }
    check(Wsmux.Channel.CONNECTING === ch.channel.readyState && 0 === ch.refusals.items.length,
        'a channel waits through refused handshakes');
    ok('refused handshakes: onreconnecting delays ' + delays.join() + ' ms (initial 10, factor 2, max 80), waited ' +
        gaps.join() + ' ms between attempts');

    // Accepted, then closed at once (1001) and 1013: still growing (minUptimeMs not reached); 1008 reconnects too.
    server.refuse = false;
    for (const code of [1001, 1013, 1008])
    {
        const connection = await server.accepted(1000);
        connection.ws.close(code, 'busy');
        const event = await mux.expectEvent('reconnecting');
        check(80 === event.arg.delayMs && code === event.arg.code && 'busy' === event.arg.reason,
            'after a WebSocket closed at once with ' + code + ': ' + JSON.stringify(event.arg));
    }
    ok('WebSockets closed at once (1001, 1013, 1008) reconnect and keep the back-off at its cap: the attempt count ' +
        'resets only after minUptimeMs');
    mux.close();
    await mux.expectEvent('close');
    const refusedAtClose = await ch.refusals.next();
    check(1000 === refusedAtClose.code, 'a channel that never opened gets onrefused at mux.close() while waiting: ' +
        JSON.stringify(refusedAtClose));
    await server.expectNoConnection(200, 'after mux.close() during the wait');
    ok('mux.close() while waiting to reconnect: timer cancelled, onrefused(1000) for the never-opened channel, ' +
        'onclose(1000), no further attempt');

    // Attempts count from 1 again after a WebSocket stayed open minUptimeMs.
    const resetting = client(Wsmux, server.url(), { reconnect: Object.assign({}, FAST, { minUptimeMs: 50 }) });
    let connection = await server.accepted();
    connection.cut();
    await resetting.expectEvent('reconnecting');
    connection = await server.accepted();
    connection.cut();
    const second = await resetting.expectEvent('reconnecting');
    check(2 === second.arg.attempt, 'second attempt after a short-lived WebSocket: ' + JSON.stringify(second.arg));
    connection = await server.accepted();
    await resetting.expectEvent('reconnected');
    await sleep(80);
    connection.cut();
    const third = await resetting.expectEvent('reconnecting');
    check(1 === third.arg.attempt && 10 === third.arg.delayMs, 'after minUptimeMs: ' + JSON.stringify(third.arg));
    resetting.close();
    await resetting.expectEvent('close');
    ok('after a WebSocket stayed open minUptimeMs (50), attempts start again at 1 (10 ms)');

    // Jitter: equal (0.5) within [base/2, base], full (1) within [0, base]; spread, not constant.
    for (const jitter of [0.5, 1])
    {
        const jittery = client(Wsmux, server.url(), { reconnect: { initialDelayMs: 20, maxDelayMs: 20, factor: 1,
            jitter: jitter } });
        const samples = [];
        while (samples.length < 25)
        {
            const accepted = await server.accepted();
            accepted.cut();
            samples.push((await jittery.expectEvent('reconnecting')).arg.delayMs);
        }
        jittery.close();
        await jittery.expectEvent('close');
        const low = 20 * (1 - jitter);
        check(samples.every((delay) => delay >= low && delay <= 20), 'jitter ' + jitter + ': delays outside [' + low +
            ', 20]: ' + samples.join());
        const middle = (low + 20) / 2;
        check(Math.min(...samples) < middle && Math.max(...samples) > middle, 'jitter ' + jitter +
            ' does not spread: ' + samples.join());
        ok('jitter ' + jitter + ': 25 delays within [' + low + ', 20] ms, from ' + Math.min(...samples) + ' to ' +
            Math.max(...samples));
    }

    // Closes that do not reconnect: the server finding fault with the client (1002), and reconnect: false.
    for (const code of [1002, 1003, 1007, 1009])
    {
        const strict = client(Wsmux, server.url(), { reconnect: FAST });
        const svc = channel(strict, 'svc');
        connection = await server.accepted();
        await connection.messages.next();
        connection.send(wire.opened(1));
        await strict.expectEvent('open');
        connection.ws.close(code, 'your fault');
        const done = await strict.expectEvent('close', 'onclose after ' + code);
        check(code === done.arg.code && 'your fault' === done.arg.reason, 'onclose ' + JSON.stringify(done.arg));
        const svcClose = await svc.closes.next();
        check(code === svcClose.code, 'channel onclose ' + JSON.stringify(svcClose));
        await server.expectNoConnection(50, 'after close ' + code);
    }
    ok('closes 1002, 1003, 1007, 1009 from the server end the client (onclose with the code), no reconnect');

    const once = client(Wsmux, server.url(), { reconnect: false });
    const svc = channel(once, 'svc');
    connection = await server.accepted();
    await connection.messages.next();
    connection.send(wire.opened(1));
    await once.expectEvent('open');
    connection.cut();
    const done = await once.expectEvent('close', 'onclose with reconnect: false');
    check(1006 === done.arg.code && 1006 === (await svc.closes.next()).code, 'reconnect: false: ' +
        JSON.stringify(done.arg));
    await server.expectNoConnection(100, 'reconnect: false');
    ok('reconnect: false: a cut closes the client and its channels (1006), as before');
    await server.close();
}

async function textProtocol(Wsmux)
{
    const server = new FakeServer();
    await server.listening;
    const mux = client(Wsmux, server.url(), { protocol: 'text', reconnect: FAST });
    const chat = channel(mux, 'chat room', { positions: true });
    let connection = await server.accepted();
    await connection.expect('sub,chat%20room', 'sub');
    await expectRecovery(chat, { status: 'no-history', epoch: null, offset: null, missed: null, cause: 'open' },
        'text: positions channel');
    connection.send('msg,chat%20room,hello');
    await expectMessage(chat, 'hello', undefined, 'text message');
    connection.cut();
    await mux.expectEvent('reconnecting');
    check(chat.channel.send('while away'), 'text: send while away');
    let threw = false;
    try
    {
        mux.channel('chat room');
    }
    catch (error)
    {
        threw = true;
    }
    check(threw, 'text: a second channel of the same name while away must throw');
    connection = await server.accepted();
    await connection.expect('sub,chat%20room', 'sub again after a reconnect');
    await connection.expect('msg,chat%20room,while away', 'queued message after the sub');
    await expectRecovery(chat, { status: 'no-history', epoch: null, offset: null, missed: null, cause: 'reconnect' },
        'text: positions channel after a reconnect');
    check(2 === chat.opens, 'text: onopen again');
    mux.close();
    await mux.expectEvent('close');
    await server.close();
    ok('text protocol: re-subscribes after a cut, sends what was queued, onrecovery no-history at each sub');
}

// ---- 2. the real server through a proxy that cuts ----

/**
 * A TCP proxy to the server: cut() destroys every connection through it at once; hold = true refuses new ones;
 * stall() stops reading what the server sends (its buffers and then its outbound budget fill), resume() reads again.
 */
function cuttingProxy(targetPort)
{
    const pairs = new Set();
    const proxy = { hold: false, connections: 0 };
    const server = net.createServer((downstream) =>
    {
        if (proxy.hold)
        {
            downstream.destroy();
            return;
        }
        proxy.connections++;
        const upstream = net.connect(targetPort, '127.0.0.1');
        const pair = [downstream, upstream];
        pairs.add(pair);
        const drop = () =>
        {
            pairs.delete(pair);
            downstream.destroy();
            upstream.destroy();
        };
        for (const socket of pair)
        {
            socket.on('error', drop);
            socket.on('close', drop);
            socket.setNoDelay(true);
        }
        downstream.pipe(upstream);
        upstream.pipe(downstream);
    });
    proxy.cut = () =>
    {
        const count = pairs.size;
        for (const pair of Array.from(pairs))
        {
            pair[0].destroy();
            pair[1].destroy();
        }
        pairs.clear();
        return count;
    };
    proxy.stall = () =>
    {
        for (const [downstream, upstream] of pairs)
        {
            upstream.unpipe(downstream);
            upstream.pause();
        }
    };
    proxy.resume = () =>
    {
        for (const [downstream, upstream] of pairs)
        {
            upstream.pipe(downstream);
        }
    };
    proxy.listening = new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
    proxy.close = () => server.close();
    return proxy;
}

async function realServer(Wsmux)
{
    const serverUrl = base.replace(/^http/, 'ws') + muxPath;
    const serverPort = Number(new URL(base).port);
    const proxy = cuttingProxy(serverPort);
    const proxyUrl = 'ws://127.0.0.1:' + (await proxy.listening) + muxPath;

    // The publisher talks to the server directly: publications go on while the subscriber is cut off.
    const publisher = client(Wsmux, serverUrl, { reconnect: false });
    const publish = channel(publisher, 'publish');
    await publisher.expectEvent('open');
    async function publishAll(topic, messages)
    {
        for (const message of messages)
        {
            publish.channel.send(topic + ',' + message);
        }
        for (let i = 0; i < messages.length; i++)
        {
            await expectMessage(publish, 'published', undefined, 'publish reply');
        }
    }

    const bulk = channel(publisher, 'bulk');
    async function publishBulk(topic, from, to, padLength)
    {
        bulk.channel.send([topic, from, to, padLength].join());
        const reply = (await bulk.messages.next()).data;
        check(/^published \d+$/.test(reply), 'bulk publish answered ' + reply);
        return Number(reply.substring('published '.length));
    }

    await exactlyOnceThroughCuts(Wsmux, proxy, proxyUrl, publish, publishAll);
    await gapThroughDrops(Wsmux, proxy, proxyUrl, publishBulk);
    await notRecovered(Wsmux, proxy, proxyUrl, publishAll);
    await textThroughCuts(Wsmux, proxy, proxyUrl, publishAll);

    publisher.close();
    await publisher.expectEvent('close');
    proxy.close();
}

async function exactlyOnceThroughCuts(Wsmux, proxy, proxyUrl, publish, publishAll)
{
    const CUTS = 25;
    const topic = 'history.numbers';
    const mux = client(Wsmux, proxyUrl, { reconnect: { initialDelayMs: 5, maxDelayMs: 40, minUptimeMs: 5000 } });
    const received = [];
    const offsets = [];
    const recoveries = [];
    let opened;
    let onOpen = new Promise((resolve) => (opened = resolve));
    const numbers = mux.channel(topic, {
        positions: true,
        onmessage: (data, offset) =>
        {
            received.push(Number(data));
            offsets.push(offset);
        },
        onrecovery: (recovery) => recoveries.push(recovery),
        onopen: () => opened()
    });
    await withTimeout(onOpen, 'onopen of ' + topic);
    check(1 === recoveries.length && 'fresh' === recoveries[0].status && /^[0-9a-f]{16}$/.test(recoveries[0].epoch) &&
        0 === recoveries[0].offset, 'first open of a new topic with history: ' + JSON.stringify(recoveries[0]));

    // Publish numbered messages steadily while cutting the subscriber's connection, each cut once it is back.
    let published = 0;
    let publishing = true;
    const publisherDone = (async () =>
    {
        while (publishing)
        {
            const batch = [];
            for (let i = 0; i < 10; i++)
            {
                batch.push(String(++published));
            }
            await publishAll(topic, batch);
            await sleep(2);
        }
    })();
    let cuts = 0;
    while (cuts < CUTS)
    {
        onOpen = new Promise((resolve) => (opened = resolve));
        await sleep(10 + Math.floor(Math.random() * 40));
        cuts += proxy.cut() > 0 ? 1 : 0;
        await withTimeout(onOpen, 'channel re-opened after cut ' + cuts);
    }
    await sleep(30);
    publishing = false;
    await publisherDone;
    const last = published;
    await withTimeout((async () =>
    {
        while (received.length < last && received[received.length - 1] !== last)
        {
            await sleep(5);
        }
    })(), 'message ' + last + ' (have ' + received.length + ')', 10000);
    await sleep(100);

    const recovered = recoveries.slice(1);
    check(recovered.length >= CUTS && recovered.every((r) => 'recovered' === r.status && 'reconnect' === r.cause &&
        r.epoch === recoveries[0].epoch), 'every re-open recovered: ' +
        JSON.stringify(recovered.filter((r) => 'recovered' !== r.status)));
    check(received.length === last, 'received ' + received.length + ' messages, published ' + last);
    for (let i = 0; i < last; i++)
    {
        check(i + 1 === received[i], 'message ' + (i + 1) + ' is ' + received[i] + ' (around: ' +
            received.slice(Math.max(0, i - 3), i + 4).join() + ')');
        check(i + 1 === offsets[i], 'message ' + (i + 1) + ' has offset ' + offsets[i]);
    }
    const missed = recovered.reduce((sum, r) => sum + r.missed, 0);
    ok(last + ' numbered messages through ' + cuts + ' cuts (' + proxy.connections + ' connections): each exactly ' +
        'once, in order, offset = number; ' + recovered.length + ' recoveries replayed ' + missed + ' messages');
    check(numbers === numbers && Wsmux.Channel.OPEN === numbers.readyState, 'the channel is open at the end');
    mux.close();
    await mux.expectEvent('close');
}

async function gapThroughDrops(Wsmux, proxy, proxyUrl, publishBulk)
{
    const topic = 'dropped.numbers';
    const startMs = Date.now();
    // Big messages in small batches: few of them fill the buffers, and what one batch loses fits the replay budget.
    const PAD_LENGTH = 8000;
    const BATCH = 20;
    const mux = client(Wsmux, proxyUrl, { reconnect: { initialDelayMs: 5, maxDelayMs: 40 } });
    const received = [];
    const gaps = [];
    const recoveries = new Inbox('onrecovery of ' + topic);
    mux.channel(topic, {
        positions: true,
        onmessage: (data, offset) => received.push({ n: Number(data.substring(0, data.indexOf(','))), offset: offset }),
        ongap: (code, reason) => gaps.push({ code: code, reason: reason }),
        onrecovery: (recovery) => recoveries.push(recovery)
    });
    check('fresh' === (await recoveries.next()).status, 'first open of ' + topic);

    // Stall the subscriber and publish until the server reports a drop (GAP 507 counted).
    const gapsBefore = await publishBulk(topic, 1, 0, 0);
    proxy.stall();
    let published = 0;
    for (let gapsNow = gapsBefore; gapsNow === gapsBefore; published += BATCH)
    {
        check(published < 20000, 'no drop after ' + published + ' publications to a stalled subscriber');
        gapsNow = await publishBulk(topic, published + 1, published + BATCH, PAD_LENGTH);
    }
    proxy.resume();

    const recovery = await recoveries.next(10000);
    check('recovered' === recovery.status && 'gap' === recovery.cause && recovery.missed > 0 &&
        published === recovery.offset, 'after GAP: ' + JSON.stringify(recovery) + ', published ' + published);
    check(1 === gaps.length && 507 === gaps[0].code, 'ongap: ' + JSON.stringify(gaps));
    await withTimeout((async () =>
    {
        while (received.length < published)
        {
            await sleep(5);
        }
    })(), 'message ' + published + ' (have ' + received.length + ')', 10000);
    await sleep(100);
    check(received.length === published, 'received ' + received.length + ' messages, published ' + published);
    for (let i = 0; i < published; i++)
    {
        check(i + 1 === received[i].n && i + 1 === received[i].offset, 'message ' + (i + 1) + ' is ' +
            JSON.stringify(received[i]));
    }
    ok(published + ' messages of 8 KB to a stalled subscriber: the server dropped some, GAP 507, the client ' +
        're-opened with RECOVER and got the ' + recovery.missed + ' after its offset ' + (published - recovery.missed) +
        ': each message exactly once, in order (' + (Date.now() - startMs) + ' ms)');
    mux.close();
    await mux.expectEvent('close');
}

async function notRecovered(Wsmux, proxy, proxyUrl, publishAll)
{
    const topic = 'small.numbers';
    const mux = client(Wsmux, proxyUrl, { reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
    const small = channel(mux, topic, { positions: true });
    const fresh = await small.recoveries.next();
    check('fresh' === fresh.status, 'fresh: ' + JSON.stringify(fresh));
    await publishAll(topic, ['1', '2']);
    await expectMessage(small, '1', 1, 'small.numbers 1');
    await expectMessage(small, '2', 2, 'small.numbers 2');
    proxy.hold = true;
    proxy.cut();
    await mux.expectEvent('reconnecting');
    await publishAll(topic, ['3', '4', '5', '6', '7', '8', '9', '10']);
    await mux.expectEvent('reconnecting', 'a second attempt, refused by the proxy');
    proxy.hold = false;
    await mux.expectEvent('reconnected');
    const after = await small.recoveries.next();
    check('not-recovered' === after.status && fresh.epoch === after.epoch && 10 === after.offset &&
        10 === small.channel.offset, 'after 8 publications past a history of 5: ' + JSON.stringify(after));
    check(0 === small.messages.items.length, 'not-recovered replayed ' + small.messages.items.length);
    await publishAll(topic, ['11']);
    await expectMessage(small, '11', 11, 'live after not-recovered');
    ok('8 publications while away from a topic with a history of 5: not-recovered at offset 10, nothing replayed, ' +
        'then live at 11');
    mux.close();
    await mux.expectEvent('close');
}

async function textThroughCuts(Wsmux, proxy, proxyUrl, publishAll)
{
    const topic = 'plain.text';
    const mux = client(Wsmux, proxyUrl, { protocol: 'text', reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
    const plain = channel(mux, topic, { positions: true });
    await mux.expectEvent('open');
    for (let cut = 1; cut <= 3; cut++)
    {
        const recovery = await plain.recoveries.next();
        check('no-history' === recovery.status, 'text: ' + JSON.stringify(recovery));
        // The sub and the publications travel on different connections: publish until one arrives.
        let message = null;
        for (let probe = 0; null === message; probe++)
        {
            check(probe < 100, 'text protocol: nothing after the re-subscription ' + cut);
            await publishAll(topic, ['cut ' + cut + ' probe ' + probe]);
            message = await plain.messages.next(50).catch(() => null);
        }
        check(message.data.startsWith('cut ' + cut + ' probe ') && undefined === message.offset,
            'text protocol, live: ' + JSON.stringify(message));
        proxy.cut();
        await mux.expectEvent('reconnected');
    }
    ok('text protocol through 3 cuts: re-subscribed each time (onrecovery no-history), live again');
    mux.close();
    await mux.expectEvent('close');
}

async function run()
{
    const Wsmux = await loadClient();
    await positionsAndReconnect(Wsmux);
    await fromAndOldServer(Wsmux);
    ok('options.from: the first OPEN recovers from it; a plain OPENED (older server) means no-history and the next ' +
        'OPEN asks for POSITIONS only');
    await backoff(Wsmux);
    await textProtocol(Wsmux);
    if (muxPath)
    {
        await realServer(Wsmux);
    }
    clearTimeout(safety);
    ok('all checks passed' + (muxPath ? '' : ' (fake server only)'));
    process.exit(0);
}

run().catch(fail);
