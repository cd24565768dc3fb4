// Targeted cache fields through the real worker in workerd (RFC 9213):
// CDN-Cache-Control is used and passed on downstream unless the route says
// "cdnCacheControl": "remove"; Freshet-Cache-Control and Surrogate-Control
// are used and always removed; an invalid targeted field (not an RFC 8941
// Dictionary, or a directive of the wrong type) is ignored whole and
// Cache-Control applies. Time moves through x-freshet-test-now; every test
// checks origin hit counts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { respond, startOrigin, startWorker, stopAll, WASM_BUILD } from './helpers.js';

const manifest = {
  version: 1,
  defaults: { bypassHeaders: [] },
  routes: [
    { name: 'pass', pattern: '/*' },
    { name: 'remove', pattern: '/removed/*', cdnCacheControl: 'remove' },
    { name: 'off', pattern: '/off/*', cache: false, cdnCacheControl: 'remove' },
  ],
};

describe(`targeted cache fields (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  let stdout = ''; // the worker's structured log lines
  before(async () => {
    const targeted = { 'cache-control': 'no-cache', 'cdn-cache-control': 'max-age=100', 'surrogate-control': 'max-age=50', 'freshet-cache-control': 'max-age=100' };
    const etagged = (name) => (req, res, n) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cdn-cache-control': 'max-age=10' });
        res.end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'cdn-cache-control': 'max-age=10', 'content-type': 'text/plain' });
      res.end(`${name} ${n}`);
    };
    origin = await startOrigin({
      '/passed': respond.counted('passed', targeted),
      '/removed/x': respond.counted('removed', targeted),
      '/removed/etag': etagged('removed-etag'),
      '/off/x': respond.counted('off', { 'cdn-cache-control': 'max-age=100' }),
      '/invalid': respond.counted('invalid', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=10000, &&&&&' }),
      '/wrong-type': respond.counted('wrong-type', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age="10000"' }),
      '/invalid-falls-back': respond.counted('falls-back', { 'cache-control': 'max-age=5', 'cdn-cache-control': 'max-age=1.5' }),
      '/valid-beats-no-store': respond.counted('valid', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=10000' }),
      '/ours-invalid': respond.counted('ours', { 'cache-control': 'no-store', 'freshet-cache-control': 'max-age=-1', 'cdn-cache-control': 'max-age=100' }),
    });
    worker = await startWorker({
      origin: origin.url,
      manifest,
      options: {
        handleRuntimeStdio(out, err) {
          out.on('data', (d) => { stdout += d; });
          err.resume();
        },
      },
    });
  });
  after(() => stopAll(worker, origin));

  test('by default CDN-Cache-Control is used and passed on; our own field and Surrogate-Control are removed', async () => {
    const a = await worker.fetch('/passed');
    assert.equal(a.xcache, 'MISS');
    assert.equal(a.headers.get('cdn-cache-control'), 'max-age=100');
    assert.equal(a.headers.get('freshet-cache-control'), null);
    assert.equal(a.headers.get('surrogate-control'), null);
    assert.equal(a.headers.get('cache-control'), 'no-cache');
    const b = await worker.fetch('/passed', { at: 90 });
    assert.equal(b.xcache, 'HIT', 'Freshet-Cache-Control max-age=100 decides');
    assert.equal(b.text, 'passed 1');
    assert.equal(b.headers.get('cdn-cache-control'), 'max-age=100');
    assert.equal(b.headers.get('surrogate-control'), null);
    assert.equal(origin.hits('/passed'), 1);
  });

  test('"cdnCacheControl": "remove" keeps it from the client on a miss, a hit and a revalidation', async () => {
    const a = await worker.fetch('/removed/x');
    assert.equal(a.xcache, 'MISS');
    assert.equal(a.headers.get('cdn-cache-control'), null);
    assert.equal(a.headers.get('surrogate-control'), null);
    const b = await worker.fetch('/removed/x', { at: 90 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('cdn-cache-control'), null);
    assert.equal(origin.hits('/removed/x'), 1);

    await worker.fetch('/removed/etag');
    const c = await worker.fetch('/removed/etag', { at: 20 });
    assert.equal(c.xcache, 'REVALIDATED');
    assert.equal(c.text, 'removed-etag 1');
    assert.equal(c.headers.get('cdn-cache-control'), null);
    assert.equal(origin.hits('/removed/etag'), 2);
  });

  test('"cdnCacheControl": "remove" applies to a bypassed route too', async () => {
    const a = await worker.fetch('/off/x');
    assert.equal(a.xcache, 'BYPASS');
    assert.equal(a.headers.get('cdn-cache-control'), null);
    assert.equal(origin.hits('/off/x'), 1);
  });

  test('an invalid Dictionary is ignored whole: Cache-Control no-store applies', async () => {
    const a = await worker.fetch('/invalid');
    assert.match(a.cacheStatus, /detail="no-store"/);
    const b = await worker.fetch('/invalid', { at: 1 });
    assert.equal(b.xcache, 'MISS');
    assert.equal(b.text, 'invalid 2');
    assert.equal(b.headers.get('cdn-cache-control'), 'max-age=10000, &&&&&', 'passed on as received');
    assert.equal(origin.hits('/invalid'), 2);
    // Logged once per route and field, however often it comes.
    await new Promise((r) => setTimeout(r, 100));
    const events = stdout.split('\n').filter((l) => l.includes('"targeted-field-ignored"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));
    const cdn = events.filter((e) => e.field === 'cdn-cache-control');
    assert.equal(cdn.length, 1, stdout);
    assert.equal(cdn[0].route, 'pass');
    assert.equal(cdn[0].value, 'max-age=10000, &&&&&');
  });

  test('a directive of the wrong type (max-age="10000") makes the field ignored', async () => {
    await worker.fetch('/wrong-type');
    const b = await worker.fetch('/wrong-type', { at: 1 });
    assert.equal(b.xcache, 'MISS');
    assert.equal(b.text, 'wrong-type 2');
    assert.equal(origin.hits('/wrong-type'), 2);
  });

  test('an ignored field falls back to Cache-Control max-age', async () => {
    await worker.fetch('/invalid-falls-back');
    const b = await worker.fetch('/invalid-falls-back', { at: 4 });
    assert.equal(b.xcache, 'HIT');
    const c = await worker.fetch('/invalid-falls-back', { at: 6 });
    assert.equal(c.xcache, 'EXPIRED', 'Cache-Control max-age=5, not a 1.5 s targeted lifetime');
    assert.equal(origin.hits('/invalid-falls-back'), 2);
  });

  test('a valid CDN-Cache-Control wins over Cache-Control no-store', async () => {
    await worker.fetch('/valid-beats-no-store');
    const b = await worker.fetch('/valid-beats-no-store', { at: 5000 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(origin.hits('/valid-beats-no-store'), 1);
  });

  test('an invalid Freshet-Cache-Control falls back to CDN-Cache-Control (RFC 9213 2.2)', async () => {
    const a = await worker.fetch('/ours-invalid');
    assert.equal(a.headers.get('freshet-cache-control'), null);
    const b = await worker.fetch('/ours-invalid', { at: 90 });
    assert.equal(b.xcache, 'HIT');
    const c = await worker.fetch('/ours-invalid', { at: 110 });
    assert.notEqual(c.xcache, 'HIT');
    assert.equal(origin.hits('/ours-invalid'), 2);
  });
});
