// The purge plane's parts on their own: the isolate's view (purge.js), the
// sync with a scripted purge log (purge_sync.js), and the log's compaction
// and idempotency (purge_log.js in workerd, no worker in front).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixIndex, PurgeState } from '../../worker/purge.js';
import { PurgeSync } from '../../worker/purge_sync.js';
import { adminCall, startCoordinator, startOrigin, startWorker } from './helpers.js';

describe('the purge view', () => {
  test('prefixes match by length, not by scanning every prefix', () => {
    const index = new PrefixIndex();
    for (let i = 0; i < 100_000; i++) index.set(`/p/${i}/`, { hard: i, soft: 0 });
    index.set('/', { hard: -1, soft: 0 });
    const seen = [];
    index.matches('/p/4242/page', (slot) => seen.push(slot.hard));
    assert.deepEqual(seen, [-1, 4242]);
    assert.ok(index.lengths.length <= 10, `${index.lengths.length} lengths`);
  });

  test('path and URL prefixes, URLs of every query and of one, tags', () => {
    const s = new PurgeState();
    s.apply({ kind: 'prefix', value: '/docs/', soft: false, at: 10 });
    s.apply({ kind: 'prefix', value: 'https://a.example/img/', soft: true, at: 20 });
    s.apply({ kind: 'url', value: 'https://a.example/page', soft: false, at: 30 });
    s.apply({ kind: 'url', value: 'https://a.example/q?x=1', soft: false, at: 40 });
    s.apply({ kind: 'tag', value: 'post:1', soft: false, at: 50 });
    assert.deepEqual(s.floors('https://b.example/docs/a'), { hard: 10, soft: 0 });
    assert.deepEqual(s.floors('https://a.example/img/x.png'), { hard: 0, soft: 20 });
    assert.deepEqual(s.floors('https://b.example/img/x.png'), { hard: 0, soft: 0 });
    assert.deepEqual(s.floors('https://a.example/page?y=2 cookie=1'), { hard: 30, soft: 0 });
    assert.deepEqual(s.floors('https://a.example/q?x=1'), { hard: 40, soft: 0 });
    assert.deepEqual(s.floors('https://a.example/q?x=2'), { hard: 0, soft: 0 });
    assert.deepEqual(s.floors('https://a.example/t', ['post:1']), { hard: 50, soft: 0 });
  });

  test('past the cap the oldest record folds into compactedBefore, never into a purge of everything', () => {
    const s = new PurgeState({ limit: 3 });
    for (let i = 1; i <= 5; i++) s.apply({ kind: 'url', value: `https://a.example/${i}`, soft: false, at: i * 100 });
    assert.equal(s.urls.size, 3);
    assert.deepEqual(s.all, { hard: 0, soft: 0 });
    assert.equal(s.compactedBefore, 200);
  });

  test('compaction drops records older than the horizon and remembers the newest it dropped', () => {
    const s = new PurgeState();
    s.apply({ kind: 'tag', value: 'old', soft: false, at: 1000 });
    s.apply({ kind: 'prefix', value: '/old/', soft: false, at: 2000 });
    s.apply({ kind: 'tag', value: 'new', soft: false, at: 9000 });
    assert.equal(s.compact(10_000, 5000), 2);
    assert.equal(s.compactedBefore, 2000);
    assert.deepEqual(s.size().prefixes, 0);
    assert.deepEqual(s.floors('https://a.example/x', ['new']), { hard: 9000, soft: 0 });
  });

  test('malformed records are ignored', () => {
    const s = new PurgeState();
    s.apply({ kind: 'url', value: '', soft: false, at: 1 });
    s.apply({ kind: 'tag', value: 'x', soft: false, at: NaN });
    assert.ok(s.onlyAll());
  });
});

describe('the sync against a scripted purge log', () => {
  // A stub with the Durable Object's fetch; `answer(path)` decides.
  const stubEnv = (answer) => ({ FRESHET_PURGE_SERVICE: { fetch: (url, init) => answer(new URL(url).pathname, init) } });
  const ok = (body) => Promise.resolve(Response.json(body));

  test('a request never waits more than the wait bound, and an outage is logged once', async () => {
    const events = [];
    const sync = new PurgeSync(new PurgeState(), { log: (e) => events.push(e) });
    const env = { ...stubEnv(() => new Promise(() => {})), FRESHET_PURGE_TIMEOUT_MS: '300', FRESHET_PURGE_SYNC_MS: '1' };
    const background = [];
    const waitUntil = (p) => background.push(p);
    const t = performance.now();
    const unproven = await sync.view(env, waitUntil, 10_000);
    const waited = performance.now() - t;
    assert.ok(waited < 120, `waited ${waited} ms`);
    assert.equal(unproven, 10_000 - 3, 'never synced: entries older than max lag are unproven');
    await Promise.all(background);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const t2 = performance.now();
      await sync.view(env, waitUntil, 10_000);
      assert.ok(performance.now() - t2 < 20, 'no wait once the outage is known');
    }
    await Promise.all(background);
    assert.equal(events.filter((e) => e.event === 'purge-sync-failed').length, 1);
  });

  test('pulls page until caught up and prove the view', async () => {
    const pages = [
      { seq: 2, latest: 3, records: [[1, 0, 'https://a.example/1', 0, 5], [2, 2, 't', 1, 6]], floor: 0, compacted: 0 },
      { seq: 3, latest: 3, records: [[3, 1, '/p/', 0, 7]], floor: 0, compacted: 0 },
    ];
    const state = new PurgeState();
    const sync = new PurgeSync(state);
    const env = stubEnv((p) => ok(pages.shift()));
    const background = [];
    const unproven = await sync.view(env, (p) => background.push(p), 100_000);
    await Promise.all(background);
    assert.equal(state.seq, 3);
    assert.equal(unproven, 0);
    assert.ok(sync.proven());
    assert.deepEqual(state.floors('https://a.example/p/x', ['t']), { hard: 7, soft: 6 });
  });

  test('a publish the log cannot take is queued, then retried with the same id', async () => {
    let down = true;
    const published = [];
    const env = stubEnv((p, init) => {
      if (p === '/publish') {
        if (down) return Promise.resolve(new Response('no', { status: 503 }));
        published.push(JSON.parse(init.body));
        return ok({ seq: published.length });
      }
      return ok({ seq: 0, latest: 0, records: [] });
    });
    const sync = new PurgeSync(new PurgeState());
    const first = await sync.submit(env, [{ kind: 'tag', value: 'x', soft: false, at: 1 }], { id: 'p-1' });
    assert.equal(first.queued, true);
    assert.equal(sync.status().queuedRecords, 1);
    down = false;
    const background = [];
    await sync.view(env, (p) => background.push(p), 2);
    await Promise.all(background);
    assert.equal(published.length, 1);
    assert.equal(published[0].id, 'p-1');
    assert.equal(sync.status().queuedRecords, 0);
  });
});

describe('the purge log object', () => {
  let coordinator;
  before(async () => {
    coordinator = await startCoordinator({ bindings: { FRESHET_PURGE_HORIZON_S: '60' } });
  });
  after(() => coordinator?.dispose());

  const publish = async (body) => {
    const r = await coordinator.fetch('/publish', { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  const since = async (after, limit = '') => (await coordinator.fetch(`/since?after=${after}&limit=${limit}`)).json();

  test('the same id is recorded once', async () => {
    const records = [{ kind: 'url', value: 'https://a.example/x', soft: false, at: 1000 }];
    const one = await publish({ id: 'same', records, now: 1000 });
    const two = await publish({ id: 'same', records, now: 1000 });
    assert.equal(one.status, 200);
    assert.equal(two.body.duplicate, true);
    assert.equal(two.body.seq, one.body.seq);
    assert.equal((await since(0)).latest, one.body.seq);
  });

  test('pages: a pull asks again from where the last page ended', async () => {
    const records = Array.from({ length: 1200 }, (_, i) => ({ kind: 'tag', value: `t${i}`, soft: false, at: 2000 }));
    await publish({ records, now: 2000 });
    let after = 0;
    let got = 0;
    for (let i = 0; i < 10; i++) {
      const page = await since(after, 500);
      got += page.records.length;
      after = page.seq;
      if (page.seq >= page.latest) break;
    }
    assert.equal(got, 1201);
    assert.equal(after, 1201);
  });

  test('records older than the horizon fold away; an isolate behind is told', async () => {
    await publish({ records: [{ kind: 'all', soft: true, at: 200_000 }], now: 200_000 });
    const behind = await since(0);
    assert.ok(behind.compacted >= 2000, JSON.stringify({ ...behind, records: behind.records.length }));
    assert.equal(behind.records.length, 1);
    assert.equal(behind.records[0][1], 3); // the "all" record
  });

  test('fleet reports add up; bad ones are refused', async () => {
    for (const loc of ['x', 'y']) {
      const r = await coordinator.fetch('/report', { method: 'POST', body: JSON.stringify({ isolate: `i-${loc}`, location: loc, deltas: { requests: 10, hits: 6, misses: 4, originFetches: 4 } }) });
      assert.equal(r.status, 200);
    }
    const bad = await coordinator.fetch('/report', { method: 'POST', body: JSON.stringify({ deltas: 'no' }) });
    assert.equal(bad.status, 400);
    const { fleet } = await (await coordinator.fetch('/stats')).json();
    assert.equal(fleet.requests, 20);
    assert.equal(fleet.hitRatio, 0.6);
    assert.equal(fleet.locations.x.requests, 10);
    assert.equal(fleet.activeIsolates, 2);
  });
});

describe('a purge log written by the first storage layout', () => {
  test('is folded into segments once and served as before', async () => {
    const coordinator = await startCoordinator({ entry: 'tests/worker/legacy_log.js', className: 'LegacyPurgeLog' });
    try {
      const records = Array.from({ length: 700 }, (_, i) => ({ kind: 'url', value: `https://a.example/${i}`, soft: false, at: 1000 + i }));
      await (await coordinator.fetch('/legacy-seed', { method: 'POST', body: JSON.stringify({ records }) })).text();
      const page = await (await coordinator.fetch('/since?after=0')).json();
      assert.equal(page.latest, 700);
      assert.equal(page.records.length, 700);
      assert.deepEqual(page.records[699], [700, 0, 'https://a.example/699', 0, 1699]);
      const next = await (await coordinator.fetch('/publish', { method: 'POST', body: JSON.stringify({ records: [{ kind: 'all', soft: true, at: 5000 }], now: 5000 }) })).json();
      assert.equal(next.seq, 701);
      assert.equal((await (await coordinator.fetch('/since?after=650')).json()).records.length, 51);
    } finally {
      await coordinator.dispose();
    }
  });
});

describe('the worker with the purge log bound as a Durable Object namespace', () => {
  test('purges are durable and fleet stats come from the same object', async () => {
    const origin = await startOrigin({ '/page': (req, res, n) => { res.writeHead(200); res.end(`page ${n}`); } });
    const worker = await startWorker({
      origin: origin.url,
      manifest: { defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }] },
      bindings: { FRESHET_ADMIN_TOKEN: 'do-token' },
      options: { durableObjects: { FRESHET_PURGE_LOG: 'PurgeLog' } },
    });
    try {
      assert.equal((await worker.fetch('/page')).xcache, 'MISS');
      assert.equal((await worker.fetch('/page', { at: 1 })).xcache, 'HIT');
      const r = await adminCall(worker, 'do-token', 'purge', { urls: ['https://example.com/page'], id: 'do-1' }, 2);
      assert.equal(r.status, 200, r.text);
      assert.equal(JSON.parse(r.text).effective.durable, true);
      assert.equal((await worker.fetch('/page', { at: 2 })).xcache, 'MISS');
      const stats = JSON.parse((await adminCall(worker, 'do-token', 'stats', { scope: 'fleet' }, 2)).text);
      assert.ok(stats.fleet.requests >= 3, JSON.stringify(stats.fleet));
      assert.equal(stats.log.seq, 1);
      assert.equal(origin.hits('/page'), 2);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});
