'use strict';

// The real websocket-multiplex 0.1.0 client over Node's `ws`, in the demo's chat room on one node of a cluster, while
// the Java MuxClient is in the same room on another node. Run by DemoClusterIntegrationTest:
//   node cluster-chat.js ws://127.0.0.1:<port of node a>/mux <count>
// Joins `chat` (a topic its members publish to), expects the welcome, says hello, expects its own hello back (it went
// through the topic), then the Java client's answer "hello from java", then sends <count> numbered messages and
// expects each back once and in order, and nothing else.
// Prints one line per check; exits 0 when every check passed, non-zero with a message on the first failure or after
// a 25 s safety timeout.

const WebSocket = require('ws');
const { urlArgument, fail, ok, safetyTimeout, withTimeout: stepTimeout, loadWebSocketMultiplex } = require('./harness');

const SAFETY_TIMEOUT_MS = 25000;
const STEP_TIMEOUT_MS = 10000;

const url = urlArgument('cluster-chat.js');
const count = parseInt(process.argv[3] || '50', 10);
const safety = safetyTimeout(SAFETY_TIMEOUT_MS);
const WebSocketMultiplex = loadWebSocketMultiplex();

const inbox = [];
const waiters = [];

function next(what)
{
    if (inbox.length > 0)
    {
        return Promise.resolve(inbox.shift());
    }
    return stepTimeout(new Promise((resolve) => waiters.push(resolve)), what, STEP_TIMEOUT_MS);
}

async function expectMessage(expected, what)
{
    const actual = await next(what);
    if (expected !== actual)
    {
        throw new Error(what + ': got ' + JSON.stringify(actual) + ', expected ' + JSON.stringify(expected));
    }
}

async function run()
{
    const ws = new WebSocket(url);
    ws.on('error', fail);
    ws.on('close', (code, reason) =>
    {
        if (!ws.closingOnPurpose)
        {
            fail(new Error('the server closed the WebSocket: ' + code + ' ' + reason.toString('utf8')));
        }
    });
    const chat = new WebSocketMultiplex(ws).channel('chat');
    chat.addEventListener('message', (event) =>
    {
        const waiter = waiters.shift();
        if (waiter)
        {
            waiter(event.data);
        }
        else
        {
            inbox.push(event.data);
        }
    });
    await expectMessage('{"system":"welcome to the room"}', 'welcome');
    ok('joined the chat room (text protocol)');

    const hello = JSON.stringify({ from: 'npm', text: 'hello from npm' });
    chat.send(hello);
    await expectMessage(hello, 'own hello through the topic');
    const answer = JSON.parse(await next('the Java client\'s answer from the other node'));
    if ('java' !== answer.from || 'hello from java' !== answer.text)
    {
        throw new Error('expected the Java client\'s answer, got ' + JSON.stringify(answer));
    }
    ok('the Java client on the other node answered');

    for (let i = 0; i < count; i++)
    {
        chat.send(JSON.stringify({ from: 'npm', text: 'n' + i }));
    }
    for (let i = 0; i < count; i++)
    {
        await expectMessage(JSON.stringify({ from: 'npm', text: 'n' + i }), 'message ' + i);
    }
    ok(count + ' messages back once each, in order');

    const done = JSON.parse(await next('the Java client\'s last word'));
    if ('java' !== done.from || 'got ' + count !== done.text)
    {
        throw new Error('expected the Java client to confirm ' + count + ' messages, got ' + JSON.stringify(done));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (inbox.length > 0)
    {
        throw new Error('unexpected messages: ' + JSON.stringify(inbox));
    }
    ok('the Java client got them all; nothing else arrived');

    ws.closingOnPurpose = true;
    ws.close(1000, 'chat done');
    clearTimeout(safety);
    ok('all checks passed');
    process.exit(0);
}

run().catch(fail);
