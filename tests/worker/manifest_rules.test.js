// Manifest rules through the real worker in workerd: key rules, POST
// caching, negative caching, caps, forced private caching, debug mode, mode
// off, and what the origin receives on cacheable routes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const manifest = {
  mode: 'debug',
  keyHost: 'example.com', // the assets route's entries are shared across hosts
  defaults: { ttl: 60, key: { ignoreQuery: ['utm_*'] } },
  routes: [
    { name: 'list', pattern: '/list', key: { query: ['page'] } },
    { name: 'shop', pattern: '/shop/:sku', tags: ['sku:{sku}'], key: { cookies: ['currency'], headers: ['accept-language'], device: true } },
    { name: 'assets', pattern: '/assets/*', key: { host: false, query: 'none' } },
    { name: 'search', pattern: '/search', methods: ['GET', 'HEAD', 'POST'], maxBodyBytes: 64 },
    { name: 'missing', pattern: '/gone/*', negativeTtl: 15 },
    { name: 'capped', pattern: '/capped', maxTtl: 10 },
    { name: 'shared', pattern: '/shared', cachePrivate: true },
    { name: 'echo', pattern: '/echo' },
    { name: 'nocache', pattern: '/nocache', cache: false },
    { name: 'everything', pattern: '/*' },
  ],
};

function echoHeaders(req, res, n) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ n, headers: req.headers }));
}

describe(`manifest rules through the worker (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  const bodies = [];
  before(async () => {
    origin = await startOrigin({
      '/list': (req, res, n) => { res.writeHead(200); res.end(`list ${n}`); },
      '/shop/a1': (req, res, n) => {
        res.writeHead(200, { 'cache-tag': 'product,sale', 'surrogate-key': 'shop' });
        res.end(`shop ${n} ${req.headers.cookie ?? '-'}`);
      },
      '/assets/app.js': (req, res, n) => { res.writeHead(200); res.end(`asset ${n}`); },
      '/search': (req, res, n) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          bodies.push(body);
          res.writeHead(200);
          res.end(`search ${n} ${req.method} ${body.length}`);
        });
      },
      '/gone/x': (req, res, n) => { res.writeHead(404); res.end(`gone ${n}`); },
      '/capped': (req, res, n) => { res.writeHead(200, { 'cache-control': 'max-age=3600' }); res.end(`capped ${n}`); },
      '/shared': (req, res, n) => { res.writeHead(200, { 'cache-control': 'private, max-age=60' }); res.end(`shared ${n}`); },
      '/echo': echoHeaders,
      '/nocache': echoHeaders,
    });
    worker = await startWorker({ origin: origin.url, manifest });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('query allow list and ignored parameters', async () => {
    assert.equal((await worker.fetch('/list?page=1&sort=a')).xcache, 'MISS');
    assert.equal((await worker.fetch('/list?page=1&sort=b&utm_x=1')).xcache, 'HIT');
    assert.equal((await worker.fetch('/list?page=2')).xcache, 'MISS');
    assert.equal(origin.hits('/list'), 2);
  });

  test('cookie, header and device dimensions; only keyed cookies reach the origin', async () => {
    const base = { cookie: 'currency=EUR; theme=dark', 'accept-language': 'en', 'user-agent': 'Mozilla/5.0 (X11; Linux)' };
    const a = await worker.fetch('/shop/a1', { headers: base });
    assert.equal(a.xcache, 'MISS');
    assert.equal(a.text, 'shop 1 currency=EUR');
    assert.equal(a.headers.get('x-freshet-key'), 'https://example.com/shop/a1 cookie:currency=EUR header:accept-language=en device:class=desktop');
    assert.equal(a.headers.get('cache-tag'), null, 'Cache-Tag is CDN-only');
    assert.equal((await worker.fetch('/shop/a1', { headers: { ...base, cookie: 'theme=light; currency=EUR' } })).xcache, 'HIT');
    assert.equal((await worker.fetch('/shop/a1', { headers: { ...base, cookie: 'currency=USD' } })).xcache, 'MISS');
    assert.equal((await worker.fetch('/shop/a1', { headers: { ...base, 'accept-language': 'fr' } })).xcache, 'MISS');
    assert.equal((await worker.fetch('/shop/a1', { headers: { ...base, 'user-agent': 'Mozilla/5.0 (iPhone) Mobile' } })).xcache, 'MISS');
    assert.equal(origin.hits('/shop/a1'), 4);
  });

  test('host left out of the key: hosts share one entry', async () => {
    const a = await worker.mf.dispatchFetch('https://a.example/assets/app.js?v=1', { headers: { 'x-freshet-test-settle': '1' } });
    assert.equal(await a.text(), 'asset 1');
    const b = await worker.mf.dispatchFetch('https://b.example/assets/app.js?v=2', { headers: { 'x-freshet-test-settle': '1' } });
    assert.equal(b.headers.get('x-cache'), 'HIT');
    assert.equal(await b.text(), 'asset 1');
    assert.equal(origin.hits('/assets/app.js'), 1);
  });

  test('POST is keyed on a digest of its body', async () => {
    const post = (body) => worker.fetch('/search', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const a = await post('{"q":"shoes"}');
    assert.equal(a.xcache, 'MISS');
    assert.equal(a.text, 'search 1 POST 13');
    assert.match(a.headers.get('x-freshet-key'), /^https:\/\/example\.com\/search body:sha256=[0-9a-f]{64}$/);
    const b = await post('{"q":"shoes"}');
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'search 1 POST 13');
    assert.equal((await post('{"q":"boots"}')).xcache, 'MISS');
    assert.equal(origin.hits('/search'), 2);
  });

  test('a POST body over maxBodyBytes bypasses and reaches the origin whole', async () => {
    const big = 'x'.repeat(5000);
    const r = await worker.fetch('/search', { method: 'POST', body: big });
    assert.equal(r.xcache, 'BYPASS');
    assert.match(r.cacheStatus, /detail="body-too-big"/);
    assert.equal(bodies.at(-1), big);
    const again = await worker.fetch('/search', { method: 'POST', body: big });
    assert.equal(again.xcache, 'BYPASS');
  });

  test('negative caching of a 404 for negativeTtl', async () => {
    assert.equal((await worker.fetch('/gone/x', { at: 0 })).status, 404);
    const hit = await worker.fetch('/gone/x', { at: 10 });
    assert.equal(hit.xcache, 'HIT');
    assert.equal(hit.status, 404);
    assert.equal((await worker.fetch('/gone/x', { at: 16 })).xcache, 'EXPIRED');
    assert.equal(origin.hits('/gone/x'), 2);
  });

  test('maxTtl caps the origin lifetime', async () => {
    await worker.fetch('/capped', { at: 0 });
    assert.equal((await worker.fetch('/capped', { at: 9 })).xcache, 'HIT');
    assert.equal((await worker.fetch('/capped', { at: 11 })).xcache, 'EXPIRED');
  });

  test('cachePrivate stores what the origin marks private', async () => {
    await worker.fetch('/shared');
    const b = await worker.fetch('/shared', { at: 1 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(origin.hits('/shared'), 1);
  });

  test('unkeyed headers never reach the origin on a cacheable route', async () => {
    const hostile = {
      'x-forwarded-host': 'evil.example',
      'x-original-url': '/admin',
      'x-rewrite-url': '/admin',
      forwarded: 'host=evil.example',
      'x-http-method-override': 'DELETE',
      'accept-language': 'de',
      cookie: 'session=secret',
    };
    const r = JSON.parse((await worker.fetch('/echo', { headers: hostile })).text);
    for (const h of ['x-forwarded-host', 'x-original-url', 'x-rewrite-url', 'forwarded', 'x-http-method-override', 'cookie']) {
      assert.equal(r.headers[h], undefined, h);
    }
    assert.equal(r.headers['accept-language'], 'de', 'safe-listed headers pass');
    // A route that does not cache forwards the request as it came.
    const p = JSON.parse((await worker.fetch('/nocache', { headers: hostile })).text);
    assert.equal(p.headers['x-forwarded-host'], 'evil.example');
    assert.equal(p.headers.cookie, 'session=secret');
  });

  test('debug mode shows route and reason; ambiguous paths bypass', async () => {
    const r = await worker.fetch('/shop/a%2Fb');
    assert.equal(r.xcache, 'BYPASS');
    assert.equal(r.cacheStatus, 'freshet; fwd=bypass; detail="ambiguous-path"');
    assert.equal(r.headers.get('x-freshet-reason'), 'ambiguous-path');
    const d = await worker.fetch('/list?page=9');
    assert.equal(d.headers.get('x-freshet-route'), 'list');
    assert.match(d.cacheStatus, /key="https:\/\/example\.com\/list\?page=9"/);
  });
});

describe(`mode off (${WASM_BUILD} build)`, () => {
  test('every request passes to the origin, marked DISABLED', async () => {
    const origin = await startOrigin({ '/a': (req, res, n) => { res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end(`a ${n}`); } });
    const worker = await startWorker({ origin: origin.url, manifest: { mode: 'off', routes: [{ pattern: '/*' }] } });
    try {
      for (const at of [0, 1]) {
        const r = await worker.fetch('/a', { at });
        assert.equal(r.xcache, 'DISABLED');
        assert.equal(r.cacheStatus, 'freshet; fwd=bypass; detail="disabled"');
      }
      assert.equal(origin.hits('/a'), 2);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

describe(`internal keys cannot be aliased (${WASM_BUILD} build)`, () => {
  test('a client request for a key URL (the reserved /__freshet/ prefix) never touches the cache', async () => {
    const origin = await startOrigin({
      '/page': (req, res, n) => { res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end(`page ${n}`); },
      '*': (req, res) => { res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end('from the origin'); },
    });
    const worker = await startWorker({ origin: origin.url, manifest: { mode: 'debug', routes: [{ pattern: '/*' }] } });
    try {
      const a = await worker.fetch('/page');
      assert.equal(a.text, 'page 1');
      // The entry's key URL lives under the zone's own host (docs/abi.md).
      const keyUrl = 'https://example.com/__freshet/v2/main/https%3A%2F%2Fexample.com%2Fpage';
      for (const url of [keyUrl, 'https://example.com/__freshet/v2/main/page', 'https://example.com/%5F%5Ffreshet/v2/main/page']) {
        const r = await worker.mf.dispatchFetch(url, { headers: { 'x-freshet-test-settle': '1' } });
        assert.equal(await r.text(), 'from the origin', url);
        assert.equal(r.headers.get('x-cache'), 'BYPASS', url);
        // (the real key URL's encoded slashes make its path ambiguous first)
        assert.equal(r.headers.get('x-freshet-reason'), url === keyUrl ? 'ambiguous-path' : 'reserved-path', url);
      }
      // Twice more: still the origin's, never stored.
      const again = await worker.mf.dispatchFetch(keyUrl, { headers: { 'x-freshet-test-settle': '1' } });
      await again.text();
      assert.equal(again.headers.get('x-cache'), 'BYPASS');
      assert.equal(origin.totalHits(), 5); // /page once, the four reserved requests each
      assert.equal((await worker.fetch('/page', { at: 1 })).xcache, 'HIT');
      assert.equal(origin.hits('/page'), 1);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

describe(`the classic-proxy rules (${WASM_BUILD} build)`, () => {
  test('"forwardHeaders": "all" forwards every header; "setCookie": "store" keeps cookies', async () => {
    const origin = await startOrigin({
      '/echo': (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'set-cookie': `visit=${n}`, 'content-type': 'application/json' });
        res.end(JSON.stringify({ n, host: req.headers['x-forwarded-host'] ?? null }));
      },
    });
    const worker = await startWorker({
      origin: origin.url,
      manifest: { routes: [{ pattern: '/*', forwardHeaders: 'all', setCookie: 'store' }] },
    });
    try {
      const a = await worker.fetch('/echo', { headers: { 'x-forwarded-host': 'seen.example' } });
      assert.equal(JSON.parse(a.text).host, 'seen.example');
      assert.equal(a.headers.get('set-cookie'), 'visit=1');
      const b = await worker.fetch('/echo', { at: 1 });
      assert.equal(b.xcache, 'HIT');
      assert.equal(b.headers.get('set-cookie'), 'visit=1', 'stored with its cookie');
      assert.equal(origin.hits('/echo'), 1);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

describe(`"setCookie": "strip" (${WASM_BUILD} build)`, () => {
  test('a page that sets a cookie is stored without it: one origin fetch for 11 requests', async () => {
    const origin = await startOrigin({
      '/landing': (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'set-cookie': [`_ga=GA1.${n}; Path=/`, `consent=pending; Path=/`], 'content-type': 'text/html' });
        res.end(`<h1>landing ${n}</h1>`);
      },
      '/refuse': (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'set-cookie': `_ga=GA1.${n}`, 'content-type': 'text/html' });
        res.end(`refuse ${n}`);
      },
    });
    const worker = await startWorker({
      origin: origin.url,
      manifest: { routes: [{ pattern: '/*' }, { pattern: '/landing', setCookie: 'strip' }] },
    });
    try {
      const miss = await worker.fetch('/landing');
      assert.equal(miss.xcache, 'MISS');
      assert.match(miss.cacheStatus, /stored/);
      assert.deepEqual(miss.headers.getSetCookie(), ['_ga=GA1.1; Path=/', 'consent=pending; Path=/'], 'the client of the miss gets its cookies');
      for (let i = 1; i <= 10; i++) {
        const hit = await worker.fetch('/landing', { at: i });
        assert.equal(hit.xcache, 'HIT');
        assert.equal(hit.text, '<h1>landing 1</h1>');
        assert.deepEqual(hit.headers.getSetCookie(), [], 'nobody else gets them');
      }
      assert.equal(origin.hits('/landing'), 1);
      // Without the rule the page is never stored (the default, "refuse").
      for (let i = 0; i < 3; i++) assert.match((await worker.fetch('/refuse', { at: i })).cacheStatus, /detail="set-cookie"/);
      assert.equal(origin.hits('/refuse'), 3);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

describe(`local development: FRESHET_DEV=1 and the manifest's "dev" (${WASM_BUILD} build)`, () => {
  const run = async (dev, bindings, fn) => {
    const origin = await startOrigin({ '/p': (req, res, n) => { res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end(`p ${n}`); } });
    const manifest = { routes: [{ pattern: '/*' }], ...(dev ? { dev } : {}) };
    const worker = await startWorker({ origin: origin.url, manifest, bindings });
    try {
      await fn(worker, origin);
    } finally {
      await worker.dispose();
      await origin.close();
    }
  };

  test('"mark" (the default): caching on, every answer marked, debug headers', () => run(undefined, { FRESHET_DEV: '1' }, async (worker, origin) => {
    const miss = await worker.fetch('/p');
    assert.equal(miss.xcache, 'MISS');
    assert.match(miss.cacheStatus, /; dev$/);
    const hit = await worker.fetch('/p', { at: 1 });
    assert.equal(hit.xcache, 'HIT');
    assert.match(hit.cacheStatus, /^freshet; hit; ttl=59; key="https:\/\/example.com\/p"; dev$/);
    assert.equal(hit.headers.get('x-freshet-key'), 'https://example.com/p');
    assert.equal(origin.hits('/p'), 1);
  }));

  test('"off": every request goes to the origin, visibly', () => run('off', { FRESHET_DEV: '1' }, async (worker, origin) => {
    for (let i = 0; i < 3; i++) {
      const r = await worker.fetch('/p', { at: i });
      assert.equal(r.xcache, 'DISABLED');
      assert.equal(r.cacheStatus, 'freshet; fwd=bypass; detail="dev"');
    }
    assert.equal(origin.hits('/p'), 3);
  }));

  test('"cache": exactly as deployed; and without FRESHET_DEV nothing is marked', async () => {
    for (const [dev, bindings] of [['cache', { FRESHET_DEV: '1' }], ['off', {}]]) {
      await run(dev, bindings, async (worker, origin) => {
        await worker.fetch('/p');
        const hit = await worker.fetch('/p', { at: 1 });
        assert.equal(hit.xcache, 'HIT');
        assert.equal(hit.cacheStatus, 'freshet; hit; ttl=59');
        assert.equal(hit.headers.get('x-freshet-key'), null);
        assert.equal(origin.hits('/p'), 1);
      });
    }
  });
});

describe(`"generateEtag": validators for origins that send none (${WASM_BUILD} build)`, () => {
  test('every tier stores a strong ETag from the body; clients revalidate with 304; the origin never sees it', async () => {
    const routes = {};
    for (const p of ['/c/page', '/m/page']) {
      routes[p] = (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/html' });
        res.end(`<p>${p} v1</p>`); // the same bytes every time
      };
    }
    const origin = await startOrigin(routes);
    const worker = await startWorker({
      origin: origin.url,
      manifest: {
        defaults: { generateEtag: true },
        routes: [{ pattern: '/*' }, { pattern: '/c/*', storage: 'cache' }, { pattern: '/m/*', storage: 'memory' }],
      },
    });
    try {
      const etags = [];
      for (const p of ['/c/page', '/m/page']) {
        const miss = await worker.fetch(p);
        assert.equal(miss.xcache, 'MISS');
        const hit = await worker.fetch(p, { at: 1 });
        assert.equal(hit.xcache, 'HIT');
        const etag = hit.headers.get('etag');
        assert.match(etag ?? '', /^"[A-Za-z0-9_-]{32}"$/, `${p}: a strong ETag`);
        assert.equal(hit.headers.get('x-freshet-etag'), null, 'internal field');
        etags.push(etag);
        const notModified = await worker.fetch(p, { at: 2, headers: { 'if-none-match': etag } });
        assert.equal(notModified.status, 304);
        assert.equal(notModified.text, '');
        const changed = await worker.fetch(p, { at: 2, headers: { 'if-none-match': '"something-else"' } });
        assert.equal(changed.status, 200);
        // Past its lifetime: refetched without the generated ETag, the same bytes get the same one.
        const expired = await worker.fetch(p, { at: 100 });
        assert.equal(expired.xcache, 'EXPIRED');
        const last = origin.requests.filter((r) => r.path === p).at(-1);
        assert.equal(last.headers['if-none-match'], undefined, 'never sent to the origin');
        assert.equal((await worker.fetch(p, { at: 101 })).headers.get('etag'), etag);
        assert.equal(origin.hits(p), 2);
      }
      assert.notEqual(etags[0], etags[1], 'different bodies, different ETags');
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});
