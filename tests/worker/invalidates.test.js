// Invalidation rules for writes (manifest "invalidates"): a successful
// unsafe request on a route invalidates the tags, prefixes and URLs it
// names, through the purge plane, so every location honours them - as
// Unpoly expires its cache after a form submission.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoordinator, startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const manifest = {
  defaults: { ttl: 3600, staleWhileRevalidate: 3600 },
  routes: [
    { pattern: '/*' },
    { pattern: '/blog/:slug', tags: ['post:{slug}', 'posts'] },
    { pattern: '/admin/posts/:slug', cache: false, invalidates: ['tag:post:{slug}', 'url:/feed.xml', 'prefix:/blog/page/'] },
    { pattern: '/admin/drafts/:slug', cache: false, invalidates: ['tag:posts'], invalidateSoft: true },
  ],
};

describe(`"invalidates": writes invalidate through the purge plane (${WASM_BUILD} build)`, () => {
  let origin;
  let coordinator;
  let a;
  let b;
  before(async () => {
    const page = (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`${new URL(req.url, 'http://o').pathname} ${n}`); };
    origin = await startOrigin({
      '/blog/hello': page,
      '/blog/other': page,
      '/blog/page/2': page,
      '/feed.xml': page,
      '/blog/slow': page,
      '/blog/hung': page,
      '/admin/posts/slow': (req, res) => { res.writeHead(200); res.end('saved'); },
      '/admin/posts/hung': (req, res) => { res.writeHead(200); res.end('saved'); },
      '/admin/posts/hello': (req, res) => { res.writeHead(req.headers['x-fail'] ? 500 : 200); res.end('saved'); },
      '/admin/drafts/x': (req, res) => { res.writeHead(200); res.end('draft saved'); },
    });
    coordinator = await startCoordinator();
    const location = () => startWorker({
      origin: origin.url,
      manifest,
      bindings: { FRESHET_PURGE_SYNC_MS: '1', FRESHET_PURGE_MAX_LAG_MS: '0', FRESHET_PURGE_WAIT_MS: '1000', FRESHET_INVALIDATE_WAIT_MS: '600' },
      options: { serviceBindings: { FRESHET_PURGE_SERVICE: coordinator.service() } },
    });
    a = await location();
    b = await location();
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
    await coordinator?.dispose();
    await origin?.close();
  });

  const paths = ['/blog/hello', '/blog/other', '/blog/page/2', '/feed.xml'];
  const warm = async (at) => {
    for (const loc of [a, b]) for (const p of paths) await loc.fetch(p, { at });
    for (const loc of [a, b]) for (const p of paths) assert.equal((await loc.fetch(p, { at: at + 1 })).xcache, 'HIT', p);
  };

  test('a failed write invalidates nothing', async () => {
    await warm(0);
    const r = await a.fetch('/admin/posts/hello', { at: 2, method: 'POST', body: 'x', headers: { 'x-fail': '1' } });
    assert.equal(r.status, 500);
    for (const p of paths) assert.equal((await b.fetch(p, { at: 3 })).xcache, 'HIT', p);
  });

  test('a successful POST at A invalidates its tag, URL and prefix at B too; other pages stay', async () => {
    const before = Object.fromEntries(paths.map((p) => [p, origin.hits(p)]));
    const r = await a.fetch('/admin/posts/hello', { at: 4, method: 'POST', body: 'title=Hello' });
    assert.equal(r.status, 200);
    for (const loc of [b, a]) {
      assert.equal((await loc.fetch('/blog/hello', { at: 5 })).xcache, 'MISS', 'tag:post:{slug}');
      assert.equal((await loc.fetch('/feed.xml', { at: 5 })).xcache, 'MISS', 'url:/feed.xml');
      assert.equal((await loc.fetch('/blog/page/2', { at: 5 })).xcache, 'MISS', 'prefix:/blog/page/');
      assert.equal((await loc.fetch('/blog/other', { at: 5 })).xcache, 'HIT', 'not covered');
    }
    for (const p of ['/blog/hello', '/feed.xml', '/blog/page/2']) assert.equal(origin.hits(p), before[p] + 2, p);
    assert.equal(origin.hits('/blog/other'), before['/blog/other']);
  });

  test('"invalidateSoft": the pages are served stale while they revalidate', async () => {
    const r = await b.fetch('/admin/drafts/x', { at: 10, method: 'PUT', body: 'draft' });
    assert.equal(r.status, 200);
    const stale = await a.fetch('/blog/other', { at: 11 });
    assert.equal(stale.xcache, 'STALE');
    assert.equal((await a.fetch('/blog/other', { at: 12 })).xcache, 'HIT', 'revalidated in the background');
  });

  const warmOne = async (p, at) => {
    for (const loc of [a, b]) await loc.fetch(p, { at });
    for (const loc of [a, b]) assert.equal((await loc.fetch(p, { at: at + 1 })).xcache, 'HIT', p);
  };

  test('a slow log: the writer\'s answer waits for the publish, so the write is read at B at once', async () => {
    await warmOne('/blog/slow', 20);
    coordinator.fault.only = 'publish';
    coordinator.fault.delayMs = 250;
    const t0 = Date.now();
    const r = await a.fetch('/admin/posts/slow', { at: 22, method: 'POST', body: 'x' });
    const waited = Date.now() - t0;
    coordinator.heal();
    assert.equal(r.status, 200);
    assert.ok(waited >= 200, `answered after ${waited} ms, before the log had the invalidation`);
    const before = origin.hits('/blog/slow');
    assert.equal((await b.fetch('/blog/slow', { at: 23 })).xcache, 'MISS');
    assert.equal(origin.hits('/blog/slow'), before + 1);
  });

  test('a hung log holds the writer\'s answer only FRESHET_INVALIDATE_WAIT_MS; the write reaches B after it heals', async () => {
    await warmOne('/blog/hung', 30);
    coordinator.fault.only = 'publish';
    coordinator.fault.hang = true;
    const t0 = Date.now();
    const r = await a.fetch('/admin/posts/hung', { at: 32, method: 'POST', body: 'x' });
    const waited = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.ok(waited >= 500 && waited < 2500, `answered after ${waited} ms (bound 600)`);
    assert.equal((await a.fetch('/blog/hung', { at: 33 })).xcache, 'MISS', 'applied at A at once');
    assert.equal((await b.fetch('/blog/hung', { at: 33 })).xcache, 'HIT', 'B cannot know yet');
    coordinator.heal(); // the hung publish fails; A queues it and retries
    let seen = false;
    for (let i = 0; i < 40 && !seen; i++) {
      await a.fetch('/blog/other', { at: 34 }); // a request at A drains its queue
      seen = (await b.fetch('/blog/hung', { at: 34 })).xcache === 'MISS';
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(seen, 'the queued invalidation reached B');
  });
});
