// HTTP caching semantics through the real worker in workerd, with the
// plain RFC 9111 manifest of the conformance run: Vary variants,
// invalidation by unsafe methods, conditional requests and ranges answered
// from the cache, 304 freshening, Age parsing, targeted Surrogate-Control.
// Deterministic: time moves through x-freshet-test-now; every test checks
// origin hit counts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, respond, startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'tests/conformance/manifest.json'), 'utf8'));

describe(`HTTP semantics, RFC manifest (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/vary': (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=100', vary: 'Accept-Language', 'content-type': 'text/plain' });
        res.end(`lang=${req.headers['accept-language'] ?? '-'} #${n}`);
      },
      '/vary-accept': (req, res, n) => {
        res.writeHead(200, { 'cache-control': 'max-age=100', vary: 'Accept, Accept-Encoding', 'content-type': 'text/plain' });
        res.end(`accept=${req.headers.accept ?? '-'} encoding=${req.headers['accept-encoding'] ?? '-'} #${n}`);
      },
      '/vary-star': respond.counted('star', { 'cache-control': 'max-age=100', vary: 'Accept-Language, *' }),
      '/doc': respond.counted('doc', { 'cache-control': 'max-age=100' }),
      '/doc/edit': (req, res) => {
        res.writeHead(req.headers['x-fail'] ? 500 : 201, { location: '/created', 'content-location': '/doc' });
        res.end('ok');
      },
      '/created': respond.counted('created', { 'cache-control': 'max-age=100' }),
      '/etag': respond.counted('etag', {
        'cache-control': 'max-age=100',
        etag: '"v1"',
        'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT',
      }),
      '/range': respond.text('0123456789', { 'cache-control': 'max-age=100' }),
      '/update': (req, res, n) => {
        if (req.headers['if-none-match'] === '"u1"') {
          res.writeHead(304, { etag: '"other"', 'cache-control': 'max-age=50', 'content-type': 'text/html', 'x-v': `${n}` });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"u1"', 'cache-control': 'max-age=10', 'content-type': 'text/plain', 'x-v': `${n}` });
        res.end('update body');
      },
      '/bad-age': respond.counted('bad-age', { 'cache-control': 'max-age=100', age: 'abc' }),
      '/age-lines': (req, res, n) => {
        // Two Age field lines: the platform joins them ("0, 7200").
        res.setHeader('cache-control', 'max-age=3600');
        res.setHeader('age', ['0', '7200']);
        res.setHeader('content-type', 'text/plain');
        res.end(`age-lines ${n}`);
      },
      '/age-old-first': respond.counted('age-old-first', { 'cache-control': 'max-age=3600', age: '7200, 0' }),
      '/age-overflow': respond.counted('age-overflow', { 'cache-control': 'max-age=3600', age: '2147483648' }),
      '/surrogate': (req, res, n) => {
        const target = (req.headers['surrogate-capability'] ?? '').split('=')[0];
        res.writeHead(200, { 'cache-control': 'no-store', 'surrogate-control': `max-age=100;${target}`, 'content-type': 'text/plain' });
        res.end(`surrogate ${n}`);
      },
      '/conn': respond.counted('conn', { 'cache-control': 'max-age=100', connection: 'x-hop', 'x-hop': '1', 'x-end': '2' }),
      '/omit': respond.counted('omit', { 'cache-control': 'max-age=100, no-cache="x-secret", private="x-user"', 'x-secret': 's', 'x-user': 'u', 'x-kept': 'k' }),
      '/bad-request': respond.counted('bad', { 'cache-control': 'max-age=100' }, 400),
      '/no-content': (req, res) => {
        res.writeHead(204, { 'cache-control': 'max-age=100', 'x-n': 'nc' });
        res.end();
      },
      '/validator-only': (req, res, n) => {
        if (req.headers['if-none-match'] === '"w"') {
          res.writeHead(304, { etag: '"w"' });
          res.end();
          return;
        }
        res.writeHead(200, { 'cache-control': 'no-cache', etag: '"w"', 'content-type': 'text/plain' });
        res.end(`validator ${n}`);
      },
    });
    worker = await startWorker({ origin: origin.url, manifest });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('Vary: each variant is stored and served on its own (RFC 9111 4.1)', async () => {
    const en = { 'accept-language': 'en, de' };
    const fr = { 'accept-language': 'fr' };
    assert.equal((await worker.fetch('/vary', { headers: en })).text, 'lang=en, de #1');
    assert.equal((await worker.fetch('/vary', { at: 1, headers: fr })).text, 'lang=fr #2');
    // Case and optional whitespace fold; the order of equal preferences does not.
    const enAgain = await worker.fetch('/vary', { at: 2, headers: { 'accept-language': 'EN ,De' } });
    assert.equal(enAgain.xcache, 'HIT');
    assert.equal(enAgain.text, 'lang=en, de #1');
    const frAgain = await worker.fetch('/vary', { at: 3, headers: fr });
    assert.equal(frAgain.xcache, 'HIT');
    assert.equal(frAgain.text, 'lang=fr #2');
    const none = await worker.fetch('/vary', { at: 4 });
    assert.equal(none.xcache, 'MISS');
    assert.equal(origin.hits('/vary'), 3);
    assert.equal(none.headers.get('x-freshet-vary'), null);
    const deFirst = await worker.fetch('/vary', { at: 5, headers: { 'accept-language': 'de, en' } });
    assert.equal(deFirst.xcache, 'MISS', 'de, en prefers German: not the variant of en, de');
    assert.equal(deFirst.text, 'lang=de, en #4');
    assert.equal(origin.hits('/vary'), 4);
  });

  test('Vary: a reordered Accept is another variant, a reweighted one the same (RFC 9111 4.1)', async () => {
    const get = (accept, encoding, at) => worker.fetch('/vary-accept', { at, headers: { accept, 'accept-encoding': encoding } });
    const first = await get('text/html, application/json', 'gzip, br', 0);
    assert.equal(first.xcache, 'MISS');
    assert.equal((await get('text/html,application/json', 'GZIP,br', 1)).xcache, 'HIT', 'whitespace and the case of codings fold');
    const swapped = await get('application/json, text/html', 'gzip, br', 2);
    assert.equal(swapped.xcache, 'MISS', 'Accept in another order: another variant');
    assert.match(swapped.text, /^accept=application\/json, text\/html /);
    // (The runtime sets the Accept-Encoding a worker sees - workerd here
    // always "br, gzip" - so its order is checked in tests/unit/vary_test.cc.)
    assert.match(first.text, / encoding=br, gzip /);
    assert.equal((await get('text/html, application/json', 'br, gzip', 3)).xcache, 'HIT');
    assert.equal((await get('text/html;q=0.9, application/json', 'gzip', 4)).xcache, 'MISS');
    const reweighted = await get('application/json, text/html;q=0.9', 'gzip', 5);
    assert.equal(reweighted.xcache, 'HIT', 'the same weights in another order: the same variant');
    assert.match(reweighted.text, /^accept=text\/html;q=0.9, application\/json /);
    assert.equal(origin.hits('/vary-accept'), 3);
  });

  test('Vary: * is never stored', async () => {
    await worker.fetch('/vary-star');
    const b = await worker.fetch('/vary-star', { at: 1 });
    assert.equal(b.xcache, 'MISS');
    assert.match(b.cacheStatus, /detail="vary-star"/);
    assert.equal(origin.hits('/vary-star'), 2);
  });

  test('a successful unsafe request invalidates the URI, Location and Content-Location (4.4)', async () => {
    await worker.fetch('/doc/edit');
    await worker.fetch('/created');
    await worker.fetch('/doc');
    assert.equal((await worker.fetch('/doc', { at: 1 })).xcache, 'HIT');
    const failed = await worker.fetch('/doc/edit', { at: 2, method: 'POST', body: 'x', headers: { 'x-fail': '1' } });
    assert.equal(failed.status, 500);
    assert.equal((await worker.fetch('/doc', { at: 3 })).xcache, 'HIT', 'a failed POST invalidates nothing');
    const post = await worker.fetch('/doc/edit', { at: 4, method: 'POST', body: 'x' });
    assert.equal(post.status, 201);
    const doc = await worker.fetch('/doc', { at: 5 });
    assert.equal(doc.xcache, 'MISS');
    assert.equal(doc.text, 'doc 2');
    const created = await worker.fetch('/created', { at: 5 });
    assert.equal(created.xcache, 'MISS');
    assert.equal(origin.hits('/doc'), 2);
    assert.equal(origin.hits('/created'), 2);
  });

  test('If-None-Match and If-Modified-Since are answered from the cache with 304 (4.3.2)', async () => {
    // The fetch client adds "Cache-Control: no-cache" to conditional
    // requests unless a Cache-Control is given (Fetch standard), as the
    // conformance suite also works around.
    const cc = { 'cache-control': 'nothing-to-see-here' };
    await worker.fetch('/etag');
    const inm = await worker.fetch('/etag', { at: 1, headers: { ...cc, 'if-none-match': 'W/"x", "v1"' } });
    assert.equal(inm.status, 304);
    assert.equal(inm.text, '');
    assert.equal(inm.headers.get('etag'), '"v1"');
    assert.equal(inm.headers.get('content-length'), null);
    const other = await worker.fetch('/etag', { at: 2, headers: { ...cc, 'if-none-match': '"v2"' } });
    assert.equal(other.status, 200);
    assert.equal(other.text, 'etag 1');
    const ims = await worker.fetch('/etag', { at: 3, headers: { ...cc, 'if-modified-since': 'Mon, 07 Nov 1994 00:00:00 GMT' } });
    assert.equal(ims.status, 304);
    const older = await worker.fetch('/etag', { at: 4, headers: { ...cc, 'if-modified-since': 'Sat, 05 Nov 1994 00:00:00 GMT' } });
    assert.equal(older.status, 200);
    assert.equal(origin.hits('/etag'), 1);
  });

  test('a Range request is answered from a stored complete response (206)', async () => {
    await worker.fetch('/range');
    const r = await worker.fetch('/range', { at: 1, headers: { range: 'bytes=2-4' } });
    assert.equal(r.status, 206);
    assert.equal(r.text, '234');
    assert.equal(r.headers.get('content-range'), 'bytes 2-4/10');
    const suffix = await worker.fetch('/range', { at: 1, headers: { range: 'bytes=-3' } });
    assert.equal(suffix.text, '789');
    const beyond = await worker.fetch('/range', { at: 1, headers: { range: 'bytes=20-' } });
    assert.equal(beyond.status, 416);
    const multi = await worker.fetch('/range', { at: 1, headers: { range: 'bytes=0-1,3-4' } });
    assert.equal(multi.status, 200);
    assert.equal(multi.text, '0123456789');
    assert.equal(origin.hits('/range'), 1);
  });

  test('a 304 freshens the entry: new fields, but the stored ETag and body stay (3.2, 4.3.4)', async () => {
    await worker.fetch('/update');
    const b = await worker.fetch('/update', { at: 20 });
    assert.equal(b.xcache, 'REVALIDATED');
    assert.equal(b.text, 'update body');
    assert.equal(b.headers.get('etag'), '"u1"');
    assert.equal(b.headers.get('content-type'), 'text/html');
    assert.equal(b.headers.get('x-v'), '2');
    const c = await worker.fetch('/update', { at: 60 });
    assert.equal(c.xcache, 'HIT', 'freshened by the 304 max-age=50');
    assert.equal(c.headers.get('x-v'), '2');
    assert.equal(origin.hits('/update'), 2);
    assert.equal(origin.requests.filter((r) => r.path === '/update').at(-1).headers['if-none-match'], '"u1"');
  });

  test('an invalid Age is ignored (RFC 9111 5.1): cached by its max-age', async () => {
    const a = await worker.fetch('/bad-age');
    assert.equal(a.xcache, 'MISS');
    const b = await worker.fetch('/bad-age', { at: 50 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'bad-age 1');
    assert.equal(b.headers.get('age'), '50');
    assert.equal(origin.hits('/bad-age'), 1);
  });

  test('repeated Age lines and lists use the first member (5.1)', async () => {
    await worker.fetch('/age-lines');
    const b = await worker.fetch('/age-lines', { at: 10 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'age-lines 1');
    assert.equal(origin.hits('/age-lines'), 1);
    await worker.fetch('/age-old-first');
    const c = await worker.fetch('/age-old-first', { at: 1 });
    assert.equal(c.xcache, 'EXPIRED', 'first member 7200 > max-age 3600');
    assert.equal(c.text, 'age-old-first 2');
    assert.equal(origin.hits('/age-old-first'), 2);
  });

  test('an Age of 2^31 or more (delta-seconds overflow, 1.2.2) is stale on arrival', async () => {
    await worker.fetch('/age-overflow');
    const b = await worker.fetch('/age-overflow', { at: 1 });
    assert.equal(b.xcache, 'EXPIRED');
    assert.equal(b.text, 'age-overflow 2');
    assert.equal(origin.hits('/age-overflow'), 2);
  });

  test('Surrogate-Control targeted at freshet (Surrogate-Capability) wins over no-store', async () => {
    const a = await worker.fetch('/surrogate');
    assert.equal(a.headers.get('surrogate-control'), null);
    const seen = origin.requests.find((r) => r.path === '/surrogate').headers['surrogate-capability'];
    assert.equal(seen, 'freshet="Surrogate/1.0"');
    const b = await worker.fetch('/surrogate', { at: 50 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'surrogate 1');
    assert.equal(origin.hits('/surrogate'), 1);
  });

  test('fields named by Connection are neither stored nor forwarded (RFC 9110 7.6.1)', async () => {
    const a = await worker.fetch('/conn');
    assert.equal(a.headers.get('x-hop'), null);
    const b = await worker.fetch('/conn', { at: 1 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('x-hop'), null);
    assert.equal(b.headers.get('x-end'), '2');
    assert.equal(origin.hits('/conn'), 1);
  });

  test('a response with only a validator is kept and revalidated on every use', async () => {
    await worker.fetch('/validator-only');
    const b = await worker.fetch('/validator-only', { at: 1 });
    assert.equal(b.xcache, 'REVALIDATED');
    assert.equal(b.text, 'validator 1');
    assert.equal(origin.requests.filter((r) => r.path === '/validator-only').at(-1).headers['if-none-match'], '"w"');
    assert.equal(origin.hits('/validator-only'), 2);
  });

  test('fields named by qualified no-cache / private are not kept in the stored copy (5.2.2.4, 5.2.2.7)', async () => {
    const a = await worker.fetch('/omit');
    assert.equal(a.headers.get('x-secret'), 's');
    const b = await worker.fetch('/omit', { at: 1 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.headers.get('x-secret'), null);
    assert.equal(b.headers.get('x-user'), null);
    assert.equal(b.headers.get('x-kept'), 'k');
    assert.equal(origin.hits('/omit'), 1);
  });

  test('only-if-cached: 504 without contacting the origin when nothing is stored (5.2.1.7)', async () => {
    const r = await worker.fetch('/never-stored', { headers: { 'cache-control': 'only-if-cached' } });
    assert.equal(r.status, 504);
    assert.match(r.cacheStatus, /detail="only-if-cached"/);
    assert.equal(origin.hits('/never-stored'), 0);
    await worker.fetch('/doc', { at: 10 });
    const hit = await worker.fetch('/doc', { at: 11, headers: { 'cache-control': 'only-if-cached' } });
    assert.equal(hit.status, 200);
    assert.equal(hit.xcache, 'HIT');
  });

  test('any status the engine stores is kept, whatever the platform cache understands (400, 204)', async () => {
    await worker.fetch('/bad-request');
    const b = await worker.fetch('/bad-request', { at: 1 });
    assert.equal(b.status, 400);
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'bad 1');
    assert.equal(b.headers.get('x-freshet-status'), null);
    await worker.fetch('/no-content');
    const nc = await worker.fetch('/no-content', { at: 1 });
    assert.equal(nc.status, 204);
    assert.equal(nc.xcache, 'HIT');
    assert.equal(nc.headers.get('x-n'), 'nc');
    assert.equal(origin.hits('/bad-request'), 1);
    assert.equal(origin.hits('/no-content'), 1);
  });

  test('a miss among stored variants says vary-miss (RFC 9211 2.2)', async () => {
    const r = await worker.fetch('/vary', { at: 5, headers: { 'accept-language': 'it' } });
    assert.equal(r.xcache, 'MISS');
    assert.match(r.cacheStatus, /fwd=vary-miss/);
  });
});

describe(`Set-Cookie responses with FRESHET_STORE_SET_COOKIE=1 (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/cookie': (req, res, n) => {
        if (req.headers['if-none-match'] === '"c1"') {
          res.writeHead(304, { etag: '"c1"', 'cache-control': 'max-age=10', 'set-cookie': [`v=${n}; Path=/`, 'w=2'] });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"c1"', 'cache-control': 'max-age=10', 'set-cookie': ['v=1; Path=/', 'x=a,b'], 'content-type': 'text/plain' });
        res.end(`cookie ${n}`);
      },
    });
    worker = await startWorker({ origin: origin.url, manifest, bindings: { FRESHET_STORE_SET_COOKIE: '1' } });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('stored with its cookies, which a 304 updates (RFC 9111 3, 3.2)', async () => {
    const a = await worker.fetch('/cookie');
    assert.deepEqual(a.headers.getSetCookie(), ['v=1; Path=/', 'x=a,b']);
    const b = await worker.fetch('/cookie', { at: 1 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'cookie 1');
    assert.deepEqual(b.headers.getSetCookie(), ['v=1; Path=/', 'x=a,b']);
    assert.equal(b.headers.get('x-freshet-kept-set-cookie'), null);
    const c = await worker.fetch('/cookie', { at: 20 });
    assert.equal(c.xcache, 'REVALIDATED');
    assert.deepEqual(c.headers.getSetCookie(), ['v=2; Path=/', 'w=2']);
    const d = await worker.fetch('/cookie', { at: 21 });
    assert.equal(d.xcache, 'HIT');
    assert.deepEqual(d.headers.getSetCookie(), ['v=2; Path=/', 'w=2']);
    assert.equal(origin.hits('/cookie'), 2);
  });
});
