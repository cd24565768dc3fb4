// Body integrity through the real worker in workerd (docs/security.md
// "Integrity"): an origin answer that does not arrive whole is never stored
// in any tier (memory, Cache API, global R2 / KV) and never reaches a client
// as a clean short body; a stored copy whose body is not the length its
// tier recorded is dropped on read and counted; the platform's
// CF-Cache-Status never reaches a client.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Response as MiniflareResponse } from 'miniflare';
import { Engine, requestRecord } from '../../worker/engine.js';
import { encodeGlobalObject } from '../../worker/tiers.js';
import { recordedLength } from '../../worker/integrity.js';
import { LENGTH_ITEM, withMetaItem } from '../../worker/entry_meta.js';
import { globalObjectKey } from '../../worker/keys.js';
import { T0, startLocations, startOrigin, startWorker, wasmPath, WASM_BUILD } from './helpers.js';

const TOKEN = 'integrity-token';
const PREFIXES = ['/c/', '/m/', '/g/'];

const manifest = {
  defaults: { ttl: 60 },
  routes: [
    { pattern: '/*' },
    { pattern: '/c/*', storage: 'cache' },
    { pattern: '/m/*', storage: 'memory' },
    { pattern: '/g/*', storage: 'global' },
  ],
};

// Faults by the last path segment; `n` counts that path's origin hits.
const FAULTS = {
  // Content-Length: 1000, 400 bytes sent, then the connection is reset.
  truncated: (req, res) => {
    res.writeHead(200, { 'content-length': '1000', 'cache-control': 'public, max-age=60' });
    res.write('x'.repeat(400));
    setTimeout(() => res.socket.destroy(), 10);
  },
  // No length (chunked): 400 bytes, then a reset.
  'chunked-reset': (req, res) => {
    res.writeHead(200, { 'cache-control': 'public, max-age=60' });
    res.write('y'.repeat(400));
    setTimeout(() => res.socket.destroy(), 10);
  },
  // Reset before any header.
  reset: (req, res) => res.socket.destroy(),
  // A whole answer over READ_WHOLE_MAX (integrity.js): checked while read.
  big: (req, res, n) => {
    const body = `big #${n} `.padEnd(200_000, 'b');
    res.writeHead(200, { 'content-length': String(body.length), 'cache-control': 'public, max-age=60', 'content-type': 'text/plain' });
    res.end(body);
  },
  // A whole answer.
  ok: (req, res, n) => {
    const body = `whole #${n} `.padEnd(1000, 'z');
    res.writeHead(200, { 'content-length': String(body.length), 'cache-control': 'public, max-age=60', 'content-type': 'text/plain' });
    res.end(body);
  },
};

function faultyOrigin() {
  const routes = {};
  for (const prefix of PREFIXES) for (const [name, fn] of Object.entries(FAULTS)) routes[`${prefix}${name}`] = fn;
  return startOrigin(routes);
}

/**
 * A request whose body is read to the end: `errored` when the body stream
 * failed (an aborted response), never a clean short body.
 */
async function get(worker, pathname, { at = 0, headers = {} } = {}) {
  const res = await worker.mf.dispatchFetch(`https://example.com${pathname}`, {
    // identity: the local front would otherwise re-encode the body (see
    // tests/conformance/platform_limits.mjs).
    headers: { 'x-freshet-test-now': String(T0 + at * 1000), 'x-freshet-test-settle': '1', 'accept-encoding': 'identity', ...headers },
  });
  let text = '';
  let errored = false;
  try {
    text = await res.text();
  } catch {
    errored = true;
  }
  return { status: res.status, headers: res.headers, xcache: res.headers.get('x-cache'), cacheStatus: res.headers.get('cache-status') ?? '', text, errored };
}

async function stats(worker) {
  const res = await worker.mf.dispatchFetch('https://example.com/__freshet/stats', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'x-freshet-test-settle': '1' },
  });
  return (await res.json()).isolate;
}

function keyUrlOf(url) {
  const eng = new Engine(new WebAssembly.Module(readFileSync(wasmPath())), JSON.stringify(manifest));
  return eng.request(requestRecord(['GET', url])).keyUrl;
}

describe(`body integrity, every tier (${WASM_BUILD} build)`, () => {
  let origin;
  let a;
  let b;
  let locations;
  before(async () => {
    origin = await faultyOrigin();
    // Two locations: each its own Cache API, the same global tier.
    locations = await startLocations(2, { origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
    [a, b] = locations.list;
  });
  after(async () => {
    await locations?.dispose();
    await origin?.close();
  });

  for (const prefix of PREFIXES) {
    test(`${prefix}: a body cut short of its Content-Length is never stored, and aborts for the client`, async () => {
      const p = `${prefix}truncated`;
      for (let i = 0; i < 3; i++) {
        const r = await get(a, p, { at: i });
        assert.equal(r.xcache, 'MISS', `request ${i}`);
        assert.ok(r.errored, `request ${i}: the client's copy must end as an error, got ${r.text.length} bytes cleanly`);
      }
      assert.equal(origin.hits(p), 3, 'nothing was stored: every request went to the origin');
      const atB = await get(b, p, { at: 4 });
      assert.equal(atB.xcache, 'MISS', 'nothing reached the global tier either');
      assert.ok(atB.errored);
      assert.equal(origin.hits(p), 4);
    });

    test(`${prefix}: a body whose source fails (no length) is never stored`, async () => {
      const p = `${prefix}chunked-reset`;
      for (let i = 0; i < 3; i++) {
        const r = await get(a, p, { at: i });
        assert.equal(r.xcache, 'MISS', `request ${i}`);
        assert.notEqual(r.text.length, 400 + 1, 'never more than the origin sent');
      }
      assert.equal(origin.hits(p), 3);
      assert.equal((await get(b, p, { at: 4 })).xcache, 'MISS');
      assert.equal(origin.hits(p), 4);
    });

    test(`${prefix}: a reset before the headers is a 502, nothing stored`, async () => {
      const p = `${prefix}reset`;
      const r = await get(a, p);
      assert.equal(r.status, 502);
      assert.match(r.headers.get('cache-status'), /detail="origin-unreachable"/);
      assert.equal((await get(a, p, { at: 1 })).status, 502);
      assert.equal(origin.hits(p), 4, 'idempotent GETs are retried once each');
    });

    test(`${prefix}: a whole body is stored and served whole, without the platform's CF-Cache-Status`, async () => {
      const p = `${prefix}ok`;
      const miss = await get(a, p);
      assert.equal(miss.xcache, 'MISS');
      assert.equal(miss.text.length, 1000);
      const hit = await get(a, p, { at: 1 });
      assert.equal(hit.xcache, 'HIT');
      assert.equal(hit.text, miss.text);
      assert.equal(hit.errored, false);
      assert.equal(hit.headers.get('cf-cache-status'), null);
      assert.equal(hit.headers.get('x-freshet-length'), null, 'internal field');
      assert.equal(origin.hits(p), 1);
    });
  }

  test('the origin-body-incomplete count', async () => {
    const s = await stats(a);
    assert.ok(s.incompleteBodies >= 18, `incompleteBodies ${s.incompleteBodies}`);
    assert.equal(s.damagedEntries, 0);
  });

  test('a Cache API copy whose body is not the recorded length is dropped on read and counted', async () => {
    const p = '/c/ok';
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const cache = await a.mf.getCaches();
    // The same metadata and recorded length over a body cut to 300 bytes.
    const damage = async () => {
      const stored = await cache.default.match(keyUrl);
      assert.ok(stored, 'the entry is where the engine keys it');
      assert.equal(recordedLength(stored.headers), 1000);
      assert.equal(stored.headers.get('x-freshet-length'), null, 'in the metadata field, not a field of its own');
      const headers = Object.fromEntries(stored.headers);
      const body = (await stored.text()).slice(0, 300);
      delete headers['content-length'];
      await cache.default.put(keyUrl, new MiniflareResponse(body, { headers }));
    };
    // No length from the platform: a copy this small is read whole and
    // compared with the recorded length before anything is served
    // (integrity.js READ_WHOLE_MAX), so the damaged copy is dropped and
    // this request is a miss: the client gets the origin's whole body.
    // (Miniflare's own put drops Content-Length: tiers_unit.test.js covers a
    // damaged copy the platform describes with its length.)
    await damage();
    const before = origin.hits(p);
    const next = await get(a, p, { at: 4 });
    assert.equal(next.errored, false);
    assert.equal(next.xcache, 'MISS');
    assert.equal(next.text.length, 1000);
    assert.equal(origin.hits(p), before + 1);
    assert.equal((await stats(a)).damagedEntries, 1);
    assert.equal((await get(a, p, { at: 6 })).xcache, 'HIT', 'the refetched copy replaced it');
  });

  test('a copy in the earlier layout (length and Date in fields of their own) is checked and served the same', async () => {
    const p = '/c/ok';
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const cache = await a.mf.getCaches();
    const stored = await cache.default.match(keyUrl);
    const meta = stored.headers.get('x-freshet-meta');
    const date = (await get(a, p, { at: 6 })).headers.get('date');
    // The same copy as freshet stored it before: no n= and d= items.
    const earlier = (n) => {
      const headers = Object.fromEntries(stored.headers);
      headers['x-freshet-meta'] = meta.replace(/ n=\d+/, '').replace(/ d=\d+/, '');
      headers['x-freshet-length'] = String(n);
      headers['x-freshet-kept-date'] = date;
      delete headers['content-length'];
      return headers;
    };
    assert.match(meta, / d=\d+ /);
    const body = await stored.text();
    await cache.default.put(keyUrl, new MiniflareResponse(body, { headers: earlier(1000) }));
    const before = origin.hits(p);
    const hit = await get(a, p, { at: 6 });
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.text, body);
    assert.equal(hit.headers.get('date'), date, 'the kept Date, not the platform\'s');
    assert.equal(hit.headers.get('x-freshet-kept-date'), null);
    assert.equal(origin.hits(p), before);
    const damagedBefore = (await stats(a)).damagedEntries;
    await cache.default.put(keyUrl, new MiniflareResponse(body, { headers: earlier(999) }));
    const next = await get(a, p, { at: 6 });
    assert.equal(next.xcache, 'MISS', 'its recorded length is checked too');
    assert.equal(next.text.length, 1000);
    assert.equal(origin.hits(p), before + 1);
    assert.equal((await stats(a)).damagedEntries, damagedBefore + 1);
  });

  test('a Cache API copy handed over without a body but with a recorded length is dropped, not served empty', async () => {
    const p = '/c/ok';
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const cache = await a.mf.getCaches();
    assert.ok((await get(a, p, { at: 7 })).text.length === 1000);
    const stored = await cache.default.match(keyUrl);
    assert.equal(recordedLength(stored.headers), 1000);
    const headers = Object.fromEntries(stored.headers);
    await stored.arrayBuffer();
    delete headers['content-length'];
    // The entry's fields over no body at all, as a read racing a put of the
    // same key can hand it over.
    await cache.default.put(keyUrl, new MiniflareResponse(null, { headers }));
    const damagedBefore = (await stats(a)).damagedEntries;
    const before = origin.hits(p);
    const next = await get(a, p, { at: 8 });
    assert.equal(next.errored, false);
    assert.equal(next.xcache, 'MISS', 'the empty copy is a miss');
    assert.equal(next.text.length, 1000);
    assert.equal(origin.hits(p), before + 1);
    assert.equal((await stats(a)).damagedEntries, damagedBefore + 1);
  });

  test('a large Cache API copy cut short is checked while read: the client copy aborts, the copy is dropped', async () => {
    const p = '/c/big';
    const first = await get(a, p, { at: 1 });
    assert.equal(first.text.length, 200_000);
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const cache = await a.mf.getCaches();
    const stored = await cache.default.match(keyUrl);
    assert.equal(recordedLength(stored.headers), 200_000);
    const headers = Object.fromEntries(stored.headers);
    const body = (await stored.text()).slice(0, 150_000);
    delete headers['content-length'];
    await cache.default.put(keyUrl, new MiniflareResponse(body, { headers }));
    const damagedBefore = (await stats(a)).damagedEntries;
    const cut = await get(a, p, { at: 2 });
    assert.ok(cut.errored, `a clean short body of ${cut.text.length} bytes`);
    assert.equal((await stats(a)).damagedEntries, damagedBefore + 1);
    const before = origin.hits(p);
    const next = await get(a, p, { at: 3 });
    assert.equal(next.xcache, 'MISS');
    assert.equal(next.text.length, 200_000);
    assert.equal(origin.hits(p), before + 1);
  });

  test('a global object cut short is dropped on read at another location', async () => {
    const p = '/g/ok';
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const bucket = await a.mf.getR2Bucket('FRESHET_GLOBAL');
    const objectKey = globalObjectKey(keyUrl);
    const obj = await bucket.get(objectKey);
    assert.ok(obj, 'A stored the entry in the global tier');
    const whole = new Uint8Array(await obj.arrayBuffer());
    await bucket.put(objectKey, whole.slice(0, whole.byteLength - 100));
    const before = origin.hits(p);
    const r = await get(b, p, { at: 2 });
    assert.equal(r.xcache, 'MISS');
    assert.equal(r.text.length, 1000);
    assert.equal(origin.hits(p), before + 1);
    assert.equal((await stats(b)).damagedEntries, 1);
  });

  test('a global object whose recorded length lies is dropped too', async () => {
    const p = '/g/ok';
    const keyUrl = keyUrlOf(`https://example.com${p}`);
    const bucket = await a.mf.getR2Bucket('FRESHET_GLOBAL');
    const objectKey = globalObjectKey(keyUrl);
    const obj = await bucket.get(objectKey);
    const good = new Uint8Array(await obj.arrayBuffer());
    const n = new DataView(good.buffer).getUint32(0);
    const head = JSON.parse(new TextDecoder().decode(good.subarray(4, 4 + n)));
    const headers = head.headers.map(([k, v]) => [k, k === 'x-freshet-meta' ? withMetaItem(v, LENGTH_ITEM, 999) : v]);
    assert.ok(head.headers.some(([k, v]) => k === 'x-freshet-meta' && / n=1000( |$)/.test(v)), 'the global copy records its length in its metadata');
    await bucket.put(objectKey, encodeGlobalObject({ status: head.status, statusText: head.statusText, headers, body: good.subarray(4 + n) }));
    const c = await startWorker({ origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN }, options: locations.shared });
    try {
      const before = origin.hits(p);
      const r = await get(c, p, { at: 3 });
      assert.equal(r.xcache, 'MISS');
      assert.equal(origin.hits(p), before + 1);
      assert.equal((await stats(c)).damagedEntries, 1);
    } finally {
      await c.dispose();
    }
  });
});

describe(`coalesced followers of a body cut short (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/slow-truncated': (req, res) => {
        res.writeHead(200, { 'content-length': '1000', 'cache-control': 'public, max-age=60' });
        res.write('x'.repeat(400));
        setTimeout(() => res.socket.destroy(), 150);
      },
    });
    worker = await startWorker({ origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('every waiter sees an error, none a clean short body, and nothing is stored', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => worker.mf.dispatchFetch('https://example.com/slow-truncated', {
      headers: { 'x-freshet-test-now': String(T0), 'accept-encoding': 'identity' },
    }).then(async (res) => {
      try {
        const t = await res.text();
        return { clean: true, length: t.length, status: res.status };
      } catch {
        return { clean: false, status: res.status };
      }
    })));
    const short = all.filter((r) => r.clean && r.status === 200 && r.length !== 1000);
    assert.deepEqual(short, [], 'no clean short body');
    const hitsAfterHerd = origin.hits('/slow-truncated');
    assert.ok(hitsAfterHerd >= 1 && hitsAfterHerd <= 8, `origin hits ${hitsAfterHerd}`);
    const next = await get(worker, '/slow-truncated', { at: 1 });
    assert.equal(next.xcache, 'MISS', 'nothing was stored');
    assert.ok(next.errored);
  });
});

describe(`the KV global tier keeps the headers of an ordinary page (${WASM_BUILD} build)`, () => {
  let origin;
  let a;
  let b;
  let locations;
  const csp = "default-src 'self'; script-src 'self' https://cdn.example.com 'nonce-abcdefghijklmnop'; style-src 'self' 'unsafe-inline'; img-src * data:; connect-src 'self' https://api.example.com wss://live.example.com; frame-ancestors 'none'; upgrade-insecure-requests";
  const tags = Array.from({ length: 20 }, (_, i) => `collection-${i}:product-${i * 7}`).join(',');
  before(async () => {
    origin = await startOrigin({
      '/g/page': (req, res, n) => {
        res.writeHead(200, {
          'content-type': 'text/html',
          'cache-control': 'public, max-age=60',
          'content-security-policy': csp,
          'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
          'cache-tag': tags,
        });
        res.end(`<h1>page ${n}</h1>`);
      },
    });
    locations = await startLocations(2, { global: 'kv', origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
    [a, b] = locations.list;
  });
  after(async () => {
    await locations?.dispose();
    await origin?.close();
  });

  test('a page with a CSP, HSTS and 20 tags is stored in KV and served at another location', async () => {
    assert.equal((await get(a, '/g/page')).xcache, 'MISS');
    // The global write runs in the background of location a: done before b asks.
    await a.settle();
    const r = await get(b, '/g/page', { at: 2 });
    assert.equal(r.xcache, 'HIT');
    assert.match(r.headers.get('cache-status'), /tier=global/);
    assert.equal(r.text, '<h1>page 1</h1>');
    assert.equal(r.headers.get('content-security-policy'), csp);
    assert.equal(origin.hits('/g/page'), 1);
    assert.equal((await stats(a)).cacheErrors, 0, 'no failed KV put');
  });
});

describe(`a global tier whose writes fail leaves no Cache API write half done (${WASM_BUILD} build)`, () => {
  // Every global write fails (tests/worker/fixtures/failing_global_worker.js).
  // The Cache API put of the same entry must still run to its end: were the
  // request's background work to finish at the first failure, the platform
  // would cancel the put still in progress, and its coalescing hub would
  // stay behind with readers waiting on it.
  let origin;
  let worker;
  const SIZE = 4_000_000;
  before(async () => {
    origin = await startOrigin({
      '/g/page': (req, res, n) => {
        const body = `page #${n} `.padEnd(SIZE, 'p');
        res.writeHead(200, { 'content-length': String(SIZE), 'cache-control': 'public, max-age=10, stale-while-revalidate=60', 'content-type': 'text/plain' });
        // The second half a little later: the body is still arriving when
        // the global write fails.
        res.write(body.slice(0, SIZE / 2));
        setTimeout(() => res.end(body.slice(SIZE / 2)), 100);
      },
    });
    worker = await startWorker({
      origin: origin.url,
      manifest,
      entry: 'tests/worker/fixtures/failing_global_worker.js',
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
      options: { r2Buckets: ['FRESHET_GLOBAL'] },
    });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  // A request that neither answers nor ends within 15 s fails the test.
  const bounded = (p) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 15 s')), 15_000))]);

  test('a miss is stored in the Cache API and served whole from it', async () => {
    const miss = await bounded(get(worker, '/g/page', { at: 0 }));
    assert.equal(miss.xcache, 'MISS');
    assert.equal(miss.text.length, SIZE);
    const hit = await bounded(get(worker, '/g/page', { at: 1 }));
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.errored, false);
    assert.equal(hit.text.length, SIZE);
    assert.ok(hit.text.startsWith('page #1 '));
    assert.doesNotMatch(hit.cacheStatus, /collapsed/, 'served from the platform, not from a write still in progress');
    assert.equal(origin.hits('/g/page'), 1);
    assert.ok((await stats(worker)).cacheErrors >= 1, 'the failed global write is counted');
  });

  test('a background revalidation is stored whole too', async () => {
    const stale = await bounded(get(worker, '/g/page', { at: 20 }));
    assert.equal(stale.xcache, 'STALE');
    assert.ok(stale.text.startsWith('page #1 '));
    assert.equal(stale.text.length, SIZE);
    const hit = await bounded(get(worker, '/g/page', { at: 21 }));
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.errored, false);
    assert.equal(hit.text.length, SIZE);
    assert.ok(hit.text.startsWith('page #2 '), hit.text.slice(0, 12));
    assert.doesNotMatch(hit.cacheStatus, /collapsed/, 'served from the platform, not from a write still in progress');
    assert.equal(origin.hits('/g/page'), 2);
    // The platform holds the revalidated copy, whole.
    const cache = await worker.mf.getCaches();
    const copy = await cache.default.match(keyUrlOf('https://example.com/g/page'));
    assert.ok(copy, 'the revalidated copy is in the Cache API');
    const text = await copy.text();
    assert.equal(text.length, SIZE);
    assert.ok(text.startsWith('page #2 '));
  });
});
