// The manifest's "clientHeaders" through the real worker in workerd: with
// x-cache and Server-Timing turned off, no answer carries freshet's own
// (miss, hit, stale, revalidated, bypass, only-if-cached, warm-up), the
// standard fields (Age, Cache-Status) still go out, an origin's own
// x-cache and Server-Timing pass through untouched, and caching itself is
// the same (origin hits counted). Each field can be turned off alone.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, stopAll, WASM_BUILD } from './helpers.js';

const TOKEN = 'client-headers-token-0123456789';
const routes = [
  { name: 'short', pattern: '/short', ttl: 10, staleWhileRevalidate: 60 },
  { name: 'strict', pattern: '/strict/*', requestDirectives: 'honor' },
  { name: 'pages', pattern: '/*' },
];
const lean = { clientHeaders: { xCache: false, serverTiming: false }, defaults: { ttl: 300, bypassCookies: ['session'] }, routes };

const page = (extra = {}) => (req, res, n) => {
  res.writeHead(200, { 'content-type': 'text/plain', etag: `"v${n}"`, ...extra });
  res.end(`${new URL(req.url, 'http://o').pathname} ${n}`);
};

function assertLean(r, what) {
  assert.equal(r.headers.get('x-cache'), null, `${what}: no x-cache`);
  assert.equal(r.headers.get('server-timing'), null, `${what}: no Server-Timing`);
  assert.match(r.cacheStatus ?? '', /^freshet;/, `${what}: Cache-Status still goes out`);
}

describe(`clientHeaders through the worker (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/a': page(),
      '/short': page(),
      '/upstream': page({ 'x-cache': 'upstream-hit', 'server-timing': 'db;dur=5' }),
      '/private': page(),
      '/warm': page(),
    });
    worker = await startWorker({ origin: origin.url, manifest: lean, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
  });
  after(() => stopAll(worker, origin));

  test('miss and hit: neither field, Age and Cache-Status as always, one origin fetch', async () => {
    const miss = await worker.fetch('/a');
    assert.equal(miss.text, '/a 1');
    assertLean(miss, 'miss');
    assert.match(miss.cacheStatus, /fwd=uri-miss;.*stored/);
    const hit = await worker.fetch('/a', { at: 5 });
    assert.equal(hit.text, '/a 1');
    assertLean(hit, 'hit');
    assert.match(hit.cacheStatus, /^freshet; hit/);
    assert.equal(hit.headers.get('age'), '5');
    assert.equal(origin.hits('/a'), 1);
    // Many hits in a row (the hit path's reused answer fields).
    for (let i = 0; i < 5; i++) assertLean(await worker.fetch('/a', { at: 6 + i, settle: false }), `hit ${i}`);
    assert.equal(origin.hits('/a'), 1);
  });

  test('stale, then revalidated in the background: neither field', async () => {
    await worker.fetch('/short');
    const stale = await worker.fetch('/short', { at: 20 });
    assert.equal(stale.text, '/short 1');
    assertLean(stale, 'stale');
    assert.match(stale.cacheStatus, /hit/);
    await worker.settle();
    assert.equal(origin.hits('/short'), 2, 'one background revalidation');
    const fresh = await worker.fetch('/short', { at: 21 });
    assert.equal(fresh.text, '/short 2');
    assertLean(fresh, 'after the revalidation');
  });

  test('a precondition answered 304 from the cache: neither field', async () => {
    const r = await worker.fetch('/a', { at: 30, headers: { 'if-none-match': '"v1"' } });
    assert.equal(r.status, 304);
    assert.equal(origin.hits('/a'), 1);
    assertLean(r, '304');
  });

  test('bypass and only-if-cached: neither field', async () => {
    const bypass = await worker.fetch('/private', { headers: { cookie: 'session=1' } });
    assert.equal(bypass.text, '/private 1');
    assertLean(bypass, 'bypass');
    assert.match(bypass.cacheStatus, /fwd=bypass/);
    const gone = await worker.fetch('/strict/nowhere', { headers: { 'cache-control': 'only-if-cached' } });
    assert.equal(gone.status, 504);
    assertLean(gone, 'only-if-cached');
    assert.equal(origin.hits('/strict/nowhere'), 0);
  });

  test("an origin's own x-cache and Server-Timing pass through untouched, on a miss and on a hit", async () => {
    for (const at of [0, 1]) {
      const r = await worker.fetch('/upstream', { at });
      assert.equal(r.headers.get('x-cache'), 'upstream-hit');
      assert.equal(r.headers.get('server-timing'), 'db;dur=5');
    }
    assert.equal(origin.hits('/upstream'), 1);
  });

  test('warm-up reports Cache-Status where x-cache is off', async () => {
    const r = await worker.fetch('/__freshet/warm', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ urls: ['https://example.com/warm'] }),
    });
    assert.equal(r.status, 200);
    const [w] = JSON.parse(r.text).warmed;
    assert.equal(w.cache, null);
    assert.match(w.cacheStatus, /fwd=uri-miss;.*stored/);
    assert.equal(origin.hits('/warm'), 1);
    assertLean(await worker.fetch('/warm', { at: 1 }), 'a warmed hit');
    assert.equal(origin.hits('/warm'), 1);
  });
});

describe(`clientHeaders, one field off at a time (${WASM_BUILD} build)`, () => {
  let origin;
  let noXCache;
  let noTiming;
  before(async () => {
    origin = await startOrigin({ '/a': page(), '/b': page() });
    noXCache = await startWorker({ origin: origin.url, manifest: { clientHeaders: { xCache: false }, defaults: { ttl: 300 }, routes } });
    noTiming = await startWorker({ origin: origin.url, manifest: { clientHeaders: { serverTiming: false }, defaults: { ttl: 300 }, routes } });
  });
  after(async () => {
    await noXCache?.dispose();
    await noTiming?.dispose();
    await origin?.close();
  });

  test('"xCache": false keeps Server-Timing: without desc on a miss, with it from the cache', async () => {
    const miss = await noXCache.fetch('/a');
    assert.equal(miss.headers.get('x-cache'), null);
    assert.match(miss.headers.get('server-timing'), /^freshet;dur=\d+$/);
    const hit = await noXCache.fetch('/a', { at: 1 });
    assert.equal(hit.headers.get('x-cache'), null);
    assert.match(hit.headers.get('server-timing'), /^freshet;dur=\d+;desc="HIT"$/);
    assert.equal(origin.hits('/a'), 1);
  });

  test('"serverTiming": false keeps x-cache', async () => {
    const miss = await noTiming.fetch('/b');
    assert.equal(miss.xcache, 'MISS');
    assert.equal(miss.headers.get('server-timing'), null);
    const hit = await noTiming.fetch('/b', { at: 1 });
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.headers.get('server-timing'), null);
    assert.equal(origin.hits('/b'), 1);
  });
});
