// Load: many concurrent clients over many keys through the real worker in
// workerd. Zero errors caused by the cache, zero responses carrying another
// key's body, and origin fetches per key bounded as designed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, T0, WASM_BUILD } from './helpers.js';

const KEYS = 40;
const CLIENTS = 32;
const REQUESTS = 1600;

describe(`load (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    const answer = (headers) => (req, res, n) => {
      const u = new URL(req.url, 'http://o');
      // A little latency so requests overlap at the origin.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', ...headers });
        res.end(`${u.pathname}${u.search} #${n}`);
      }, 2 + (n % 5));
    };
    const routes = {};
    for (let k = 0; k < KEYS; k++) {
      routes[`/fresh/${k}`] = answer({ 'cache-control': 'max-age=3600' });
      routes[`/swr/${k}`] = answer({ 'cache-control': 'max-age=1, stale-while-revalidate=100' });
      routes[`/private/${k}`] = answer({ 'cache-control': 'private' });
    }
    origin = await startOrigin(routes);
    worker = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*' }] } });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test(`${REQUESTS} requests from ${CLIENTS} concurrent clients over ${KEYS * 3} keys`, { timeout: 120_000 }, async () => {
    let next = 0;
    let privateRequests = 0;
    const failures = [];
    const wrongBody = [];
    const started = Date.now();
    async function client(c) {
      while (next < REQUESTS) {
        const i = next++;
        const kind = ['fresh', 'swr', 'private'][i % 3];
        if (kind === 'private') privateRequests++;
        const k = (i * 7 + c) % KEYS;
        const q = kind === 'fresh' && i % 2 ? `?v=${k}` : '';
        const path = `/${kind}/${k}${q}`;
        // The clock advances through the run: 0 .. 20 s.
        const at = Math.floor((i / REQUESTS) * 20_000);
        const res = await worker.mf.dispatchFetch(`https://example.com${path}`, {
          headers: { 'x-freshet-test-now': String(T0 + at) },
        });
        const text = await res.text();
        if (res.status !== 200) failures.push(`${path}: ${res.status} ${text.slice(0, 80)}`);
        else if (!text.startsWith(`${path} #`)) wrongBody.push(`${path} got ${text}`);
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    await worker.settle();
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(failures, [], 'no request failed');
    assert.deepEqual(wrongBody, [], "no response carried another key's body");
    // Bounds: a fresh key is fetched once per query form (coalesced); an
    // swr key at most once per second of the clock (one revalidation at a
    // time) plus its first miss; private keys every time.
    let maxFresh = 0;
    let maxSwr = 0;
    let privateHits = 0;
    for (let k = 0; k < KEYS; k++) {
      maxFresh = Math.max(maxFresh, origin.hits(`/fresh/${k}`));
      maxSwr = Math.max(maxSwr, origin.hits(`/swr/${k}`));
      privateHits += origin.hits(`/private/${k}`);
    }
    assert.ok(maxFresh <= 2, `a fresh key reached the origin ${maxFresh} times (2 query forms)`);
    assert.ok(maxSwr <= 22, `an swr key reached the origin ${maxSwr} times`);
    assert.equal(privateHits, privateRequests, 'every private request reached the origin: none was shared');
    console.log(`# load: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${Math.round(REQUESTS / seconds)} req/s); origin fetches: fresh max ${maxFresh}/key, swr max ${maxSwr}/key, private ${privateHits}`);
  });
});
