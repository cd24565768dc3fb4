// freshet as a library in a worker the user writes (examples/custom-worker.js):
// createHandler composing with the user's own fetch (the origin is a
// function), and withRevalidate / invalidate / invalidateAll.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { ROOT, T0, startOrigin, wasmPath, WASM_BUILD } from './helpers.js';

describe(`library (${WASM_BUILD} build)`, () => {
  let origin;
  let mf;
  const users = { 1: 'Ada', 2: 'Grace' };
  before(async () => {
    origin = await startOrigin({
      '/users/1': (req, res, n) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ id: 1, name: users[1], version: n })); },
      '/users/2': (req, res, n) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ id: 2, name: users[2], version: n })); },
    });
    const workerDir = path.join(ROOT, 'worker');
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: path.join(ROOT, 'examples/custom-worker.js') },
        ...readdirSync(workerDir).filter((f) => f.endsWith('.js') && f !== 'index.js').map((f) => ({ type: 'ESModule', path: path.join(workerDir, f) })),
        { type: 'CompiledWasm', path: path.join(ROOT, 'dist/freshet.wasm'), contents: readFileSync(wasmPath()) },
      ],
      modulesRoot: ROOT,
      compatibilityDate: '2026-04-01',
      cf: false,
      bindings: { ORIGIN: origin.url, FRESHET_TEST_MODE: '1' },
    });
    await mf.ready;
  });
  after(async () => {
    await mf?.dispose();
    await origin?.close();
  });

  const get = async (p, at, init = {}) => {
    const res = await mf.dispatchFetch(`https://app.example${p}`, {
      ...init,
      headers: { 'x-freshet-test-now': String(T0 + at * 1000), 'x-freshet-test-settle': '1', ...(init.headers ?? {}) },
    });
    return { status: res.status, xcache: res.headers.get('x-cache'), text: await res.text() };
  };

  test('withRevalidate: missing, fresh, stale while one refetch runs', async () => {
    const a = JSON.parse((await get('/api/user/2', 0)).text);
    assert.deepEqual(a, { id: 2, name: 'Grace', version: 1 });
    assert.equal(JSON.parse((await get('/api/user/2', 30)).text).version, 1, 'fresh');
    assert.equal(origin.hits('/users/2'), 1);
    const stale = JSON.parse((await get('/api/user/2', 61)).text);
    assert.equal(stale.version, 1, 'stale value served at once');
    // The refetch runs in the worker's ctx.waitUntil, which the test cannot
    // await: poll (bounded) until the new value is served.
    let fresh;
    for (let i = 0; i < 100; i++) {
      fresh = JSON.parse((await get('/api/user/2', 62)).text);
      if (fresh.version === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(fresh.version, 2, 'refetched in the background');
    assert.equal(origin.hits('/users/2'), 2);
  });

  test('concurrent misses share one fetch', async () => {
    const before = origin.hits('/users/1');
    await Promise.all([0, 1, 2, 3].map(() => get('/api/user/1', 100, { headers: { 'x-freshet-test-settle': '' } })));
    assert.equal(origin.hits('/users/1') - before, 1);
  });

  test('invalidate(key) and invalidateAll()', async () => {
    // user:1 was fetched at t=100 (previous test) and is fresh until t=160:
    // every fetch below is a synchronous miss, never a background refetch.
    const hits = origin.hits('/users/1');
    assert.equal(JSON.parse((await get('/api/user/1', 101)).text).version, hits, 'fresh');
    await get('/api/invalidate', 102, { method: 'POST', body: JSON.stringify({ key: 'user:1' }) });
    assert.equal(JSON.parse((await get('/api/user/1', 103)).text).version, hits + 1);
    await get('/api/invalidate', 104, { method: 'POST', body: JSON.stringify({ all: true }) });
    assert.equal(JSON.parse((await get('/api/user/1', 105)).text).version, hits + 2);
    assert.equal(origin.hits('/users/1'), hits + 2);
  });

  test('createHandler caches the pages of an app whose origin is a function', async () => {
    const a = await get('/home', 300);
    assert.equal(a.xcache, 'MISS');
    assert.match(a.text, /hello Ada \(render #1\)/);
    const b = await get('/home', 305);
    assert.equal(b.xcache, 'HIT');
    assert.match(b.text, /render #1/);
    const c = await get('/home', 311);
    assert.equal(c.xcache, 'STALE');
  });
});
