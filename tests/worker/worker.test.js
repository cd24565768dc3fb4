// The real worker in workerd (Miniflare) in front of a scripted origin.
// Time moves explicitly (x-freshet-test-now); assertions cover origin hit
// counts as well as bodies and headers.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Response as MiniflareResponse } from 'miniflare';
import { Engine, requestRecord } from '../../worker/engine.js';
import { respond, startOrigin, startWorker, wasmPath, WASM_BUILD } from './helpers.js';

const manifest = {
  defaults: { ttl: 60, staleWhileRevalidate: 30, staleIfError: 300, bypassCookies: ['session'] },
  routes: [
    { name: 'pages', pattern: '/*' },
    { name: 'static', pattern: '/static/*', ttl: 'forever', originHeaders: 'override', browserTtl: 3600 },
    { name: 'account', pattern: '/account/*', cache: false },
    { name: 'live', pattern: '/live/*', ttl: 0 },
  ],
};

let openSwrGate;
const swrGate = new Promise((resolve) => { openSwrGate = resolve; });

describe(`worker (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/page': respond.counted('page'),
      '/swr': (req, res, n) => {
        // The revalidation is held until the test opens the gate, so the
        // stale requests all overlap it.
        const answer = () => respond.counted('swr')(req, res, n);
        if (n === 1) answer();
        else swrGate.then(answer);
      },
      '/expire': respond.counted('expire'),
      '/nostore': respond.counted('nostore', { 'cache-control': 'no-store' }),
      '/private': respond.counted('private', { 'cache-control': 'private, max-age=60' }),
      '/cookie': respond.counted('cookie', { 'set-cookie': 'sid=1' }),
      '/account/me': respond.counted('me'),
      '/app': respond.counted('app'),
      '/cdn': respond.counted('cdn', {
        'cache-control': 'no-cache',
        'cdn-cache-control': 'max-age=100',
        'surrogate-control': 'max-age=100',
      }),
      '/static/app.js': respond.counted('js', { 'cache-control': 'no-cache' }),
      '/etag': (req, res, n) => {
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=10', 'x-version': `304-${n}` });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=10', 'content-type': 'text/plain' });
        res.end(`etag ${n}`);
      },
      '/flaky': (req, res, n) => {
        if (n === 1) {
          res.writeHead(200, { 'cache-control': 'max-age=10, stale-if-error=100', 'content-type': 'text/plain' });
          res.end('good');
        } else {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('down');
        }
      },
      '/head': respond.counted('head'),
      '/live/score': respond.counted('score'),
      '/q': (req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`q ${new URL(req.url, 'http://x').search} ${n}`);
      },
    });
    worker = await startWorker({ origin: origin.url, manifest });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('miss, then hit with Age; one origin fetch', async () => {
    const a = await worker.fetch('/page', { at: 0 });
    assert.equal(a.status, 200);
    assert.equal(a.text, 'page 1');
    assert.equal(a.xcache, 'MISS');
    assert.match(a.cacheStatus, /^freshet; fwd=uri-miss; fwd-status=200; stored; ttl=60$/);
    const b = await worker.fetch('/page', { at: 5 });
    assert.equal(b.text, 'page 1');
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('age'), '5');
    assert.equal(b.cacheStatus, 'freshet; hit; ttl=55');
    assert.equal(origin.hits('/page'), 1);
  });

  test('stale within stale-while-revalidate: served at once, exactly one background fetch', async () => {
    await worker.fetch('/swr', { at: 0 });
    assert.equal(origin.hits('/swr'), 1);
    // Three requests inside the stale window, without settling in between:
    // all get the stale copy, and only one revalidation reaches the origin.
    const stale = await Promise.all(
      [70, 71, 72].map((at) => worker.fetch('/swr', { at, settle: false })),
    );
    for (const r of stale) {
      assert.equal(r.xcache, 'STALE');
      assert.equal(r.text, 'swr 1');
      assert.match(r.cacheStatus, /^freshet; hit; ttl=-1\d; detail="stale-while-revalidate"$/);
    }
    openSwrGate();
    await worker.settle();
    assert.equal(origin.hits('/swr'), 2);
    const fresh = await worker.fetch('/swr', { at: 73 });
    assert.equal(fresh.xcache, 'HIT');
    assert.equal(fresh.text, 'swr 2');
    assert.equal(origin.hits('/swr'), 2);
  });

  test('past the stale window the entry is refetched (EXPIRED)', async () => {
    await worker.fetch('/expire', { at: 0 });
    const r = await worker.fetch('/expire', { at: 100 });
    assert.equal(r.xcache, 'EXPIRED');
    assert.equal(r.text, 'expire 2');
    assert.match(r.cacheStatus, /fwd=stale; fwd-status=200; stored/);
    const h = await worker.fetch('/expire', { at: 101 });
    assert.equal(h.xcache, 'HIT');
    assert.equal(h.text, 'expire 2');
    assert.equal(origin.hits('/expire'), 2);
  });

  test('an origin 304 freshens the stored entry without a new body', async () => {
    const a = await worker.fetch('/etag', { at: 0 });
    assert.equal(a.text, 'etag 1');
    const b = await worker.fetch('/etag', { at: 50 });
    assert.equal(b.xcache, 'REVALIDATED');
    assert.equal(b.text, 'etag 1');
    assert.equal(b.headers.get('x-version'), '304-2');
    const last = origin.requests.filter((r) => r.path === '/etag').at(-1);
    assert.equal(last.headers['if-none-match'], '"v1"');
    const c = await worker.fetch('/etag', { at: 55 });
    assert.equal(c.xcache, 'HIT');
    assert.equal(c.text, 'etag 1');
    assert.equal(c.headers.get('x-version'), '304-2');
    assert.equal(origin.hits('/etag'), 2);
  });

  test('origin failing inside stale-if-error: the stale copy is served', async () => {
    await worker.fetch('/flaky', { at: 0 });
    const r = await worker.fetch('/flaky', { at: 50 });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'good');
    assert.equal(r.xcache, 'STALE');
    assert.match(r.cacheStatus, /fwd=stale; fwd-status=503; ttl=-40; detail="stale-if-error"/);
    const late = await worker.fetch('/flaky', { at: 200 });
    assert.equal(late.status, 503);
    assert.equal(late.text, 'down');
    assert.equal(origin.hits('/flaky'), 3);
  });

  test('responses the origin forbids are not stored, with a reason', async () => {
    for (const [p, reason] of [['/nostore', 'no-store'], ['/private', 'private'], ['/cookie', 'set-cookie']]) {
      const a = await worker.fetch(p);
      const b = await worker.fetch(p, { at: 1 });
      assert.equal(a.xcache, 'MISS', p);
      assert.equal(b.xcache, 'MISS', p);
      assert.match(b.cacheStatus, new RegExp(`detail="${reason}"`), p);
      assert.equal(origin.hits(p), 2, p);
    }
  });

  test('bypass reasons: route off, session cookie, authorization, method', async () => {
    const off = await worker.fetch('/account/me');
    assert.equal(off.xcache, 'BYPASS');
    assert.equal(off.cacheStatus, 'freshet; fwd=bypass; detail="route-off"');
    const cookie = await worker.fetch('/app', { headers: { cookie: 'a=1; session=xyz' } });
    assert.equal(cookie.cacheStatus, 'freshet; fwd=bypass; detail="bypass-cookie"');
    const auth = await worker.fetch('/app', { headers: { authorization: 'Bearer t' } });
    assert.equal(auth.cacheStatus, 'freshet; fwd=bypass; detail="authorization"');
    const post = await worker.fetch('/app', { method: 'POST', body: 'x=1' });
    assert.equal(post.cacheStatus, 'freshet; fwd=bypass; detail="method"');
    assert.equal(origin.hits('/app'), 3);
    assert.equal(origin.hits('/account/me'), 1);
    // None of them stored anything: a plain GET is a miss.
    const plain = await worker.fetch('/app');
    assert.equal(plain.xcache, 'MISS');
  });

  test('targeted fields decide freshness; CDN-Cache-Control is passed on (RFC 9213), Surrogate-Control is not', async () => {
    const a = await worker.fetch('/cdn');
    assert.equal(a.headers.get('cdn-cache-control'), 'max-age=100');
    assert.equal(a.headers.get('surrogate-control'), null);
    assert.equal(a.headers.get('cache-control'), 'no-cache');
    const b = await worker.fetch('/cdn', { at: 90 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('cache-control'), 'no-cache');
    assert.equal(b.headers.get('x-freshet-meta'), null);
    assert.equal(origin.hits('/cdn'), 1);
  });

  test('the origin\'s Cache-Control is kept in the metadata field; a copy in the earlier layout reads the same', async () => {
    const keyUrl = new Engine(new WebAssembly.Module(readFileSync(wasmPath())), JSON.stringify(manifest)).request(requestRecord(['GET', 'https://example.com/cdn'])).keyUrl;
    const cache = (await worker.mf.getCaches()).default;
    const stored = await cache.match(keyUrl);
    assert.ok(stored, 'the /cdn entry is where the engine keys it');
    const meta = stored.headers.get('x-freshet-meta');
    assert.match(meta, /^1;\S+ id=[0-9a-f]{12} d=\d+ n=\d+ cc=no-cache$/);
    assert.equal(stored.headers.get('x-freshet-origin-cc'), null);
    assert.notEqual(stored.headers.get('cache-control'), 'no-cache', 'the platform\'s own');
    // The same copy as an earlier freshet stored it: the engine's text alone
    // in x-freshet-meta, the origin's field beside it.
    const headers = Object.fromEntries(stored.headers);
    const body = await stored.text();
    headers['x-freshet-meta'] = meta.slice(0, meta.indexOf(' '));
    headers['x-freshet-length'] = /n=(\d+)/.exec(meta)[1];
    headers['x-freshet-origin-cc'] = 'no-cache';
    await cache.put(keyUrl, new MiniflareResponse(body, { headers }));
    const hits = origin.hits('/cdn');
    const b = await worker.fetch('/cdn', { at: 95 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('cache-control'), 'no-cache');
    assert.equal(b.headers.get('x-freshet-origin-cc'), null);
    assert.equal(b.headers.get('x-freshet-meta'), null);
    assert.equal(origin.hits('/cdn'), hits);
  });

  test('route override and browser TTL', async () => {
    await worker.fetch('/static/app.js');
    const b = await worker.fetch('/static/app.js', { at: 86400 * 30 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(origin.hits('/static/app.js'), 1);
  });

  test('ttl 0 always revalidates', async () => {
    await worker.fetch('/live/score');
    const b = await worker.fetch('/live/score', { at: 1 });
    assert.equal(b.xcache, 'EXPIRED');
    assert.equal(b.text, 'score 2');
    assert.equal(origin.hits('/live/score'), 2);
  });

  test('HEAD is answered from the GET entry, without a body', async () => {
    const h = await worker.fetch('/head', { method: 'HEAD' });
    assert.equal(h.xcache, 'MISS');
    assert.equal(h.text, '');
    const g = await worker.fetch('/head', { at: 1 });
    assert.equal(g.xcache, 'HIT');
    assert.equal(g.text, 'head 1');
    const h2 = await worker.fetch('/head', { method: 'HEAD', at: 2 });
    assert.equal(h2.xcache, 'HIT');
    assert.equal(h2.text, '');
    assert.equal(origin.hits('/head'), 1);
    assert.equal(origin.requests.find((r) => r.path === '/head').method, 'GET');
  });

  test('query order does not split the key; the origin sees the query', async () => {
    const a = await worker.fetch('/q?b=2&a=1');
    assert.equal(a.text, 'q ?b=2&a=1 1');
    const b = await worker.fetch('/q?a=1&b=2', { at: 1 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'q ?b=2&a=1 1');
    const c = await worker.fetch('/q?a=2', { at: 1 });
    assert.equal(c.xcache, 'MISS');
    assert.equal(origin.hits('/q'), 2);
  });

  test('test headers never reach the origin', async () => {
    const seen = origin.requests.at(-1).headers;
    assert.equal(seen['x-freshet-test-now'], undefined);
    assert.equal(seen['x-freshet-test-settle'], undefined);
  });
});

describe(`Server-Timing (${WASM_BUILD} build)`, () => {
  test('every response says how long freshet took and what it did', async () => {
    const origin = await startOrigin({ '/t': respond.counted('t', { 'cache-control': 'max-age=60' }) });
    const worker = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*' }] } });
    try {
      const a = await worker.fetch('/t');
      assert.match(a.headers.get('server-timing'), /^freshet;dur=\d+;desc="MISS"$/);
      const b = await worker.fetch('/t', { at: 1 });
      assert.match(b.headers.get('server-timing'), /^freshet;dur=\d+;desc="HIT"$/);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});
