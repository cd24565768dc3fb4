// Request coalescing (worker/coalesce.js): the mechanism in Node, then the
// real worker in workerd with a slow origin and many concurrent misses.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCoalescer } from '../../worker/coalesce.js';
import { assertServed, herd, startOrigin, startWorker, stopAll } from './helpers.js';

function memoryCache() {
  const entries = new Map();
  return {
    entries,
    async match(req) {
      const e = entries.get(req.url);
      return e ? new Response(e.body, { status: e.status, headers: e.headers }) : undefined;
    },
    async put(req, resp) {
      entries.set(req.url, { status: resp.status, headers: resp.headers, body: await resp.arrayBuffer() });
    },
    async delete(req) {
      return entries.delete(req.url);
    },
  };
}

describe('coalescer', () => {
  test('one leader per key, followers wait and learn whether it stored', async () => {
    const mem = memoryCache();
    const c = createCoalescer(() => mem);
    let leads = 0;
    const lead = async () => {
      leads++;
      await new Promise((r) => setTimeout(r, 20));
      c.cache.put(new Request('https://k/a'), new Response('body-a', { headers: { 'x-m': '1' } }));
      return 'leader';
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => c.run('https://k/a', lead, (shared) => (shared ? 'shared' : 'own'))));
    assert.equal(leads, 1);
    assert.equal(results.filter((r) => r === 'leader').length, 1);
    assert.equal(results.filter((r) => r === 'shared').length, 19);
    assert.equal(c.inFlight(), 0);
  });

  test('a leader that stores nothing lets the followers fetch for themselves', async () => {
    const c = createCoalescer(() => memoryCache());
    const lead = async () => {
      await new Promise((r) => setTimeout(r, 10));
      return 'leader';
    };
    const results = await Promise.all(Array.from({ length: 5 }, () => c.run('k', lead, (shared) => (shared ? 'shared' : 'own'))));
    assert.deepEqual(results.sort(), ['leader', 'own', 'own', 'own', 'own']);
  });

  test('a leader that never answers is abandoned after maxWaitMs: its followers fetch, the key gets a new leader', async () => {
    const c = createCoalescer(() => memoryCache());
    // A leader whose request was cancelled with its I/O: it never settles.
    c.run('https://k/gone', () => new Promise(() => {}), () => 'unused');
    const started = Date.now();
    const follower = await c.run('https://k/gone', async () => 'lead', (shared) => (shared ? 'shared' : 'own'), { maxWaitMs: 100 });
    const waited = Date.now() - started;
    assert.equal(follower, 'own');
    assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
    assert.equal(c.stats.abandonedLeaders, 1);
    assert.equal(await c.run('https://k/gone', async () => 'new leader', () => 'follower', { maxWaitMs: 100 }), 'new leader');
  });

  test('a put whose body brings nothing for the idle limit fails its readers instead of holding them', async () => {
    const mem = memoryCache();
    const c = createCoalescer(() => mem, { idleLimitMs: 150 });
    let push;
    // One chunk, then nothing ever again (a stalled source, or one whose
    // request was cancelled with its I/O).
    const body = new ReadableStream({
      start(controller) {
        push = controller;
      },
    });
    const put = c.cache.put(new Request('https://k/stall'), new Response(body));
    const putSettled = put.then(() => 'stored', (err) => `failed: ${err.message}`);
    push.enqueue(new TextEncoder().encode('part,'));
    await new Promise((r) => setTimeout(r, 5));
    const reader = (await c.cache.match(new Request('https://k/stall'))).body.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'part,');
    const started = Date.now();
    await assert.rejects(reader.read(), /body stalled: no byte for 150 ms/);
    const waited = Date.now() - started;
    assert.ok(waited >= 100 && waited < 2000, `the reader waited ${waited} ms`);
    assert.match(await putSettled, /^failed: body stalled/);
    assert.equal(mem.entries.size, 0, 'nothing stored');
    // Later lookups read the platform, not the stalled put.
    assert.equal(await c.cache.match(new Request('https://k/stall')), undefined);
  });

  test('a match during a put streams the entry: chunks so far, then the rest', async () => {
    const mem = memoryCache();
    const c = createCoalescer(() => mem);
    let push;
    const body = new ReadableStream({
      start(controller) {
        push = controller;
      },
    });
    const put = c.cache.put(new Request('https://k/s'), new Response(body, { headers: { 'x-meta': 'm' } }));
    push.enqueue(new TextEncoder().encode('one,'));
    await new Promise((r) => setTimeout(r, 5));
    const early = await c.cache.match(new Request('https://k/s'));
    assert.equal(early.headers.get('x-meta'), 'm');
    const reader = early.body.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'one,'); // before the origin finished
    push.enqueue(new TextEncoder().encode('two'));
    push.close();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    assert.equal(rest, 'two');
    await put;
    // The put is done: the platform cache answers.
    assert.equal(await (await c.cache.match(new Request('https://k/s'))).text(), 'one,two');
  });
});

describe('coalescing in the worker (workerd)', () => {
  let origin;
  let worker;
  before(async () => {
    const slow = (headers) => (req, res, n) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', ...headers });
        res.write(`part one of ${n};`);
        setTimeout(() => res.end(' part two'), 50);
      }, 300);
    };
    origin = await startOrigin({
      '/herd': slow({ 'cache-control': 'max-age=60' }),
      '/private': slow({ 'cache-control': 'private' }),
    });
    worker = await startWorker({ origin: origin.url });
  });
  after(() => stopAll(worker, origin));

  test('50 concurrent misses for one key: one origin fetch, every client served', async () => {
    const res = await herd(worker, '/herd', 50);
    assert.equal(origin.hits('/herd'), 1);
    assertServed(res, 'part one of 1; part two');
    assert.equal(res.filter((r) => r.xcache === 'MISS').length, 1);
  });

  test('responses the engine does not store are never shared', async () => {
    const res = await herd(worker, '/private', 5);
    assert.equal(origin.hits('/private'), 5);
    assert.deepEqual(new Set(res.map((r) => r.text)).size, 5);
  });
});

describe('coalescing an answer that is stale on arrival (workerd)', () => {
  let origin;
  let worker;
  before(async () => {
    // The origin grants 60 s and its answer has used them up (an upstream
    // cache's Age): no freshness left when it arrives, slow as well.
    origin = await startOrigin({
      '/aged': (req, res, n) => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60', age: '60' });
          res.end(`aged ${n}`);
        }, 300);
      },
    });
    // No stale windows: nothing but the waiting requests may use the copy.
    worker = await startWorker({
      origin: origin.url,
      manifest: { version: 1, defaults: { staleWhileRevalidate: 0, staleIfError: 0 }, routes: [{ pattern: '/*' }] },
    });
  });
  after(() => stopAll(worker, origin));

  test('30 concurrent misses: one origin fetch, every waiting request served its answer', async () => {
    const res = await herd(worker, '/aged', 30);
    assert.equal(origin.hits('/aged'), 1);
    assertServed(res, 'aged 1');
    const leader = res.filter((r) => r.xcache === 'MISS');
    assert.equal(leader.length, 1);
    assert.match(leader[0].cacheStatus, /fwd=uri-miss; fwd-status=200; stored; ttl=0; detail="stale-on-arrival"/);
    assert.equal(res.filter((r) => r.xcache === 'HIT').length, 29);
    await worker.settle();
  });

  test('the next request is not served the expired copy: it fetches again', async () => {
    const r = await worker.fetch('/aged', { at: 1 });
    assert.equal(r.text, 'aged 2');
    assert.equal(origin.hits('/aged'), 2);
  });

  test('a later herd is coalesced again (the key is not hit-for-pass)', async () => {
    const res = await herd(worker, '/aged', 20, { at: 2 });
    assert.equal(origin.hits('/aged'), 3);
    assert.deepEqual(new Set(res.map((r) => r.text)), new Set(['aged 3']));
  });
});
