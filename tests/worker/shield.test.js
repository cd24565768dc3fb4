// The shield across a fleet (docs/shield.md): three simulated locations
// with two isolates each (one Miniflare instance per location: two workers
// share its Cache API, each with its own memory and coalescing), and the
// shield's Durable Objects in a fourth instance, reached through a service
// binding whose faults the tests set (up, down, 503, hanging).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { assertServed, ROOT, T0, startOrigin, startShield, wasmPath, workerModules, WASM_BUILD } from './helpers.js';

const TIMEOUT_MS = 300;
const SLOW_MS = 400;
const manifest = {
  defaults: { ttl: 60, staleWhileRevalidate: 60 },
  routes: [
    { pattern: '/*', shield: true },
    { pattern: '/down/*', shield: { timeoutMs: TIMEOUT_MS } },
    { pattern: '/hang/*', shield: { timeoutMs: TIMEOUT_MS } },
    { pattern: '/503/*', shield: { timeoutMs: TIMEOUT_MS } },
    { pattern: '/direct/*' },
    { pattern: '/strict/*', shield: true, staleWhileRevalidate: 0, staleIfError: 0 },
    { pattern: '/api/search', methods: ['POST'], shield: true },
    { pattern: '/sie/*', shield: true, staleWhileRevalidate: 0, staleIfError: 600 },
  ],
};

const slow = (fn) => (req, res, n) => setTimeout(() => fn(req, res, n), SLOW_MS);
const page = (name) => slow((req, res, n) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', etag: `"${name}-${n}"` });
  res.end(`${name} ${n}`);
});

describe(`the shield: one origin fetch per key for the fleet (${WASM_BUILD} build)`, () => {
  let origin;
  let shield;
  const fault = { mode: 'up' };
  let shieldCalls = 0;
  let sieFailing = false; // /sie/*: the origin answers 503 while set
  const locations = []; // { mf, isolates: [fetcher, fetcher] }
  const isolates = () => locations.flatMap((l) => l.isolates);

  before(async () => {
    origin = await startOrigin({
      '/cold': page('cold'),
      '/swr': page('swr'),
      '/strict/a': page('strict-a'),
      // Its 60 s used up on arrival (an upstream cache's Age).
      '/strict/aged': slow((req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', age: '60' });
        res.end(`aged ${n}`);
      }),
      '/sie/a': (req, res, n) => {
        if (sieFailing) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('origin down');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=10', etag: `"sie-${n}"` });
        res.end(`sie ${n}`);
      },
      '/down/a': page('down-a'),
      '/hang/a': page('hang-a'),
      '/503/a': page('503-a'),
      '/vary': slow((req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', vary: 'Accept-Language' });
        res.end(`lang=${req.headers['accept-language'] ?? '-'} #${n}`);
      }),
      '/private': slow((req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'private, max-age=60' });
        res.end(`private ${n}`);
      }),
      '/trunc': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', 'content-length': '1000' });
        res.write('x'.repeat(300));
        setTimeout(() => res.socket.destroy(), 10);
      },
      '/api/search': (req, res, n) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
          res.end(`results for ${body} #${n}`);
        }, SLOW_MS));
      },
    });
    const wasm = readFileSync(wasmPath());
    const bundled = readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8');
    const bindings = { ORIGIN: origin.url, FRESHET_TEST_MODE: '1', FRESHET_MANIFEST: JSON.stringify(manifest) };
    shield = await startShield(bindings, { r2Buckets: ['FRESHET_GLOBAL'] });
    const toShield = async (req) => {
      shieldCalls++;
      if (fault.mode === 'down') throw new Error('shield unreachable');
      if (fault.mode === '503') return new Response('overloaded', { status: 503 });
      if (fault.mode === 'hang') await new Promise((r) => setTimeout(r, 5000)); // bounded: longer than any timeout here
      return shield.dispatchFetch(req.url, { method: req.method, headers: req.headers, body: req.body, duplex: 'half' });
    };
    for (let l = 0; l < 3; l++) {
      const isolate = (name) => ({
        name,
        modules: workerModules(wasm, bundled),
        modulesRoot: ROOT,
        compatibilityDate: '2026-04-01',
        bindings,
        serviceBindings: { FRESHET_SHIELD_SERVICE: toShield },
      });
      const mf = new Miniflare({ cf: false, workers: [isolate(`loc${l}-a`), isolate(`loc${l}-b`)] });
      await mf.ready;
      locations.push({ mf, isolates: [await mf.getWorker(`loc${l}-a`), await mf.getWorker(`loc${l}-b`)] });
    }
  });
  after(async () => {
    for (const l of locations) await l.mf.dispose();
    await shield?.dispose();
    await origin?.close();
  });

  const get = async (isolate, pathname, { at = 0, headers = {}, method = 'GET', body } = {}) => {
    const res = await isolate.fetch(`https://example.com${pathname}`, { method, body, headers: { 'x-freshet-test-now': String(T0 + at * 1000), ...headers } });
    return { status: res.status, text: await res.text(), xcache: res.headers.get('x-cache'), cacheStatus: res.headers.get('cache-status') };
  };
  // `n` concurrent GETs for `pathname` at `at` s, spread over every isolate of the fleet.
  const fleetHerd = (pathname, n, at) => Promise.all(Array.from({ length: n }, (_, i) => get(isolates()[i % isolates().length], pathname, { at })));
  // One GET for `pathname` at each isolate: the bodies.
  const everyIsolate = async (pathname, at) => (await Promise.all(isolates().map((iso) => get(iso, pathname, { at })))).map((r) => r.text);
  const settleAll = () => Promise.all(isolates().map(async (i) => (await i.fetch('https://example.com/__settle', { headers: { 'x-freshet-test-settle': 'only' } })).arrayBuffer()));

  test('300 concurrent misses on a cold key in 3 locations x 2 isolates: one origin fetch, 300 correct bodies', async () => {
    const all = await Promise.all(Array.from({ length: 300 }, (_, i) => get(isolates()[i % 6], '/cold')));
    assert.equal(origin.hits('/cold'), 1, 'one origin fetch for the fleet');
    assert.deepEqual(all.filter((r) => r.status !== 200 || r.text !== 'cold 1').map((r) => `${r.status} ${r.text}`), []);
    assert.ok(all.some((r) => /^freshet-shield; fwd=uri-miss/.test(r.cacheStatus ?? '')), 'the shield member precedes the location\'s');
    await settleAll();
    // Later misses at every isolate are answered from the shield's entry.
    const later = await Promise.all(isolates().map((iso) => get(iso, '/cold', { at: 1 })));
    assert.ok(later.every((r) => r.text === 'cold 1'));
    assert.equal(origin.hits('/cold'), 1);
  });

  test('an expired key inside stale-while-revalidate: every isolate serves stale, one revalidation for the fleet', async () => {
    await get(isolates()[0], '/swr');
    await settleAll();
    await Promise.all(isolates().map((iso) => get(iso, '/swr', { at: 1 }))); // every location has its own copy
    assert.equal(origin.hits('/swr'), 1);
    const stale = await Promise.all(isolates().map((iso) => get(iso, '/swr', { at: 70 })));
    assert.deepEqual(stale.map((r) => r.xcache), Array(6).fill('STALE'));
    assert.ok(stale.every((r) => r.text === 'swr 1'));
    await settleAll();
    assert.equal(origin.hits('/swr'), 2, 'one background revalidation for six isolates in three locations');
    const fresh = await Promise.all(isolates().map((iso) => get(iso, '/swr', { at: 71 })));
    assert.deepEqual(fresh.map((r) => r.text), Array(6).fill('swr 2'));
    assert.equal(origin.hits('/swr'), 2);
  });

  test('an expired key without a stale window: 300 concurrent requests over the fleet, one origin fetch, every answer the new one', async () => {
    await get(isolates()[0], '/strict/a');
    await settleAll();
    await Promise.all(isolates().map((iso) => get(iso, '/strict/a', { at: 1 }))); // every location has its own copy
    assert.equal(origin.hits('/strict/a'), 1);
    // At 70 s every copy (the shield's too) is expired and may not be served stale.
    assertServed(await fleetHerd('/strict/a', 300, 70), 'strict-a 2');
    assert.equal(origin.hits('/strict/a'), 2, 'one origin fetch for the fleet');
    await settleAll();
    assert.deepEqual(await everyIsolate('/strict/a', 71), Array(6).fill('strict-a 2'));
    assert.equal(origin.hits('/strict/a'), 2);
  });

  test('an answer stale on arrival: 300 concurrent misses over the fleet, one origin fetch (docs/performance.md "Request coalescing")', async () => {
    assertServed(await fleetHerd('/strict/aged', 300, 0), 'aged 1');
    assert.equal(origin.hits('/strict/aged'), 1);
    await settleAll();
    // Expired everywhere: the next request fetches again, once for the fleet.
    assert.deepEqual(await everyIsolate('/strict/aged', 1), Array(6).fill('aged 2'));
    assert.equal(origin.hits('/strict/aged'), 2);
  });

  test('the origin failing inside stale-if-error: every location serves the stale copy, a location without one gets the shield\'s', async () => {
    const [home, other] = [isolates()[0], isolates()[2]];
    assert.equal((await get(home, '/sie/a')).text, 'sie 1');
    await settleAll();
    sieFailing = true;
    try {
      const fromShield = await get(other, '/sie/a', { at: 30 }); // no copy of its own
      const own = await get(home, '/sie/a', { at: 30 }); // its own copy, expired
      await settleAll();
      assert.deepEqual([fromShield.status, fromShield.text, own.status, own.text], [200, 'sie 1', 200, 'sie 1'], `${fromShield.cacheStatus} | ${own.cacheStatus}`);
    } finally {
      sieFailing = false;
    }
    // The origin is back: the stale copies are not taken for fresh ones anywhere.
    const back = await Promise.all([home, other, isolates()[4]].map((iso) => get(iso, '/sie/a', { at: 40 })));
    assert.ok(back.every((r) => r.status === 200 && r.text === back[0].text && r.text !== 'sie 1'), back.map((r) => `${r.text} ${r.cacheStatus}`).join('\n'));
    // Past the window a failure shows.
    await settleAll();
    sieFailing = true;
    try {
      const late = await get(other, '/sie/a', { at: 700 });
      assert.equal(late.status, 503, late.cacheStatus);
    } finally {
      sieFailing = false;
    }
  });

  test('Vary through the shield: concurrent variants are never crossed', async () => {
    const langs = ['en', 'fr', 'de'];
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => {
      const lang = langs[i % 3];
      return get(isolates()[Math.floor(i / 3) % 6], '/vary', { headers: { 'accept-language': lang } }).then((r) => ({ lang, ...r }));
    }));
    for (const r of all) assert.match(r.text, new RegExp(`^lang=${r.lang} #\\d+$`), `${r.lang} got ${r.text}`);
    assert.equal(origin.hits('/vary'), 3, 'one origin fetch per variant');
  });

  test('uncacheable answers are not queued behind each other (hit-for-pass)', async () => {
    const started = Date.now();
    const all = await Promise.all(Array.from({ length: 24 }, (_, i) => get(isolates()[i % 6], '/private')));
    const elapsed = Date.now() - started;
    assert.ok(all.every((r) => r.status === 200 && /^private \d+$/.test(r.text)));
    const second = Date.now();
    await Promise.all(Array.from({ length: 24 }, (_, i) => get(isolates()[i % 6], '/private', { at: 1 })));
    const again = Date.now() - second;
    assert.ok(again < 4 * SLOW_MS, `24 requests for a hit-for-pass key took ${again} ms (the first wave ${elapsed} ms): queued`);
    assert.ok(origin.hits('/private') >= 24 + 6, `origin hits ${origin.hits('/private')}`);
  });

  test('POST routes: keyed on the body digest through the shield', async () => {
    const bodies = ['q=shoes', 'q=hats'];
    const all = await Promise.all(Array.from({ length: 24 }, (_, i) => get(isolates()[i % 6], '/api/search', { method: 'POST', body: bodies[i % 2], headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => ({ q: bodies[i % 2], ...r }))));
    for (const r of all) assert.match(r.text, new RegExp(`^results for ${r.q} #\\d+$`));
    assert.equal(origin.hits('/api/search'), 2);
  });

  test('a body cut short at the origin is stored neither by the shield nor by the location (docs/security.md "Integrity")', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await isolates()[i % 6].fetch('https://example.com/trunc', { headers: { 'x-freshet-test-now': String(T0 + i * 1000), 'x-freshet-test-settle': '1', 'accept-encoding': 'identity' } });
      let clean = true;
      let text = '';
      try {
        text = await res.text();
      } catch {
        clean = false;
      }
      assert.equal(res.headers.get('x-cache'), 'MISS', `request ${i}`);
      assert.ok(!clean || text.length === 1000, `request ${i}: a clean short body of ${text.length} bytes`);
    }
    assert.equal(origin.hits('/trunc'), 3, 'nothing stored anywhere: every request reached the origin');
  });

  for (const mode of ['down', '503', 'hang']) {
    test(`shield ${mode}: each isolate falls back to the origin (at most one fetch per isolate), no errors, within the bound`, async () => {
      fault.mode = mode;
      try {
        const key = `/${mode}/a`;
        const started = Date.now();
        const all = await Promise.all(Array.from({ length: 60 }, (_, i) => get(isolates()[i % 6], key)));
        const elapsed = Date.now() - started;
        assert.deepEqual(all.filter((r) => r.status !== 200 || !/^[a-z0-9-]+ \d+$/.test(r.text)).map((r) => `${r.status} ${r.text}`), []);
        assert.ok(origin.hits(key) >= 1 && origin.hits(key) <= 6, `origin hits ${origin.hits(key)} for 6 isolates`);
        // The bound: the route's timeoutMs, then the origin fetch itself.
        assert.ok(elapsed < TIMEOUT_MS + SLOW_MS + 1500, `took ${elapsed} ms`);
      } finally {
        fault.mode = 'up';
      }
    });
  }

  test('the shield is back: later misses go through it again', async () => {
    const before = shieldCalls;
    const r = await get(isolates()[3], '/cold', { at: 2 });
    assert.equal(r.text, 'cold 1');
    assert.ok(shieldCalls >= before, 'no error while it recovers');
  });
});
