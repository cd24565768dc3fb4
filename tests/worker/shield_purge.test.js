// Purges through the shield (docs/shield.md "Purges"): two locations (one
// Miniflare instance each, separate caches), the purge log behind a
// service binding, and the shield's Durable Objects in a fourth instance
// that has no purge log of its own: what it learns of purges comes with
// the locations' requests. The worker's own clock (no test time): the
// purge plane pulls every 100 ms.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { ROOT, startCoordinator, startOrigin, startShield, wasmPath, workerModules, WASM_BUILD } from './helpers.js';

const TOKEN = 'shield-purge-token';
const manifest = {
  defaults: { ttl: 3600, staleWhileRevalidate: 0, staleIfError: 0 },
  routes: [{ pattern: '/*', shield: true }],
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`purges through the shield (${WASM_BUILD} build)`, () => {
  let origin;
  let coordinator;
  let shield;
  const locations = [];
  const versions = new Map(); // path -> content version

  before(async () => {
    origin = await startOrigin({
      '*': (req, res, n) => {
        const p = new URL(req.url, 'http://o').pathname;
        const v = versions.get(p) ?? 1;
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600', 'cache-tag': `tag-${p.slice(1)}`, etag: `"v${v}"` });
        res.end(`${p} v${v} #${n}`);
      },
    });
    coordinator = await startCoordinator();
    const wasm = readFileSync(wasmPath());
    const bundled = readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8');
    const bindings = {
      ORIGIN: origin.url,
      FRESHET_MANIFEST: JSON.stringify(manifest),
      FRESHET_ADMIN_TOKEN: TOKEN,
      FRESHET_PURGE_SYNC_MS: '100',
      FRESHET_PURGE_MAX_LAG_MS: '1000',
    };
    shield = await startShield(bindings);
    const toShield = (req) => shield.dispatchFetch(req.url, { method: req.method, headers: req.headers, body: req.body, duplex: 'half' });
    for (let l = 0; l < 2; l++) {
      const mf = new Miniflare({
        modules: workerModules(wasm, bundled),
        modulesRoot: ROOT,
        compatibilityDate: '2026-04-01',
        cf: false,
        bindings: { ...bindings, FRESHET_LOCATION: `loc${l}` },
        serviceBindings: { FRESHET_SHIELD_SERVICE: toShield, FRESHET_PURGE_SERVICE: coordinator.service() },
      });
      await mf.ready;
      locations.push(mf);
    }
  });
  after(async () => {
    for (const mf of locations) await mf.dispose();
    await shield?.dispose();
    await coordinator?.dispose();
    await origin?.close();
  });

  const get = async (l, pathname) => {
    const res = await locations[l].dispatchFetch(`https://example.com${pathname}`);
    return { text: await res.text(), xcache: res.headers.get('x-cache'), cacheStatus: res.headers.get('cache-status') };
  };
  const purge = async (l, body) => {
    const res = await locations[l].dispatchFetch('https://example.com/__freshet/purge', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  };
  // Until location `l` has pulled the purge log: a request starts a pull in
  // the background when the view is older than the sync interval (100 ms).
  const pulled = async (l) => {
    await sleep(150);
    await get(l, '/unrelated');
    await sleep(300);
  };
  // Both locations and the shield hold v1 of `p`; then the origin's content changes.
  const everywhere = async (p) => {
    assert.match((await get(0, p)).text, / v1 #1$/);
    assert.match((await get(1, p)).cacheStatus, /^freshet-shield; hit/);
    versions.set(p, 2);
  };

  test('a purge is honoured at once by the location that took it, though the shield never heard of it', async () => {
    await everywhere('/a');
    await purge(0, { urls: ['https://example.com/a'] });
    const after = await get(0, '/a');
    assert.equal(after.text, '/a v2 #2', 'the location asked the shield with its purge: the shield fetched again');
    assert.equal((await get(0, '/a')).xcache, 'HIT');
    // The other location learns it from the log, and the shield holds v2.
    await pulled(1);
    assert.equal((await get(1, '/a')).text, '/a v2 #2');
    assert.equal(origin.hits('/a'), 2);
  });

  test('a location that got the shield\'s old copy before it heard of the purge drops it once it does', async () => {
    assert.match((await get(0, '/b')).text, / v1 #1$/);
    versions.set('/b', 2);
    await purge(0, { urls: ['https://example.com/b'] });
    // At once, before its next pull: location 1 has no copy, and the shield
    // answers with its own, fetched before the purge.
    const early = await get(1, '/b');
    if (early.text === '/b v1 #1') {
      // Once location 1 learns the purge, that copy is covered by it: the
      // shield's answer said when it left the origin.
      await pulled(1);
      assert.equal((await get(1, '/b')).text, '/b v2 #2');
    } else {
      assert.equal(early.text, '/b v2 #2', 'location 1 had pulled the purge already');
    }
    assert.equal((await get(1, '/b')).xcache, 'HIT');
    assert.equal(origin.hits('/b'), 2);
  });

  test('a tag purge (the origin\'s Cache-Tag) reaches through the shield', async () => {
    await everywhere('/c');
    await purge(0, { tags: ['tag-c'] });
    assert.equal((await get(0, '/c')).text, '/c v2 #2');
    await pulled(1);
    assert.equal((await get(1, '/c')).text, '/c v2 #2');
    assert.equal(origin.hits('/c'), 2);
  });

  test('a soft purge: the location serves its stale copy once while it revalidates through the shield, then the new one', async () => {
    await everywhere('/d');
    await purge(0, { urls: ['https://example.com/d'], soft: true });
    const stale = await get(0, '/d');
    assert.equal(stale.text, '/d v1 #1');
    assert.equal(stale.xcache, 'STALE');
    await sleep(300); // the background revalidation
    assert.equal((await get(0, '/d')).text, '/d v2 #2');
    assert.equal(origin.hits('/d'), 2);
  });
});
