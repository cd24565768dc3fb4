// The admin route through the real worker in workerd: authentication and
// bad input, purges (URL with every query form, prefix, tag, everything;
// hard and soft), warm-up, inspection, stats, request controls and the cron
// trigger. Time moves explicitly; origin hits are counted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const TOKEN = 'test-admin-token-0123456789';
const manifest = {
  defaults: { ttl: 300, staleWhileRevalidate: 0, bypassCookies: ['session'] },
  warm: ['https://example.com/cron/a', 'https://example.com/cron/b'],
  routes: [
    { name: 'pages', pattern: '/*' },
    { name: 'post', pattern: '/blog/:slug', tags: ['post:{slug}', 'blog'] },
  ],
};

const counted = (req, res, n) => {
  res.writeHead(200, { 'content-type': 'text/plain', ...(req.url.startsWith('/tagged') ? { 'cache-tag': 'origin-tag' } : {}) });
  res.end(`${new URL(req.url, 'http://o').pathname} ${n}`);
};

describe(`admin route (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  const paths = ['/a', '/q', '/blog/one', '/blog/two', '/docs/x', '/docs/y', '/tagged', '/soft', '/w1', '/w2', '/ins', '/ctl', '/cron/a', '/cron/b', '/all1', '/all2'];
  before(async () => {
    origin = await startOrigin(Object.fromEntries(paths.map((p) => [p, counted])));
    worker = await startWorker({ origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  const admin = (endpoint, body, { token = TOKEN, method = 'POST', at = 0, raw } = {}) =>
    worker.fetch(`/__freshet/${endpoint}`, {
      method,
      at,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: method === 'POST' ? raw ?? JSON.stringify(body ?? {}) : undefined,
    });

  test('no token, wrong token: 401 with no detail', async () => {
    for (const token of [null, 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const r = await admin('purge', { all: true }, { token });
      assert.equal(r.status, 401);
      assert.equal(r.text, '');
    }
    assert.equal(origin.totalHits(), 0, 'admin calls never reach the origin');
  });

  test('GET on an endpoint: 405; unknown endpoint: 404', async () => {
    const get = await admin('purge', null, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await admin('nope', {})).status, 404);
  });

  test('malformed and oversized bodies: 400 with a precise message', async () => {
    const cases = [
      [{ raw: '{"urls": [' }, /invalid JSON/],
      [{ raw: '[1,2]' }, /\$: must be a JSON object/],
      [{ raw: JSON.stringify({ urls: 'x' }) }, /\$\.urls: must be an array/],
      [{ raw: JSON.stringify({ urls: ['/relative'] }) }, /\$\.urls\[0\]: "\/relative" is not an absolute URL/],
      [{ raw: JSON.stringify({ tags: ['a b'] }) }, /\$\.tags\[0\]: a tag is/],
      [{ raw: JSON.stringify({ purge: true }) }, /\$\.purge: unknown field/],
      [{ raw: JSON.stringify({}) }, /nothing to purge/],
      [{ raw: JSON.stringify({ all: 'yes' }) }, /\$\.all: must be true or false/],
      [{ raw: JSON.stringify({ tags: Array(1001).fill('t') }) }, /at most 1000 items/],
      [{ raw: 'x'.repeat(70 * 1024) }, /body over 65536 bytes/],
    ];
    for (const [opts, message] of cases) {
      const r = await admin('purge', null, opts);
      assert.equal(r.status, 400, r.text);
      assert.match(JSON.parse(r.text).error, message);
    }
  });

  test('hard purge by URL reaches every query form and variant', async () => {
    await worker.fetch('/q?a=1');
    await worker.fetch('/q?b=2');
    assert.equal((await worker.fetch('/q?a=1', { at: 1 })).xcache, 'HIT');
    const r = await admin('purge', { urls: ['https://example.com/q'] }, { at: 2 });
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text);
    assert.equal(body.purged.urls[0].key, 'https://example.com/q');
    assert.equal(body.effective.thisIsolate, 'now');
    assert.equal((await worker.fetch('/q?a=1', { at: 3 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/q?b=2', { at: 3 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/q?a=1', { at: 4 })).xcache, 'HIT');
    assert.equal(origin.hits('/q'), 4);
  });

  test('purge by one query form leaves the others', async () => {
    await worker.fetch('/a?x=1', { at: 10 });
    await worker.fetch('/a?x=2', { at: 10 });
    await admin('purge', { urls: ['https://example.com/a?x=1'] }, { at: 11 });
    assert.equal((await worker.fetch('/a?x=1', { at: 12 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/a?x=2', { at: 12 })).xcache, 'HIT');
  });

  test('purge by prefix and by tag (route tags and origin Cache-Tag)', async () => {
    for (const p of ['/docs/x', '/docs/y', '/blog/one', '/blog/two', '/tagged']) await worker.fetch(p, { at: 20 });
    await admin('purge', { prefixes: ['/docs/'] }, { at: 21 });
    assert.equal((await worker.fetch('/docs/x', { at: 22 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/docs/y', { at: 22 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/blog/one', { at: 22 })).xcache, 'HIT');
    await admin('purge', { tags: ['post:one'] }, { at: 23 });
    assert.equal((await worker.fetch('/blog/one', { at: 24 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/blog/two', { at: 24 })).xcache, 'HIT');
    await admin('purge', { tags: ['blog', 'origin-tag'] }, { at: 25 });
    assert.equal((await worker.fetch('/blog/two', { at: 26 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/tagged', { at: 26 })).xcache, 'MISS');
  });

  test('soft purge: the stale copy is served while one revalidation runs', async () => {
    await worker.fetch('/soft', { at: 30 });
    const r = await admin('purge', { urls: ['https://example.com/soft'], soft: true }, { at: 31 });
    assert.match(JSON.parse(r.text).mode, /^soft/);
    const stale = await worker.fetch('/soft', { at: 32 });
    assert.equal(stale.xcache, 'STALE');
    assert.equal(stale.text, '/soft 1');
    assert.match(stale.cacheStatus, /detail="soft-purged"/);
    const fresh = await worker.fetch('/soft', { at: 33 });
    assert.equal(fresh.xcache, 'HIT');
    assert.equal(fresh.text, '/soft 2');
    assert.equal(origin.hits('/soft'), 2);
  });

  test('purge everything', async () => {
    await worker.fetch('/all1', { at: 40 });
    await worker.fetch('/all2', { at: 40 });
    await admin('purge', { all: true }, { at: 41 });
    assert.equal((await worker.fetch('/all1', { at: 42 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/all2', { at: 42 })).xcache, 'MISS');
  });

  test('warm fetches URLs through the cache path', async () => {
    const r = await admin('warm', { urls: ['https://example.com/w1', 'https://example.com/w2'] }, { at: 50 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text).warmed.map((w) => w.cache), ['MISS', 'MISS']);
    assert.equal((await worker.fetch('/w1', { at: 51 })).xcache, 'HIT');
    assert.equal((await worker.fetch('/w2', { at: 51 })).xcache, 'HIT');
    assert.equal(origin.hits('/w1'), 1);
    const bad = await admin('warm', { urls: [] });
    assert.equal(bad.status, 400);
  });

  test('inspect: route, key, stored, age, TTL left, tags, what a request would get', async () => {
    const none = JSON.parse((await admin('inspect', { url: 'https://example.com/ins' }, { at: 60 })).text);
    assert.equal(none.stored, false);
    assert.equal(none.now.action, 'MISS');
    await worker.fetch('/ins', { at: 60 });
    const i = JSON.parse((await admin('inspect', { url: 'https://example.com/ins' }, { at: 70 })).text);
    assert.equal(i.route.name, 'pages');
    assert.equal(i.key, 'https://example.com/ins');
    assert.equal(i.stored, true);
    assert.equal(i.entry.age, 10);
    assert.equal(i.entry.ttlLeft, 290);
    // The entry metadata's response time (worker/entry_meta.js).
    assert.equal(i.entry.storedAt, new Date(T0 + 60_000).toISOString());
    assert.equal(i.now.action, 'HIT');
    const blog = JSON.parse((await admin('inspect', { url: 'https://example.com/blog/one' }, { at: 70 })).text);
    assert.deepEqual(blog.routeTags, ['post:one', 'blog']);
    const bypass = JSON.parse((await admin('inspect', { url: 'https://example.com/ins', headers: { cookie: 'session=1' } })).text);
    assert.equal(bypass.decision, 'bypass');
    assert.equal(bypass.reason, 'bypass-cookie');
  });

  test('stats count hits, misses and bypasses by reason', async () => {
    const s = JSON.parse((await admin('stats', {})).text).isolate;
    assert.ok(s.hits > 0 && s.misses > 0 && s.originFetches > 0, JSON.stringify(s));
    assert.ok(s.purgeState.urls >= 1);
    assert.ok(s.coalescing.leaders >= 1, 'coalescing counters: leaders, followers (coalesced waits)');
    assert.equal(typeof s.coalescing.followers, 'number');
  });

  test('request controls: bypass, refresh, use; a wrong token gets 401', async () => {
    await worker.fetch('/ctl', { at: 80 });
    const ctl = (mode, extra = {}, token = TOKEN) => worker.fetch('/ctl', { at: 81, headers: { 'freshet-control': mode, 'freshet-token': token, ...extra } });
    const bypass = await ctl('bypass');
    assert.equal(bypass.xcache, 'BYPASS');
    assert.match(bypass.cacheStatus, /detail="control-bypass"/);
    const refresh = await ctl('refresh');
    assert.equal(refresh.xcache, 'REFRESH');
    assert.equal(refresh.text, '/ctl 3');
    const after = await worker.fetch('/ctl', { at: 82 });
    assert.equal(after.xcache, 'HIT');
    assert.equal(after.text, '/ctl 3');
    // A session cookie normally bypasses; "use" shows the cached copy.
    assert.equal((await worker.fetch('/ctl', { at: 82, headers: { cookie: 'session=1' } })).xcache, 'BYPASS');
    const use = await ctl('use', { cookie: 'session=1' });
    assert.equal(use.xcache, 'HIT');
    assert.equal((await ctl('refresh', {}, 'wrong')).status, 401);
    const seen = origin.requests.filter((r) => r.path === '/ctl');
    for (const r of seen) assert.equal(r.headers['freshet-token'], undefined, 'the token never reaches the origin');
  });

  test('debug headers for an authenticated caller in mode "on"; never without the token', async () => {
    await worker.fetch('/ctl', { at: 83 });
    const plain = await worker.fetch('/ctl', { at: 84 });
    for (const h of ['x-freshet-key', 'x-freshet-route', 'x-freshet-reason']) assert.equal(plain.headers.get(h), null);
    assert.doesNotMatch(plain.cacheStatus, /key=/);
    const dbg = await worker.fetch('/ctl', { at: 84, headers: { 'freshet-control': 'debug', 'freshet-token': TOKEN } });
    assert.equal(dbg.xcache, 'HIT');
    assert.equal(dbg.headers.get('x-freshet-key'), 'https://example.com/ctl');
    assert.ok(dbg.headers.get('x-freshet-route'));
    assert.equal(dbg.headers.get('x-freshet-reason'), 'fresh');
    assert.match(dbg.cacheStatus, /key="https:\/\/example.com\/ctl"/);
    // The engine's request decisions are shared between identical requests
    // (Engine.cachedRequest): the debug one must not leak into the next.
    const after = await worker.fetch('/ctl', { at: 84 });
    assert.equal(after.xcache, 'HIT');
    for (const h of ['x-freshet-key', 'x-freshet-route', 'x-freshet-reason']) assert.equal(after.headers.get(h), null, h);
    assert.doesNotMatch(after.cacheStatus, /key=/);
    const both = await worker.fetch('/ctl', { at: 85, headers: { 'freshet-control': 'refresh, debug', 'freshet-token': TOKEN } });
    assert.equal(both.xcache, 'REFRESH');
    assert.equal(both.headers.get('x-freshet-key'), 'https://example.com/ctl');
    const forged = await worker.fetch('/ctl', { at: 85, headers: { 'freshet-control': 'debug', 'freshet-token': 'wrong' } });
    assert.equal(forged.status, 401);
    assert.equal(forged.headers.get('x-freshet-key'), null);
    assert.equal((await worker.fetch('/ctl', { at: 85, headers: { 'freshet-control': 'refresh, bypass', 'freshet-token': TOKEN } })).status, 401, 'one mode at a time');
  });

  test('the cron trigger warms the manifest URLs', async () => {
    const w = await worker.mf.getWorker();
    await w.scheduled({ cron: '*/5 * * * *' });
    await worker.settle();
    assert.equal(origin.hits('/cron/a'), 1);
    assert.equal(origin.hits('/cron/b'), 1);
    assert.equal((await worker.fetch('/cron/a', { at: 0 })).xcache !== 'MISS', true);
  });
});

describe(`admin route without a token (${WASM_BUILD} build)`, () => {
  test('does not exist: the request is an ordinary one', async () => {
    const origin = await startOrigin({ '/__freshet/purge': (req, res) => { res.writeHead(200); res.end('origin page'); } });
    const worker = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*', ttl: 5 }] } });
    try {
      const r = await worker.fetch('/__freshet/purge', { method: 'POST', headers: { authorization: 'Bearer x' }, body: '{}' });
      assert.equal(r.text, 'origin page');
      assert.equal(origin.hits('/__freshet/purge'), 1);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

// On the worker's own clock (no test time): a purge acknowledged while a
// fetch for its URL is on its way covers what that fetch brings.
describe(`a purge made while the page is being fetched (${WASM_BUILD} build)`, () => {
  test('the answer on its way is not served after the purge, neither to later requests nor to those waiting for it', async () => {
    const held = [];
    const origin = await startOrigin({
      // The first answer is built now (the page before the change) and held
      // until the test lets it go; later ones answer at once.
      '/page': (req, res, n) => {
        const send = () => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300' });
          res.end(`page ${n}`);
        };
        if (n === 1) held.push(send);
        else send();
      },
    });
    const worker = await startWorker({ origin: origin.url, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
    const real = async (p, init = {}) => {
      const res = await worker.mf.dispatchFetch(`https://example.com${p}`, init);
      return { status: res.status, text: await res.text(), xcache: res.headers.get('x-cache') };
    };
    try {
      const first = real('/page');
      for (let i = 0; i < 200 && origin.hits('/page') === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(origin.hits('/page'), 1, 'the first fetch is at the origin');
      const purged = await real('/__freshet/purge', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ urls: ['https://example.com/page'] }),
      });
      assert.equal(purged.status, 200);
      // A request after the purge waits for the fetch in flight (coalesced).
      const waiting = real('/page');
      await new Promise((r) => setTimeout(r, 100));
      held.shift()();
      assert.equal((await first).text, 'page 1', 'the request that fetched gets its answer');
      assert.equal((await waiting).text, 'page 2', 'a request made after the purge never gets what it purged');
      const later = await real('/page');
      assert.equal(later.text, 'page 2');
      assert.equal(later.xcache, 'HIT');
      assert.equal(origin.hits('/page'), 2);
    } finally {
      for (const send of held) send();
      await worker.dispose();
      await origin.close();
    }
  });
});
