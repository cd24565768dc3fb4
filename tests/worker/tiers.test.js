// Storage tiers through the real worker in workerd: a hit from each tier
// (memory, Cache API, global), LRU eviction under the caps, purges honoured
// by every tier, a miss at location B served from the global tier after
// location A stored it (two Miniflare instances sharing persisted R2), and
// the same stale / revalidation behaviour in every tier.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLocations, startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const TOKEN = 'tiers-token';
const counted = (req, res, n) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${new URL(req.url, 'http://o').pathname} ${n}`);
};

describe(`memory tier (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin(Object.fromEntries(['/m/a', '/m/b', '/m/c', '/m/stale', '/m/purge', '/c/x', '/off/x', '/m/big'].map((p) => [p, counted])));
    origin.routes['/m/big'] = (req, res, n) => { res.writeHead(200); res.end('x'.repeat(5000) + n); };
    worker = await startWorker({
      origin: origin.url,
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
      manifest: {
        memory: { maxEntries: 2, maxBytes: 1_000_000, maxEntryBytes: 4096 },
        defaults: { ttl: 60, staleWhileRevalidate: 60 },
        routes: [
          { pattern: '/m/*', storage: 'memory' },
          { pattern: '/c/*', storage: 'cache' },
          { pattern: '/off/*', storage: 'off' },
        ],
      },
    });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('a hot entry is answered from memory; cache-only routes from the Cache API', async () => {
    assert.equal((await worker.fetch('/m/a')).xcache, 'MISS');
    const hit = await worker.fetch('/m/a', { at: 1 });
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.text, '/m/a 1');
    assert.equal(hit.cacheStatus, 'freshet; hit; ttl=59; tier=memory');
    assert.equal(hit.headers.get('x-freshet-tier'), null, 'internal header stripped');
    await worker.fetch('/c/x');
    assert.equal((await worker.fetch('/c/x', { at: 1 })).cacheStatus, 'freshet; hit; ttl=59');
    assert.equal(origin.hits('/m/a'), 1);
  });

  test('LRU eviction under the entry cap; evicted entries still come from the Cache API', async () => {
    await worker.fetch('/m/b', { at: 2 });
    await worker.fetch('/m/c', { at: 2 }); // memory now holds b, c: a was the least recently used
    const a = await worker.fetch('/m/a', { at: 3 });
    assert.equal(a.xcache, 'HIT');
    assert.equal(a.cacheStatus, 'freshet; hit; ttl=57', 'from the Cache API');
    const again = await worker.fetch('/m/a', { at: 3 });
    assert.match(again.cacheStatus, /tier=memory/, 'the Cache API hit filled memory again');
    assert.equal(origin.hits('/m/a'), 1);
  });

  test('bodies over maxEntryBytes stay out of memory', async () => {
    await worker.fetch('/m/big', { at: 4 });
    const r = await worker.fetch('/m/big', { at: 5 });
    assert.equal(r.xcache, 'HIT');
    assert.doesNotMatch(r.cacheStatus, /tier=memory/);
  });

  test('stale-while-revalidate behaves the same in memory', async () => {
    await worker.fetch('/m/stale', { at: 0 });
    await worker.fetch('/m/stale', { at: 1 });
    const stale = await worker.fetch('/m/stale', { at: 70 });
    assert.equal(stale.xcache, 'STALE');
    assert.match(stale.cacheStatus, /tier=memory/);
    assert.equal(stale.text, '/m/stale 1');
    const fresh = await worker.fetch('/m/stale', { at: 71 });
    assert.equal(fresh.xcache, 'HIT');
    assert.equal(fresh.text, '/m/stale 2');
    assert.equal(origin.hits('/m/stale'), 2);
  });

  test('hard and soft purges are honoured by the memory tier', async () => {
    await worker.fetch('/m/purge', { at: 80 });
    assert.match((await worker.fetch('/m/purge', { at: 81 })).cacheStatus, /tier=memory/);
    const purge = (body, at) => worker.fetch('/__freshet/purge', { at, method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
    await purge({ urls: ['https://example.com/m/purge'], soft: true }, 82);
    const soft = await worker.fetch('/m/purge', { at: 83 });
    assert.equal(soft.xcache, 'STALE');
    assert.equal(soft.text, '/m/purge 1');
    assert.equal((await worker.fetch('/m/purge', { at: 84 })).text, '/m/purge 2');
    await purge({ urls: ['https://example.com/m/purge'] }, 85);
    const hard = await worker.fetch('/m/purge', { at: 86 });
    assert.equal(hard.xcache, 'MISS');
    assert.equal(hard.text, '/m/purge 3');
    const inspect = JSON.parse((await worker.fetch('/__freshet/inspect', { at: 87, method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ url: 'https://example.com/m/purge' }) })).text);
    assert.equal(inspect.entry.tier, 'memory');
  });

  test('storage "off" keeps nothing', async () => {
    await worker.fetch('/off/x');
    assert.equal((await worker.fetch('/off/x', { at: 1 })).xcache, 'MISS');
    assert.equal(origin.hits('/off/x'), 2);
  });
});

describe(`global tier across two locations (${WASM_BUILD} build)`, () => {
  let origin;
  let a;
  let b;
  let locations;
  before(async () => {
    origin = await startOrigin({ '/g/page': counted });
    locations = await startLocations(2, { origin: origin.url, manifest: { defaults: { ttl: 60 }, routes: [{ pattern: '/g/*', storage: 'global' }] } });
    [a, b] = locations.list;
  });
  after(async () => {
    await locations?.dispose();
    await origin?.close();
  });

  test('a miss at B is served from the global tier A filled', async () => {
    assert.equal((await a.fetch('/g/page', { at: 0 })).xcache, 'MISS');
    const fromGlobal = await b.fetch('/g/page', { at: 5 });
    assert.equal(fromGlobal.xcache, 'HIT');
    assert.equal(fromGlobal.text, '/g/page 1');
    assert.equal(fromGlobal.cacheStatus, 'freshet; hit; ttl=55; tier=global');
    const local = await b.fetch('/g/page', { at: 6 });
    assert.equal(local.cacheStatus, 'freshet; hit; ttl=54', 'B filled its own Cache API');
    assert.equal(origin.hits('/g/page'), 1);
  });

  test('a refresh at one location refreshes the global copy for all', async () => {
    const expired = await b.fetch('/g/page', { at: 100 });
    assert.equal(expired.xcache, 'EXPIRED');
    assert.equal(expired.text, '/g/page 2');
    const c = await startWorker({
      origin: origin.url,
      manifest: { defaults: { ttl: 60 }, routes: [{ pattern: '/g/*', storage: 'global' }] },
      options: locations.shared,
    });
    try {
      const r = await c.fetch('/g/page', { at: 101 });
      assert.equal(r.text, '/g/page 2');
      assert.match(r.cacheStatus, /tier=global/);
    } finally {
      await c.dispose();
    }
    assert.equal(origin.hits('/g/page'), 2);
  });
});

describe(`a global tier that hangs or is slow (${WASM_BUILD} build)`, () => {
  const READ_MS = 200;
  const manifest = { defaults: { ttl: 60 }, routes: [{ pattern: '/g/*', storage: 'global' }] };
  let origin;
  let locations;
  let b;
  before(async () => {
    origin = await startOrigin({ '/g/hung': counted, '/g/slow': counted });
    locations = await startLocations(1, { origin: origin.url, manifest });
    // Location B reads the same tier through a binding whose faults the test sets.
    b = await startWorker({
      origin: origin.url,
      manifest,
      entry: 'tests/worker/fixtures/faulty_global_worker.js',
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN, FRESHET_GLOBAL_TIMEOUT_MS: String(READ_MS), FRESHET_GLOBAL_WRITE_TIMEOUT_MS: '300' },
      options: locations.shared,
    });
  });
  after(async () => {
    await b?.dispose();
    await locations?.dispose();
    await origin?.close();
  });
  const fault = (f) => b.mf.dispatchFetch('https://example.com/__global-fault', { method: 'POST', body: JSON.stringify(f) }).then((r) => r.text());
  const stats = async () => {
    const res = await b.mf.dispatchFetch('https://example.com/__freshet/stats', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()).isolate;
  };

  test('a read that hangs is a miss after FRESHET_GLOBAL_TIMEOUT_MS: the request goes to the origin, counted and logged', async () => {
    const [a] = locations.list;
    assert.equal((await a.fetch('/g/hung', { at: 0 })).xcache, 'MISS');
    await fault({ mode: 'hang' });
    const started = performance.now();
    const r = await b.fetch('/g/hung', { at: 5, settle: false });
    const took = performance.now() - started;
    assert.equal(r.status, 200);
    assert.equal(r.xcache, 'MISS');
    assert.equal(r.text, '/g/hung 2');
    assert.ok(took >= READ_MS - 20 && took < READ_MS + 1500, `answered after ${Math.round(took)} ms`);
    assert.equal(origin.hits('/g/hung'), 2);
    // Its write to the hung tier ends at its own bound, in the background.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.ok((await stats()).globalTimeouts >= 2, 'the read and the write are counted');
    // B's own Cache API holds the copy: later hits never reach the tier.
    const hit = await b.fetch('/g/hung', { at: 6, settle: false });
    assert.equal(hit.xcache, 'HIT');
    assert.equal(origin.hits('/g/hung'), 2);
  });

  test('a slow read inside the bound is still a hit from the global tier', async () => {
    const [a] = locations.list;
    await fault({ mode: 'ok' });
    assert.equal((await a.fetch('/g/slow', { at: 0 })).xcache, 'MISS');
    await fault({ mode: 'slow', ms: 50 });
    const r = await b.fetch('/g/slow', { at: 5 });
    assert.match(r.cacheStatus, /tier=global/);
    assert.equal(r.text, '/g/slow 1');
    assert.equal(origin.hits('/g/slow'), 1);
  });
});
