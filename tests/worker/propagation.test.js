// Purges reach every location: two Miniflare instances ("data centers")
// with separate caches share one purge log (a Durable Object in a third
// instance, reached through a service binding). A purge taken at location A
// is applied at once there, and at location B before B serves again.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoordinator, startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const TOKEN = 'propagation-token';
const manifest = { defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }, { pattern: '/t/:id', tags: ['t:{id}'] }] };

describe(`purges across two locations (${WASM_BUILD} build)`, () => {
  let origin;
  let coordinator;
  let a;
  let b;
  before(async () => {
    origin = await startOrigin({
      '/page': (req, res, n) => { res.writeHead(200); res.end(`page ${n}`); },
      '/t/1': (req, res, n) => { res.writeHead(200); res.end(`t1 ${n}`); },
      '/timed': (req, res, n) => { res.writeHead(200); res.end(`timed ${n}`); },
    });
    coordinator = await startCoordinator();
    const location = (syncMs, maxLagMs) => startWorker({
      origin: origin.url,
      manifest,
      // Max lag 0: every request needs a pull; let it wait up to 1 s for one
      // (the default 50 ms is too short on a loaded machine).
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN, FRESHET_PURGE_SYNC_MS: String(syncMs), FRESHET_PURGE_MAX_LAG_MS: String(maxLagMs), FRESHET_PURGE_WAIT_MS: '1000' },
      options: {
        serviceBindings: {
          FRESHET_PURGE_SERVICE: coordinator.service(),
        },
      },
    });
    a = await location(1, 0);
    b = await location(1, 0);
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
    await coordinator?.dispose();
    await origin?.close();
  });

  // Purges carry the time of the call (here the test clock, `when` seconds after T0).
  const purge = (location, body, when) => location.fetch('/__freshet/purge', {
    at: when,
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  test('the locations have separate caches', async () => {
    assert.equal((await a.fetch('/page')).xcache, 'MISS');
    assert.equal((await b.fetch('/page')).xcache, 'MISS');
    assert.equal((await a.fetch('/page', { at: 1 })).xcache, 'HIT');
    assert.equal((await b.fetch('/page', { at: 1 })).xcache, 'HIT');
    assert.equal(origin.hits('/page'), 2);
  });

  test('a purge at A is honoured at B', async () => {
    const r = await purge(a, { urls: ['https://example.com/page'] }, 2);
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text);
    assert.equal(body.effective.log, 'purge log');
    assert.ok(body.effective.seq >= 1);
    assert.equal((await a.fetch('/page', { at: 2 })).xcache, 'MISS');
    assert.equal((await b.fetch('/page', { at: 2 })).xcache, 'MISS');
    assert.equal(origin.hits('/page'), 4);
  });

  test('tag purges and soft purges travel too', async () => {
    await a.fetch('/t/1', { at: 3 });
    await b.fetch('/t/1', { at: 3 });
    await purge(b, { tags: ['t:1'], soft: true }, 4);
    const sa = await a.fetch('/t/1', { at: 4 });
    assert.equal(sa.xcache, 'STALE');
    assert.match(sa.cacheStatus, /soft-purged/);
    assert.equal((await b.fetch('/t/1', { at: 4 })).xcache, 'STALE');
  });

  test('with the default sync interval the purge reaches B within the documented bound', async () => {
    // Default settings: pull every 1 s, block when the view is 3 s old.
    const c = await startWorker({
      origin: origin.url,
      manifest,
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
      options: {
        serviceBindings: {
          FRESHET_PURGE_SERVICE: coordinator.service(),
        },
      },
    });
    try {
      await c.fetch('/timed', { at: 5 });
      assert.equal((await c.fetch('/timed', { at: 5 })).xcache, 'HIT');
      const started = Date.now();
      await purge(a, { urls: ['https://example.com/timed'] }, 6);
      let seenAfter = null;
      for (let i = 0; i < 200 && seenAfter === null; i++) {
        const r = await c.fetch('/timed', { at: 6 });
        if (r.xcache === 'MISS') seenAfter = Date.now() - started;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(seenAfter !== null, 'the purge never arrived');
      assert.ok(seenAfter <= 3_500, `propagation took ${seenAfter} ms`);
      console.log(`# purge propagation to another location: ${seenAfter} ms (bound: 3000 ms + one purge-log round trip)`);
    } finally {
      await c.dispose();
    }
  });
});
