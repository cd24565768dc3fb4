// createHandler's keyParts hook (docs/library.md): the worker's own key
// dimensions become part of the key inside the engine, so entries stay
// apart, the readable key shows them, and a purge by URL reaches every one.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { ROOT, T0, startOrigin, wasmPath, workerModules, WASM_BUILD } from './helpers.js';

const TOKEN = 'keyparts-token';

describe(`keyParts hook (${WASM_BUILD} build)`, () => {
  let origin;
  let mf;
  before(async () => {
    origin = await startOrigin({ '/page': (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`page ${n}`); } });
    const bundled = readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8');
    mf = new Miniflare({
      modules: workerModules(readFileSync(wasmPath()), bundled, 'tests/worker/fixtures/keyparts_worker.js'),
      modulesRoot: ROOT,
      compatibilityDate: '2026-04-01',
      cf: false,
      bindings: { ORIGIN: origin.url, FRESHET_TEST_MODE: '1', FRESHET_ADMIN_TOKEN: TOKEN },
    });
    await mf.ready;
  });
  after(async () => {
    await mf?.dispose();
    await origin?.close();
  });

  const get = async (tenant, at) => {
    const headers = { 'x-freshet-test-now': String(T0 + at * 1000), 'x-freshet-test-settle': '1' };
    if (tenant) headers['x-tenant'] = tenant;
    const res = await mf.dispatchFetch('https://example.com/page', { headers });
    return { status: res.status, text: await res.text(), xcache: res.headers.get('x-cache'), key: res.headers.get('x-freshet-key'), cacheStatus: res.headers.get('cache-status') };
  };

  test('each tenant has its own entry, named in the readable key', async () => {
    const a = await get('acme', 0);
    assert.equal(a.xcache, 'MISS');
    assert.equal(a.key, 'https://example.com/page custom:tenant=acme');
    const b = await get('globex', 0);
    assert.equal(b.xcache, 'MISS');
    assert.equal(b.key, 'https://example.com/page custom:tenant=globex');
    assert.equal((await get('acme', 1)).text, 'page 1');
    assert.equal((await get('globex', 1)).text, 'page 2');
    const none = await get(undefined, 1);
    assert.equal(none.key, 'https://example.com/page', 'an undefined part is no dimension');
    assert.equal(origin.hits('/page'), 3);
  });

  test('a purge by URL reaches every tenant', async () => {
    const res = await mf.dispatchFetch('https://example.com/__freshet/purge', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-freshet-test-now': String(T0 + 2000), 'x-freshet-test-settle': '1' },
      body: JSON.stringify({ urls: ['https://example.com/page'] }),
    });
    assert.ok(res.status < 300, `purge answered ${res.status}`);
    await res.arrayBuffer();
    const before = origin.hits('/page');
    assert.equal((await get('acme', 3)).xcache, 'MISS');
    assert.equal((await get('globex', 3)).xcache, 'MISS');
    assert.equal(origin.hits('/page'), before + 2);
  });

  test('a hook that throws sends the request to the origin untouched', async () => {
    const r = await get('explode', 4);
    assert.equal(r.status, 200);
    assert.equal(r.xcache, 'BYPASS');
    assert.match(r.cacheStatus, /detail="key-parts-error"/);
  });
});
