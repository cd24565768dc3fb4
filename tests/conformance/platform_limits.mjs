#!/usr/bin/env node
// Shows the platform behaviours that docs/conformance.md gives as the reason
// for the suite's tests freshet cannot pass. Each check runs a minimal
// worker (no freshet code) in workerd through Miniflare, like the
// conformance run, against a small origin on 127.0.0.1:
//
//   node tests/conformance/platform_limits.mjs
//
// 1. workerd answers a request with an unknown method (M-SEARCH) itself with
//    501 before any worker code runs.
// 2. workerd's fetch() rejects an origin response with an unknown
//    Transfer-Encoding, so no worker can receive it.
// 3. For a client that accepts gzip (the suite's node-fetch does), the
//    front line compresses text/* responses and drops Content-Length,
//    whatever the worker set.
// 4. workerd's fetch() does not read past interim responses (RFC 9110
//    15.2): an origin that sends 103 Early Hints (or 102 Processing) before
//    its final answer makes fetch() resolve with the 1xx status, and the
//    final response's status line, fields and framed body arrive raw as
//    that response's body, which ends only when the origin closes the
//    connection. (freshet reads the final response out of it:
//    worker/interim.js.)

import http from 'node:http';
import net from 'node:net';
import { Miniflare } from 'miniflare';

async function main() {
  const origin = http.createServer((req, res) => {
    if (req.url === '/interim') {
      res.writeEarlyHints({ link: '</s.css>; rel=preload' });
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
      res.end('final');
      return;
    }
    if (req.url === '/te') {
      // Raw response with an unknown transfer-coding (as the suite's test).
      res.socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: ARIZQHYPGXOFWNE\r\nContent-Type: text/plain\r\n\r\nbody');
      res.socket.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' });
    res.end('0123456789');
  });
  await new Promise((r) => origin.listen(0, '127.0.0.1', r));
  const o = `http://127.0.0.1:${origin.address().port}`;
  const mf = new Miniflare({
    modules: true,
    cf: false,
    compatibilityDate: '2026-04-01',
    host: '127.0.0.1',
    port: 0,
    script: `export default { async fetch(req) {
      const u = new URL(req.url);
      let seen = 'worker saw ' + req.method;
      if (u.pathname === '/te') {
        try { const r = await fetch('${o}/te'); return new Response('fetch resolved ' + r.status); }
        catch (e) { return new Response('fetch() threw: ' + e.message, { status: 502 }); }
      }
      if (u.pathname === '/interim') {
        const r = await fetch('${o}/interim');
        const reader = r.body.getReader();
        const first = await reader.read();
        reader.cancel();
        return new Response('fetch() resolved with ' + r.status + ', link: ' + r.headers.get('link') +
          '; its body starts ' + JSON.stringify(new TextDecoder().decode(first.value).slice(0, 40)));
      }
      if (u.pathname === '/cl') {
        const r = await fetch('${o}/cl');
        return new Response(r.body, { headers: { 'content-type': 'text/plain', 'content-length': r.headers.get('content-length') } });
      }
      return new Response(seen);
    } }`,
  });
  const base = await mf.ready;
  try {
    // 1. M-SEARCH (raw HTTP: fetch() clients refuse unusual methods themselves).
    const raw = await new Promise((resolve, reject) => {
      const s = net.connect(Number(base.port), '127.0.0.1', () => {
        s.write(`M-SEARCH /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`);
      });
      let data = '';
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    const status = raw.split('\r\n')[0];
    const body = raw.split('\r\n\r\n')[1] ?? '';
    console.log(`1. M-SEARCH -> ${status}; body: ${JSON.stringify(body.trim())} (the worker would have answered "worker saw M-SEARCH")`);

    // 2. Unknown Transfer-Encoding from the origin.
    const te = await fetch(new URL('/te', base));
    console.log(`2. origin with Transfer-Encoding: ARIZQHYPGXOFWNE -> ${te.status} ${await te.text()}`);

    // 3. Content-Length under compression.
    for (const ae of ['identity', 'gzip, deflate']) {
      const r = await fetch(new URL('/cl', base), { headers: { 'accept-encoding': ae } });
      await r.arrayBuffer();
      console.log(`3. Accept-Encoding: ${ae} -> content-length: ${r.headers.get('content-length')}, content-encoding: ${r.headers.get('content-encoding')}`);
    }

    // 4. An interim response before the final one.
    const interim = await fetch(new URL('/interim', base));
    console.log(`4. origin with 103 Early Hints, then 200 -> ${await interim.text()}`);
  } finally {
    await mf.dispose();
    origin.closeAllConnections?.();
    origin.close();
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
