// Hostile input through the real worker in workerd (docs/security.md): one
// test per attack class of the threat model, each asserting on what the
// origin received and how often it was asked, as well as on what clients
// got back.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startOrigin, startWorker, T0, WASM_BUILD } from './helpers.js';

const TOKEN = 'attack-test-admin-token-0123456789';

const manifest = {
  mode: 'debug',
  defaults: { ttl: 60, bypassCookies: ['session'], key: { ignoreQuery: ['utm_*'] } },
  routes: [
    { name: 'pages', pattern: '/*' },
    { name: 'static', pattern: '/static/*', ttl: 'forever', originHeaders: 'override' },
    { name: 'account', pattern: '/account/*', cache: false },
    { name: 'search', pattern: '/search' },
    { name: 'open', pattern: '/open/*', bypassHeaders: [] },
  ],
};

// An origin page that reflects what an unkeyed header would make a naive
// origin render (the classic poisoning gadget).
function reflect(req, res, n) {
  const h = req.headers;
  const host = h['x-forwarded-host'] ?? h['x-host'] ?? (h.forwarded?.match(/host=([^;,]+)/)?.[1]) ?? 'example.com';
  const path = h['x-original-url'] ?? h['x-rewrite-url'] ?? '/page';
  const method = h['x-http-method-override'] ?? req.method;
  const scheme = h['x-forwarded-proto'] ?? h['x-forwarded-scheme'] ?? 'https';
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<script src="${scheme}://${host}/app.js"></script> ${method} ${path} #${n}`);
}

// The account page of whoever is logged in: a framework that ignores what
// follows the route (/account/x.css, /account;x.css) answers it too.
function accountPage(req, res, n) {
  const user = /(?:session|sid)=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'anonymous';
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<h1>account of ${user}</h1> #${n}`);
}

describe(`hostile input through the worker (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  let workerUrl;
  before(async () => {
    const routes = {
      '/page': reflect,
      '/poison/x-forwarded-host': reflect,
      '/poison/x-original-url': reflect,
      '/poison/x-rewrite-url': reflect,
      '/poison/forwarded': reflect,
      '/poison/x-http-method-override': reflect,
      '/poison/x-forwarded-proto': reflect,
      '/poison/x-host': reflect,
      '/fat': (req, res, n) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`fat #${n} body=${body || '-'}`);
        });
      },
      '/search': (req, res, n) => {
        const u = new URL(req.url, 'http://o');
        // A PHP-like origin: the last duplicate wins, and ';' separates too.
        const q = u.search.slice(1).split(/[&;]/).filter((p) => p.startsWith('q=')).at(-1)?.slice(2) ?? '-';
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`results for ${q} #${n}`);
      },
      '/static/app.css': (req, res, n) => { res.writeHead(200, { 'content-type': 'text/css' }); res.end(`body{} /* #${n} */`); },
      '/profile/x.css': accountPage,
      '/host': (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`host page #${n}`); },
      '/leak/set-cookie': (req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `session=user${n}; HttpOnly`, 'cache-control': 'max-age=60' });
        res.end(`welcome user${n}`);
      },
      '/leak/private': (req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'private, max-age=60' });
        res.end(`private data #${n}`);
      },
      '/open/me': (req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
        res.end(`me as ${req.headers.authorization ?? 'nobody'} #${n}`);
      },
      '/open/public': (req, res, n) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
        res.end(`public #${n}`);
      },
      '/dos/header': (req, res, n) => {
        // An origin that refuses oversized or malformed headers.
        const al = req.headers['accept-language'] ?? '';
        const inm = req.headers['if-none-match'];
        if (al.length > 4096) {
          res.writeHead(431, { 'content-type': 'text/plain' });
          res.end('header fields too large');
        } else if (inm !== undefined && !/^(W\/)?"[^"]*"$/.test(inm)) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('bad request');
        } else if (req.headers.accept === 'x/boom') {
          res.writeHead(500, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
          res.end('internal error');
        } else {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`fine #${n}`);
        }
      },
      '/static/dos.css': (req, res, n) => {
        // Errors even with explicit freshness, on a route that overrides
        // the origin's freshness.
        const bad = (req.headers['accept-language'] ?? '').length > 4096;
        if (bad) {
          res.writeHead(400, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
          res.end('bad request');
          return;
        }
        if (req.headers.accept === 'x/boom') {
          res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=600', 'retry-after': '60' });
          res.end('unavailable');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end(`dos.css #${n}`);
      },
    };
    // Every spelling of the account page the origin answers.
    for (const p of ['/account/me', '/account/x.css', '/account;x.css', '/account%2Fx.css', '/account/..%2Fstatic/x.css',
      '/static/..%2Faccount/me', '/static/..%252Faccount/me', '/static/..%25%32%46account/me', '/static/..%5Caccount/me',
      '/static;/account/me', '/static%2F..%2Faccount/me']) {
      routes[p] = accountPage;
    }
    origin = await startOrigin(routes);
    worker = await startWorker({ origin: origin.url, manifest, bindings: { FRESHET_ADMIN_TOKEN: TOKEN } });
    workerUrl = await worker.mf.ready;
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  const lastRequest = () => origin.requests.at(-1);

  test('unkeyed-header poisoning: X-Forwarded-Host, X-Original-URL, X-Rewrite-URL, Forwarded, X-HTTP-Method-Override never reach the origin on a cacheable route', async () => {
    const attacks = {
      'x-forwarded-host': 'evil.example',
      'x-original-url': '/admin',
      'x-rewrite-url': '/admin',
      forwarded: 'for=1.2.3.4;host=evil.example;proto=http',
      'x-http-method-override': 'DELETE',
      'x-forwarded-proto': 'http',
      'x-host': 'evil.example',
    };
    for (const [name, value] of Object.entries(attacks)) {
      const p = `/poison/${name}`;
      const a = await worker.fetch(p, { headers: { [name]: value } });
      assert.equal(a.xcache, 'MISS', name);
      assert.equal(lastRequest().headers[name], undefined, `${name} was forwarded`);
      assert.doesNotMatch(a.text, /evil|admin|DELETE|http:/, name);
      const victim = await worker.fetch(p, { at: 1 });
      assert.equal(victim.xcache, 'HIT', name);
      assert.equal(victim.text, a.text, name);
      assert.match(victim.text, /^<script src="https:\/\/example\.com\/app\.js"><\/script> GET \/page #1$/, name);
      assert.equal(origin.hits(p), 1, name);
    }
  });

  test('fat GET: a GET with a body bypasses the cache and never fills an entry', async () => {
    // Miniflare's dispatchFetch refuses GET bodies, so this speaks HTTP to
    // the worker's own listener on 127.0.0.1 (the key's host is that one).
    const get = (at, body) => new Promise((resolve, reject) => {
      const headers = { 'x-freshet-test-now': String(T0 + at * 1000), 'x-freshet-test-settle': '1' };
      if (body !== undefined) Object.assign(headers, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      const req = http.request(new URL('/fat', workerUrl), { method: 'GET', headers, agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    for (const at of [0, 1]) {
      const r = await get(at, 'q=evil');
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-cache'], 'BYPASS');
      assert.equal(r.headers['x-freshet-reason'], 'request-body');
    }
    assert.equal(origin.hits('/fat'), 2, 'both fat GETs reached the origin');
    const clean = await get(2);
    assert.equal(clean.headers['x-cache'], 'MISS', 'nothing was stored by the fat GETs');
    assert.match(clean.text, /body=-$/);
    assert.equal((await get(3)).headers['x-cache'], 'HIT');
    assert.equal(origin.hits('/fat'), 3);
  });

  test('parameter cloaking and duplicate parameters: an ignored parameter cannot smuggle a keyed one; duplicates key in order', async () => {
    const clean = await worker.fetch('/search?q=shoes');
    assert.equal(clean.text, 'results for shoes #1');
    // utm_* is left out of the key; ';' would hide q=evil inside it for an
    // origin that also splits on ';'.
    for (const at of [1, 2]) {
      const cloaked = await worker.fetch('/search?q=shoes&utm_content=x;q=evil', { at });
      assert.equal(cloaked.xcache, 'BYPASS');
      assert.equal(cloaked.headers.get('x-freshet-reason'), 'ambiguous-query');
      assert.match(cloaked.text, /^results for evil/);
    }
    const after = await worker.fetch('/search?q=shoes&utm_source=mail', { at: 3 });
    assert.equal(after.xcache, 'HIT');
    assert.equal(after.text, 'results for shoes #1', 'the clean entry was not poisoned');
    // Duplicates: the origin takes the last one; each order has its own key.
    const ab = await worker.fetch('/search?q=a&q=b', { at: 4 });
    const ba = await worker.fetch('/search?q=b&q=a', { at: 4 });
    assert.equal(ab.xcache, 'MISS');
    assert.equal(ba.xcache, 'MISS');
    assert.match(ab.text, /^results for b/);
    assert.match(ba.text, /^results for a/);
    assert.equal((await worker.fetch('/search?q=b&q=a', { at: 5 })).text, ba.text);
    assert.equal((await worker.fetch('/search?q=a', { at: 5 })).xcache, 'MISS', '?q=a is not ?q=b&q=a');
    assert.equal(origin.hits('/search'), 6);
  });

  test('path normalisation tricks: %2F, .., double encoding and ; never reach a caching route\'s entry', async () => {
    const tricks = [
      '/static/..%2Faccount/me', // encoded slash
      '/static/..%252Faccount/me', // double encoding
      '/static/..%25%32%46account/me', // double encoding with encoded hex digits
      '/static/..%5Caccount/me', // encoded backslash
      '/static;/account/me', // path parameters
      '/static%2F..%2Faccount/me',
    ];
    for (const p of tricks) {
      for (const at of [0, 1]) {
        const r = await worker.fetch(p, { at, headers: { cookie: 'theme=dark' } });
        assert.equal(r.xcache, 'BYPASS', p);
        assert.equal(r.headers.get('x-freshet-reason'), 'ambiguous-path', p);
      }
    }
    for (const p of tricks) {
      const seen = origin.requests.filter((r) => r.path === p).length;
      // The origin saw each spelling twice: nothing was stored.
      assert.equal(seen, 2, p);
    }
    // Dot segments (also spelled %2e%2e) are resolved by the runtime before
    // routing: /static/%2e%2e/account/me is /account/me, which is not cached.
    const dots = await worker.fetch('/static/%2e%2e/account/me', { headers: { cookie: 'session=alice' } });
    assert.equal(dots.xcache, 'BYPASS');
    assert.equal(dots.headers.get('x-freshet-reason'), 'route-off');
    assert.match(dots.text, /account of alice/);
    // Equivalent spellings of the same resource share one entry.
    assert.equal((await worker.fetch('/static/app.css')).xcache, 'MISS');
    assert.equal((await worker.fetch('/static/%61pp.css', { at: 1 })).xcache, 'HIT');
    assert.equal(origin.hits('/static/app.css'), 1);
  });

  test('web cache deception: /account/x.css and its disguises are never stored as a static asset', async () => {
    for (const p of ['/account/x.css', '/account;x.css', '/account%2Fx.css', '/account/..%2Fstatic/x.css']) {
      const victim = await worker.fetch(p, { at: 0, headers: { cookie: 'session=alice' } });
      assert.match(victim.text, /account of alice/, p);
      assert.equal(victim.xcache, 'BYPASS', p);
      const attacker = await worker.fetch(p, { at: 1 });
      assert.notEqual(attacker.xcache, 'HIT', p);
      assert.doesNotMatch(attacker.text, /alice/, `${p} leaked the victim's page`);
      assert.equal(origin.requests.filter((r) => r.path === p).length, 2, p);
    }
    // On a catch-all caching route, a logged-in victim (bypass cookie)
    // never fills an entry either: the attacker gets the anonymous page.
    const victim = await worker.fetch('/profile/x.css', { at: 0, headers: { cookie: 'theme=dark; session=alice' } });
    assert.equal(victim.xcache, 'BYPASS');
    assert.equal(victim.headers.get('x-freshet-reason'), 'bypass-cookie');
    const attacker = await worker.fetch('/profile/x.css', { at: 1 });
    assert.equal(attacker.xcache, 'MISS');
    assert.match(attacker.text, /account of anonymous/);
    assert.equal(lastRequest().headers.cookie, undefined, 'no cookie reaches the origin on a caching route');
    assert.equal(origin.hits('/profile/x.css'), 2);
    // A session cookie the manifest does not list (sid) does not bypass,
    // but it never reaches the origin on a caching route either: what gets
    // stored is the anonymous page, never the victim's.
    const other = await worker.fetch('/profile/x.css?v=2', { at: 2, headers: { cookie: 'sid=alice' } });
    assert.equal(other.xcache, 'MISS');
    assert.equal(lastRequest().headers.cookie, undefined);
    assert.match(other.text, /account of anonymous/);
    const later = await worker.fetch('/profile/x.css?v=2', { at: 3 });
    assert.equal(later.xcache, 'HIT');
    assert.doesNotMatch(later.text, /alice/);
  });

  test('cache-poisoned denial of service: error answers to oversized or malformed headers are never stored', async () => {
    const big = 'en;q=0.9,'.repeat(600); // 5.4 KB, forwarded (safe-listed), not keyed
    const cases = [
      { p: '/dos/header', headers: { 'accept-language': big }, status: 431 },
      { p: '/dos/header', headers: { 'if-none-match': '"unterminated' }, status: 400 },
      { p: '/dos/header', headers: { accept: 'x/boom' }, status: 500 },
      { p: '/static/dos.css', headers: { 'accept-language': big }, status: 400 },
      { p: '/static/dos.css', headers: { accept: 'x/boom' }, status: 503 },
    ];
    let at = 0;
    for (const [i, c] of cases.entries()) {
      const url = `${c.p}?case=${i}`; // a key of its own per case
      const before = origin.hits(c.p);
      const bad = await worker.fetch(url, { at: at++, headers: c.headers });
      assert.equal(bad.status, c.status, `${c.p} ${c.status}`);
      assert.notEqual(bad.xcache, 'HIT');
      assert.doesNotMatch(bad.cacheStatus, /; stored/, `${c.status} was stored`);
      const victim = await worker.fetch(url, { at: at++ });
      assert.equal(victim.status, 200, `${c.p}: a ${c.status} was served from the cache`);
      assert.equal(origin.hits(c.p), before + 2, `${c.p} ${c.status}`);
    }
  });

  test('Host in the key: a request with another Host never fills the real site\'s entry', async () => {
    const other = await worker.fetch('https://evil.example/host');
    assert.equal(other.xcache, 'MISS');
    assert.equal(other.headers.get('x-freshet-key'), 'https://evil.example/host');
    const real = await worker.fetch('https://example.com/host', { at: 1 });
    assert.equal(real.xcache, 'MISS', 'another host\'s entry was served');
    assert.equal(real.headers.get('x-freshet-key'), 'https://example.com/host');
    // Case and the default port are normalised by the runtime: same entry.
    assert.equal((await worker.fetch('https://EXAMPLE.com:443/host', { at: 2 })).xcache, 'HIT');
    assert.equal(origin.hits('/host'), 2);
  });

  test('per-user leakage: Set-Cookie, private and Authorization answers are never served to another user', async () => {
    // Set-Cookie: never stored, even with max-age.
    const a = await worker.fetch('/leak/set-cookie');
    assert.match(a.headers.get('set-cookie'), /session=user1/);
    assert.match(a.cacheStatus, /detail="set-cookie"/);
    const b = await worker.fetch('/leak/set-cookie', { at: 1 });
    assert.notEqual(b.xcache, 'HIT');
    assert.match(b.headers.get('set-cookie'), /session=user2/);
    assert.equal(origin.hits('/leak/set-cookie'), 2);
    // private: never stored by a shared cache.
    await worker.fetch('/leak/private');
    const p = await worker.fetch('/leak/private', { at: 1 });
    assert.notEqual(p.xcache, 'HIT');
    assert.equal(origin.hits('/leak/private'), 2);
    // Authorization: bypasses by default (the route /* keeps the default
    // bypassHeaders); nothing stored for the next anonymous client.
    const auth = await worker.fetch('/page', { at: 10, headers: { authorization: 'Bearer alice' } });
    assert.equal(auth.headers.get('x-freshet-reason'), 'authorization');
    assert.equal(lastRequest().headers.authorization, 'Bearer alice', 'a bypass forwards the request as it came');
    // A route that does not bypass Authorization still refuses to store the
    // answer to an authorized request unless the origin says public
    // (RFC 9111 3.5) - and an Authorization header never reaches the origin
    // on a caching route.
    const me = await worker.fetch('/open/me', { at: 20, headers: { authorization: 'Bearer alice' } });
    assert.match(me.cacheStatus, /detail="authorized-response"/);
    assert.equal(lastRequest().headers.authorization, undefined);
    const anon = await worker.fetch('/open/me', { at: 21 });
    assert.notEqual(anon.xcache, 'HIT');
    assert.doesNotMatch(anon.text, /alice/);
    assert.equal(origin.hits('/open/me'), 2);
    await worker.fetch('/open/public', { at: 20, headers: { authorization: 'Bearer alice' } });
    assert.equal((await worker.fetch('/open/public', { at: 21 })).xcache, 'HIT', 'public answers may be shared');
  });

  test('admin brute force: 200 wrong tokens all get the same bare 401, with no timing difference', async (t) => {
    assert.equal((await worker.fetch('/page', { at: 100 })).xcache, 'MISS');
    const hitsBefore = origin.totalHits();
    const wrong = (i) => {
      switch (i % 4) {
        case 0: return 'x';
        case 1: return `${TOKEN.slice(0, -1)}${String.fromCharCode(65 + (i % 26))}`; // right length, last char wrong
        case 2: return `${String.fromCharCode(65 + (i % 26))}${TOKEN.slice(1)}`; // right length, first char wrong
        default: return `${TOKEN}${i}`; // the right token plus more
      }
    };
    const shapes = new Set();
    const times = { short: [], sameLength: [] };
    for (let i = 0; i < 200; i++) {
      const token = wrong(i);
      const start = performance.now();
      const res = await worker.mf.dispatchFetch('https://example.com/__freshet/purge', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"all":true}',
      });
      const body = await res.text();
      const ms = performance.now() - start;
      if (i % 4 === 0) times.short.push(ms);
      if (i % 4 === 1) times.sameLength.push(ms);
      assert.equal(res.status, 401, token);
      assert.equal(body, '');
      const headers = [...res.headers].filter(([k]) => k !== 'date').map(([k, v]) => `${k}: ${v}`).join('\n');
      shapes.add(`${res.status}\n${headers}`);
    }
    assert.equal(shapes.size, 1, `401s differ:\n${[...shapes].join('\n---\n')}`);
    assert.match([...shapes][0], /www-authenticate: Bearer/);
    assert.equal(origin.totalHits(), hitsBefore, 'no admin call reached the origin');
    assert.equal((await worker.fetch('/page', { at: 101 })).xcache, 'HIT', 'nothing was purged');

    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ms = { short: median(times.short), sameLength: median(times.sameLength) };
    t.diagnostic(`median 401 time: wrong short token ${ms.short.toFixed(3)} ms, right-length wrong token ${ms.sameLength.toFixed(3)} ms`);
    // Through Miniflare (and on a shared machine) the noise is in
    // milliseconds, so only a generous bound is asserted here; the equal
    // work itself is asserted exactly in the next test.
    const ratio = Math.max(ms.short, ms.sameLength) / Math.min(ms.short, ms.sameLength);
    assert.ok(ratio < 4 || Math.abs(ms.short - ms.sameLength) < 5, `timing differs: ${JSON.stringify(ms)}`);
  });
});

describe(`hostile input, mode on (${WASM_BUILD} build)`, () => {
  test('forced origin fetches and information leaks: client no-cache is ignored, no debug headers without debug mode', async () => {
    const origin = await startOrigin({
      '/hot': (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`hot #${n}`); },
    });
    const worker = await startWorker({ origin: origin.url, manifest: { defaults: { ttl: 60 }, routes: [{ pattern: '/*' }] } });
    try {
      assert.equal((await worker.fetch('/hot')).xcache, 'MISS');
      for (const [i, headers] of [{ 'cache-control': 'no-cache' }, { 'cache-control': 'max-age=0' }, { pragma: 'no-cache' },
        { 'cache-control': 'no-store' }].entries()) {
        const r = await worker.fetch('/hot', { at: 1 + i, headers });
        assert.equal(r.xcache, 'HIT', JSON.stringify(headers));
        for (const h of ['x-freshet-key', 'x-freshet-route', 'x-freshet-reason']) assert.equal(r.headers.get(h), null, h);
        assert.doesNotMatch(r.cacheStatus, /key=/);
      }
      assert.equal(origin.hits('/hot'), 1, 'no client forced an origin fetch');
    } finally {
      await worker.dispose();
      await origin.close();
    }
  });
});

describe('admin brute force: equal work for every wrong token', () => {
  test('every presented token is hashed, and the comparison always sees two 32-byte digests', async () => {
    const { tokenMatches } = await import('../../worker/admin.js');
    const subtle = globalThis.crypto.subtle;
    const digest = subtle.digest;
    const hadDigest = Object.hasOwn(subtle, 'digest');
    const hadCompare = Object.hasOwn(subtle, 'timingSafeEqual');
    const digested = [];
    const compared = [];
    subtle.digest = function (alg, data) {
      digested.push(data.byteLength);
      return digest.call(this, alg, data);
    };
    // workerd's constant-time primitive; Node has none, so a recording one.
    subtle.timingSafeEqual = (a, b) => {
      compared.push([a.byteLength, b.byteLength]);
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
      return diff === 0;
    };
    try {
      const expected = TOKEN;
      const presented = ['x', '', `${TOKEN.slice(0, -1)}Z`, `Z${TOKEN.slice(1)}`, `${TOKEN}${TOKEN}`, 'y'.repeat(4096)];
      for (const token of presented) {
        digested.length = 0;
        compared.length = 0;
        assert.equal(await tokenMatches(token, expected), false, token);
        assert.deepEqual(digested.sort((a, b) => a - b), [token.length, expected.length].sort((a, b) => a - b), token);
        assert.deepEqual(compared, [[32, 32]], token);
      }
      assert.equal(await tokenMatches(TOKEN, expected), true);
      // No token configured: the admin route does not exist, nothing matches.
      assert.equal(await tokenMatches(TOKEN, ''), false);
      assert.equal(await tokenMatches(null, expected), false);
    } finally {
      if (hadDigest) subtle.digest = digest;
      else delete subtle.digest;
      if (!hadCompare) delete subtle.timingSafeEqual;
    }
  });
});
