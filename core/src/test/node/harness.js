'use strict';

// What every Node test peer shares: the URL argument, a safety timeout, one line per check, a timeout per step, and
// the websocket-multiplex browser client loaded as is.

const fs = require('fs');
const vm = require('vm');

/**
 * The URL from the command line, or exit 2 with a usage line.
 */
function urlArgument(script)
{
    const url = process.argv[2];
    if (!url)
    {
        console.error('usage: node ' + script + ' ws://host:port/path');
        process.exit(2);
    }
    return url;
}

function fail(error)
{
    console.error('FAIL: ' + (error && error.stack ? error.stack : error));
    process.exit(1);
}

function ok(check)
{
    console.log('ok ' + check);
}

/**
 * Fail if the script is not done within timeoutMs; returns the timer, to clear when done.
 */
function safetyTimeout(timeoutMs)
{
    return setTimeout(() => fail(new Error('safety timeout: not done after ' + timeoutMs + ' ms')), timeoutMs);
}

/**
 * The promise's value, or a rejection naming what did not come within timeoutMs.
 */
function withTimeout(promise, what, timeoutMs)
{
    return new Promise((resolve, reject) =>
    {
        const timer = setTimeout(() => reject(new Error('no ' + what + ' within ' + timeoutMs + ' ms')), timeoutMs);
        promise.then((value) =>
        {
            clearTimeout(timer);
            resolve(value);
        }, reject);
    });
}

/**
 * websocket-multiplex's multiplex_client.js is a browser script, not a module: it declares a global
 * WebSocketMultiplex. Run it as is and return that constructor.
 */
function loadWebSocketMultiplex()
{
    const clientFile = require.resolve('websocket-multiplex/multiplex_client.js');
    return vm.runInThisContext(fs.readFileSync(clientFile, 'utf8') + '\nWebSocketMultiplex;', { filename: clientFile });
}

module.exports = { urlArgument, fail, ok, safetyTimeout, withTimeout, loadWebSocketMultiplex };
