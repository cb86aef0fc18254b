'use strict';

// Interop check of a wsmux echo server with Node's `ws` client, run by NodeWsInteropIntegrationTest:
//   node echo-client.js ws://127.0.0.1:<port>/node [plain|deflate]
//   node echo-client.js wss://localhost:<tls port>/node tls <ca.pem>
// plain: the server has compression off and must decline ws's permessage-deflate offer.
// deflate: the server must agree (server_no_context_takeover and client_no_context_takeover in its answer); ws then
// compresses every message it sends (threshold 0), and the server's compressed echoes must inflate to the same bytes.
// tls: as deflate, over wss://, trusting only the test CA given (Node checks the certificate and the host name).
// Prints one line per check; exits 0 when every check passed, non-zero with a message on the first failure or
// after a 20 s safety timeout.

const crypto = require('crypto');
const WebSocket = require('ws');
const { urlArgument, fail, ok, safetyTimeout, withTimeout: stepTimeout } = require('./harness');

const SAFETY_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 10000;
const MIB = 1024 * 1024;

const url = urlArgument('echo-client.js');
const safety = safetyTimeout(SAFETY_TIMEOUT_MS);

const mode = process.argv[3] || 'plain';
if ('plain' !== mode && 'deflate' !== mode && 'tls' !== mode)
{
    console.error('usage: node echo-client.js ws://host:port/path [plain|deflate] | wss://host:port/path tls ca.pem');
    process.exit(2);
}
// ws offers permessage-deflate by default ("permessage-deflate; client_max_window_bits").
const options = 'plain' === mode ? {} : { perMessageDeflate: { threshold: 0 } };
if ('tls' === mode)
{
    options.ca = require('fs').readFileSync(process.argv[4]);
}
const ws = new WebSocket(url, options);
const inbox = [];
const waiters = [];
let closing = false;
let closeEvent = null;
const closeWaiters = [];

ws.on('message', (data, isBinary) => deliver({ data: data, isBinary: isBinary }));
ws.on('error', fail);
ws.on('unexpected-response', (request, response) => fail(new Error('handshake answered ' + response.statusCode)));
ws.on('close', (code, reason) =>
{
    closeEvent = { code: code, reason: reason.toString('utf8') };
    if (!closing)
    {
        fail(new Error('the server closed the connection: code ' + code + ' reason "' + closeEvent.reason + '"'));
    }
    closeWaiters.splice(0).forEach((resolve) => resolve(closeEvent));
});

function deliver(message)
{
    const waiter = waiters.shift();
    if (waiter)
    {
        waiter(message);
    }
    else
    {
        inbox.push(message);
    }
}

function withTimeout(promise, what)
{
    return stepTimeout(promise, what, STEP_TIMEOUT_MS);
}

function nextMessage(what)
{
    if (inbox.length > 0)
    {
        return Promise.resolve(inbox.shift());
    }
    return withTimeout(new Promise((resolve) => waiters.push(resolve)), what);
}

function send(data, options)
{
    return new Promise((resolve, reject) => ws.send(data, options, (error) => (error ? reject(error) : resolve())));
}

function sameBytes(expected, actual, what)
{
    if (!Buffer.isBuffer(actual))
    {
        throw new Error(what + ': expected a Buffer, got ' + typeof actual);
    }
    if (expected.length !== actual.length)
    {
        throw new Error(what + ': length ' + actual.length + ', expected ' + expected.length);
    }
    if (!expected.equals(actual))
    {
        const index = expected.findIndex((value, i) => value !== actual[i]);
        throw new Error(what + ': differs at byte ' + index);
    }
}

async function echoText(text, what)
{
    await send(text, { binary: false });
    const message = await nextMessage('echo of ' + what);
    if (message.isBinary)
    {
        throw new Error(what + ': echo came back binary');
    }
    sameBytes(Buffer.from(text, 'utf8'), message.data, what);
    ok(what + ' (' + Buffer.byteLength(text, 'utf8') + ' bytes)');
}

async function echoBinary(bytes, what)
{
    await send(bytes, { binary: true });
    const message = await nextMessage('echo of ' + what);
    if (!message.isBinary)
    {
        throw new Error(what + ': echo came back as text');
    }
    sameBytes(bytes, message.data, what);
    ok(what + ' (' + bytes.length + ' bytes)');
}

async function pingPong(payload)
{
    const pong = withTimeout(new Promise((resolve) => ws.once('pong', resolve)), 'pong');
    ws.ping(payload);
    sameBytes(payload, await pong, 'pong payload');
    ok('ping answered by pong with the same ' + payload.length + ' byte payload');
}

function largeText(byteLength)
{
    const pieces = ['a', 'Z', ' ', '0', '\u00e9', '\u2713', '\u65e5', '\uD83D\uDE80'];
    const parts = [];
    let length = 0;
    for (let i = 0; length < byteLength; i++)
    {
        const piece = pieces[(i * 7 + (i >> 3)) % pieces.length];
        parts.push(piece);
        length += Buffer.byteLength(piece, 'utf8');
    }
    return parts.join('');
}

async function run()
{
    await withTimeout(new Promise((resolve) => ws.once('open', resolve)), 'open');
    if ('plain' === mode)
    {
        if ('' !== ws.extensions)
        {
            throw new Error('the server agreed to an extension with compression off: ' + ws.extensions);
        }
        ok('open (no extension negotiated)');
    }
    else
    {
        // ws.extensions names the extension; the parameters ws accepted are on its extension object.
        const extension = ws._extensions && ws._extensions['permessage-deflate'];
        const params = extension ? extension.params : null;
        if ('permessage-deflate' !== ws.extensions || !params || true !== params.server_no_context_takeover ||
            true !== params.client_no_context_takeover)
        {
            throw new Error('expected permessage-deflate with no context takeover either way, got: ' +
                ws.extensions + ' ' + JSON.stringify(params));
        }
        ok('open (negotiated: ' + ws.extensions + ' ' + JSON.stringify(params) + ')');
    }

    await echoText('hello wsmux', 'ascii text');
    await echoText('h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \uD83D\uDE80', 'multi-byte text');
    await echoText('', 'empty text');

    const allValues = Buffer.alloc(256);
    for (let i = 0; i < allValues.length; i++)
    {
        allValues[i] = i;
    }
    await echoBinary(allValues, 'binary');
    await echoBinary(crypto.randomBytes(MIB), '1 MiB binary');
    await echoText(largeText(MIB), '1 MiB text');
    // Compressible: market-data-like lines, long enough for the server to compress its echo.
    const ticks = [];
    for (let i = 0; i < 200; i++)
    {
        ticks.push('{"sym":"EURUSD","bid":1.08' + (400 + i % 37) + ',"ask":1.08' + (410 + i % 41) + ',"seq":' + i + '}');
    }
    for (let i = 0; i < 20; i++)
    {
        await echoText(ticks.slice(0, 1 + i * 10).join('\n'), 'ticks ' + i);
    }
    await echoBinary(Buffer.from(ticks.join('\n').repeat(20), 'utf8'), 'compressible binary');

    await pingPong(Buffer.from('ping \u2713 payload', 'utf8'));
    await pingPong(crypto.randomBytes(125));

    const closed = closeEvent ? Promise.resolve(closeEvent) :
        withTimeout(new Promise((resolve) => closeWaiters.push(resolve)), 'close reply');
    closing = true;
    ws.close(1000, 'node done');
    const reply = await closed;
    if (1000 !== reply.code)
    {
        throw new Error('close reply code ' + reply.code + ' (' + reply.reason + '), expected 1000');
    }
    ok('close 1000 answered with ' + reply.code);

    if (inbox.length > 0)
    {
        throw new Error(inbox.length + ' unexpected messages left over');
    }
    clearTimeout(safety);
    ok('all checks passed');
    process.exit(0);
}

run().catch(fail);
