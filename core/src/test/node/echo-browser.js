// permessage-deflate between headless Chromium and the echo server (java -jar wsmux.jar --mode echo).
// Usage: node echo-browser.js ws://127.0.0.1:<port>/path
// Checks, from a page's own WebSocket: the extension the server agreed to (WebSocket.extensions), then echoes of
// small and large, text and binary, compressible and random messages (Chromium compresses what it sends, the
// server compresses its echoes of 128 bytes or more), each equal to what was sent. Exits 0 on success.
'use strict';

const { chromium } = require('playwright-core');

const url = process.argv[2];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

async function main()
{
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    try
    {
        const page = await browser.newPage();
        const result = await page.evaluate(async (target) =>
        {
            function ticks(size)
            {
                let text = '';
                for (let i = 0; text.length < size; i++)
                {
                    text += '{"s":"EURUSD","b":1.08' + (400 + i % 37) + ',"a":1.08' + (410 + i % 41) + ',"n":' + i + '}';
                }
                return text.substring(0, size);
            }
            const socket = new WebSocket(target);
            socket.binaryType = 'arraybuffer';
            const inbox = [];
            let waiter = null;
            socket.onmessage = (event) =>
            {
                if (waiter)
                {
                    const resolve = waiter;
                    waiter = null;
                    resolve(event.data);
                }
                else
                {
                    inbox.push(event.data);
                }
            };
            await new Promise((resolve, reject) =>
            {
                socket.onopen = resolve;
                socket.onerror = () => reject(new Error('WebSocket error'));
            });
            const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) :
                new Promise((resolve) => { waiter = resolve; }));
            const checks = [];
            for (const size of [5, 127, 128, 1000, 20000, 300000])
            {
                const text = ticks(size);
                socket.send(text);
                const echo = await next();
                checks.push({ what: 'text ' + size, ok: echo === text });
                const bytes = new Uint8Array(size);
                for (let i = 0; i < size; i++)
                {
                    bytes[i] = 0 === size % 2 ? (i * 7919) % 251 : text.charCodeAt(i);
                }
                socket.send(bytes);
                const back = new Uint8Array(await next());
                checks.push({ what: 'binary ' + size, ok: back.length === size && back.every((b, i) => b === bytes[i]) });
            }
            const extensions = socket.extensions;
            socket.close(1000, 'done');
            return { extensions: extensions, checks: checks };
        }, url);
        if (!/^permessage-deflate(;|$)/.test(result.extensions))
        {
            throw new Error('Chromium did not negotiate permessage-deflate: "' + result.extensions + '"');
        }
        console.log('ok negotiated: ' + result.extensions);
        for (const check of result.checks)
        {
            if (!check.ok)
            {
                throw new Error('echo differs: ' + check.what);
            }
            console.log('ok echo ' + check.what);
        }
    }
    finally
    {
        await browser.close();
    }
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
    process.exit(0);
}).catch((error) =>
{
    console.error('FAIL: ' + (error && error.stack ? error.stack : error));
    process.exit(1);
});
