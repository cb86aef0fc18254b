'use strict';

// The real websocket-multiplex 0.1.0 client over Node's `ws` against wsmux's embedding example
// (io.wsmux.demo.EmbedExample): a token check at the upgrade and identity-based channel authorization. Run by
// EmbedExampleTest:
//   node auth-client.js ws://127.0.0.1:<port>/mux
// The server knows the tokens `alice-token` (admin) and `bob-token` (not admin); its `whoami` and `admin.console`
// services greet each channel with "hello <user>"; `admin.*` channels are for admins only.
// Prints one line per check; exits 0 when every check passed, non-zero with a message on the first failure or after
// a 20 s safety timeout.

const WebSocket = require('ws');
const { urlArgument, fail, ok, safetyTimeout, withTimeout: stepTimeout, loadWebSocketMultiplex } = require('./harness');

const SAFETY_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 5000;

const url = urlArgument('auth-client.js');
const safety = safetyTimeout(SAFETY_TIMEOUT_MS);
const WebSocketMultiplex = loadWebSocketMultiplex();

function withTimeout(promise, what)
{
    return stepTimeout(promise, what, STEP_TIMEOUT_MS);
}

// The first message or the close of a websocket-multiplex channel, whichever comes first.
function firstEvent(channel)
{
    return new Promise((resolve) =>
    {
        channel.addEventListener('message', (event) => resolve('message ' + event.data));
        channel.addEventListener('close', () => resolve('close'));
    });
}

function open(target, options)
{
    const ws = new WebSocket(target, options);
    ws.on('error', fail);
    ws.on('unexpected-response', (request, response) => fail(new Error('handshake answered ' + response.statusCode)));
    return ws;
}

async function expectChannel(multiplexer, name, expected)
{
    const actual = await withTimeout(firstEvent(multiplexer.channel(name)), 'answer on ' + name);
    if (expected !== actual)
    {
        throw new Error(name + ': got ' + JSON.stringify(actual) + ', expected ' + JSON.stringify(expected));
    }
}

function closeAll(sockets)
{
    const closed = Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    sockets.forEach((socket) => socket.close(1000, 'done'));
    return withTimeout(closed, 'close replies');
}

async function run()
{
    // bob by query token: whoami greets him by name (the identity seen by the service); admin.* is refused (uns).
    const bob = open(url + '?token=bob-token');
    const bobMux = new WebSocketMultiplex(bob);
    await expectChannel(bobMux, 'whoami', 'message hello bob');
    ok('?token=bob-token: whoami says hello bob');
    await expectChannel(bobMux, 'admin.console', 'close');
    ok('bob is refused admin.console (uns)');

    // alice by cookie (a header set by the client): admin.console opens for her.
    const alice = open(url, { headers: { Cookie: 'theme=dark; token=alice-token' } });
    const aliceMux = new WebSocketMultiplex(alice);
    await expectChannel(aliceMux, 'admin.console', 'message hello alice');
    ok('Cookie token=alice-token: admin.console says hello alice');

    // No token: the upgrade is answered 401 with the hook's reason.
    const refused = await withTimeout(new Promise((resolve, reject) =>
    {
        const ws = new WebSocket(url + '?token=nobody');
        ws.on('open', () => reject(new Error('opened without a valid token')));
        ws.on('error', () => {});
        ws.on('unexpected-response', (request, response) =>
        {
            let body = '';
            response.on('data', (chunk) => body += chunk);
            response.on('end', () => resolve({ status: response.statusCode, body: body }));
        });
    }), '401 answer');
    if (401 !== refused.status || !refused.body.includes('a valid token is required'))
    {
        throw new Error('without a valid token: got ' + refused.status + ' ' + JSON.stringify(refused.body));
    }
    ok('an unknown token is answered 401 "a valid token is required"');

    await closeAll([bob, alice]);
    clearTimeout(safety);
    ok('all checks passed');
    process.exit(0);
}

run().catch(fail);
