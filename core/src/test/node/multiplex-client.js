'use strict';

// The real websocket-multiplex 0.1.0 client (the SockJS one, multiplex_client.js) over Node's `ws`, against a wsmux
// multiplexed endpoint speaking the text protocol. Run by NodeMuxClientsIntegrationTest:
//   node multiplex-client.js ws://127.0.0.1:<port>/mux
// The server must offer: service `echo` (echoes), service `chat room` (says "welcome" on open, then broadcasts every
// message to all its channels), service `publish` ("<topic>,<message>" publishes <message> to <topic> and answers
// "published"), topics under `prices.`, nothing under `nowhere`.
// Prints one line per check; exits 0 when every check passed, non-zero with a message on the first failure or after
// a 20 s safety timeout.

const WebSocket = require('ws');
const { urlArgument, fail, ok, safetyTimeout, withTimeout: stepTimeout, loadWebSocketMultiplex } = require('./harness');

const SAFETY_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 5000;

const url = urlArgument('multiplex-client.js');
const safety = safetyTimeout(SAFETY_TIMEOUT_MS);
const WebSocketMultiplex = loadWebSocketMultiplex();

function withTimeout(promise, what)
{
    return stepTimeout(promise, what, STEP_TIMEOUT_MS);
}

// Records what one websocket-multiplex channel emits: its messages in order, its open and its close.
function watch(channel, label)
{
    const watched = { channel: channel, label: label, inbox: [], waiters: [], opened: null, closed: null };
    watched.opened = new Promise((resolve) => channel.addEventListener('open', resolve));
    watched.closed = new Promise((resolve) => channel.addEventListener('close', resolve));
    channel.addEventListener('message', (event) =>
    {
        const waiter = watched.waiters.shift();
        if (waiter)
        {
            waiter(event.data);
        }
        else
        {
            watched.inbox.push(event.data);
        }
    });
    return watched;
}

function next(watched, what)
{
    if (watched.inbox.length > 0)
    {
        return Promise.resolve(watched.inbox.shift());
    }
    return withTimeout(new Promise((resolve) => watched.waiters.push(resolve)), what + ' on ' + watched.label);
}

async function expectMessage(watched, expected, what)
{
    const actual = await next(watched, what);
    if (expected !== actual)
    {
        throw new Error(what + ' on ' + watched.label + ': got ' + JSON.stringify(actual) + ', expected ' +
            JSON.stringify(expected));
    }
}

function connect()
{
    const ws = new WebSocket(url);
    ws.on('error', fail);
    ws.on('unexpected-response', (request, response) => fail(new Error('handshake answered ' + response.statusCode)));
    ws.on('close', (code, reason) =>
    {
        if (!ws.closingOnPurpose)
        {
            fail(new Error('the server closed the WebSocket: ' + code + ' ' + reason.toString('utf8')));
        }
    });
    return ws;
}

async function run()
{
    // Socket A: four channels asked for before the socket opens (the client sends their subs on open).
    const ws = connect();
    const multiplexer = new WebSocketMultiplex(ws);
    const echo = watch(multiplexer.channel('echo'), 'echo');
    const chat = watch(multiplexer.channel('chat room'), 'chat room');
    const prices = watch(multiplexer.channel('prices.EURUSD'), 'prices.EURUSD');
    const publish = watch(multiplexer.channel('publish'), 'publish');
    await withTimeout(Promise.all([echo.opened, chat.opened, prices.opened, publish.opened]), 'channel opens');
    if ('' !== ws.protocol)
    {
        throw new Error('no subprotocol asked for, yet the server chose ' + ws.protocol);
    }
    ok('four channels open on one WebSocket (text protocol)');

    // echo: payloads with commas survive (the client splits on ',' and joins again; the server must not split).
    for (const payload of ['hello, world,with,commas', 'a,,b,', ',', '', 'caf\u00e9 \u2713 \u65e5\u672c \uD83D\uDE80'])
    {
        echo.channel.send(payload);
        await expectMessage(echo, payload, 'echo of ' + JSON.stringify(payload));
    }
    ok('echo returns payloads with commas, empty and multi-byte payloads');

    // chat room: its name has a space, so it is `chat%20room` on the wire. The welcome is sent from the service's
    // onOpen, so once B has it, B is a member and sees A's message (no race between the two sockets).
    await expectMessage(chat, 'welcome', 'welcome');
    const wsB = connect();
    const chatB = watch(new WebSocketMultiplex(wsB).channel('chat room'), 'chat room (B)');
    await expectMessage(chatB, 'welcome', 'welcome');
    chat.channel.send('hi, from A');
    await expectMessage(chat, 'hi, from A', 'broadcast');
    await expectMessage(chatB, 'hi, from A', 'broadcast');
    ok("'chat room' (escaped name) broadcasts to both sockets");

    // prices.EURUSD: the sub went out before this message on the same socket, so the server has the subscription
    // when the publish service publishes.
    publish.channel.send('prices.EURUSD,EURUSD,1.08412,1.08415,1');
    await expectMessage(publish, 'published', 'publish reply');
    await expectMessage(prices, 'EURUSD,1.08412,1.08415,1', 'publication');
    publish.channel.send('prices.EURUSD,EURUSD,1.08413,1.08416,2');
    await expectMessage(publish, 'published', 'publish reply');
    await expectMessage(prices, 'EURUSD,1.08413,1.08416,2', 'publication');
    ok('topic prices.EURUSD delivers publications with commas, in order');

    // A name the server does not serve is answered uns: the client emits close; the socket stays open.
    const nowhere = watch(multiplexer.channel('nowhere'), 'nowhere');
    await withTimeout(nowhere.closed, 'close (uns) of an unknown channel');
    ok('unknown channel answered with uns (close event)');

    // Close echo: the others keep working; a message sent on the closed name is ignored by the server.
    echo.channel.close();
    await withTimeout(echo.closed, 'close of echo');
    ws.send('msg,echo,sent after uns');
    chat.channel.send('still here');
    await expectMessage(chat, 'still here', 'broadcast after closing echo');
    await expectMessage(chatB, 'still here', 'broadcast after closing echo');
    publish.channel.send('prices.EURUSD,EURUSD,1.08414,1.08417,3');
    await expectMessage(publish, 'published', 'publish reply');
    await expectMessage(prices, 'EURUSD,1.08414,1.08417,3', 'publication after closing echo');
    ok('closing echo leaves chat room, publish and prices.EURUSD working');

    // Reopen echo: the first echo must be of the new message, not of the one sent after uns.
    const echoAgain = watch(multiplexer.channel('echo'), 'echo (reopened)');
    await withTimeout(echoAgain.opened, 'reopen of echo');
    echoAgain.channel.send('again');
    await expectMessage(echoAgain, 'again', 'echo after reopening');
    ok('echo reopens; the message sent while it was closed was ignored');

    if (echo.inbox.length + chat.inbox.length + chatB.inbox.length + prices.inbox.length + publish.inbox.length +
        echoAgain.inbox.length > 0)
    {
        throw new Error('unexpected messages left over');
    }

    const closed = Promise.all([ws, wsB].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    ws.closingOnPurpose = true;
    wsB.closingOnPurpose = true;
    ws.close(1000, 'multiplex done');
    wsB.close(1000, 'multiplex done');
    await withTimeout(closed, 'close replies');
    clearTimeout(safety);
    ok('all checks passed');
    process.exit(0);
}

run().catch(fail);
