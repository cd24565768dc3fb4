// The manifest tooling: the JSON Schema and the engine agree on every
// example, the CLI validates and explains with the worker's wasm module.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT } from '../worker/helpers.js';
import { main } from '../../tools/freshet.mjs';

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/manifest.schema.json'), 'utf8'));
const validateSchema = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function cli(...args) {
  const lines = [];
  const code = main(args, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

const manifests = [
  ...readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.manifest.json')).map((f) => `examples/${f}`),
  'freshet.manifest.json',
];

// Broken manifests: the engine's JSON path, and the schema rejects them too.
const broken = [
  [{ routes: [{ pattern: '/', tll: 5 }] }, '$.routes[0].tll', 'did you mean "ttl"'],
  [{ routes: [{ pattern: '/', ttl: -1 }] }, '$.routes[0].ttl', '>= 0'],
  [{ routes: [{ pattern: '/', ttl: '60' }] }, '$.routes[0].ttl', 'whole number'],
  [{ routes: [{ pattern: 'blog' }] }, '$.routes[0].pattern', "start with '/'"],
  // Semantic checks a schema cannot express: the engine alone catches them.
  [{ routes: [{ pattern: '/a/:x', tags: ['post:{slug}'] }] }, '$.routes[0].tags[0]', 'not a parameter', 'engine only'],
  [{ routes: [{ pattern: '/a/:x' }, { pattern: '/a/:y' }] }, '$.routes[1].pattern', 'shadows', 'engine only'],
  [{ routes: [{ pattern: '/', key: { query: 'some' } }] }, '$.routes[0].key.query', '"all" or "none"'],
  [{ routes: [{ pattern: '/', key: { headers: ['bad header'] } }] }, '$.routes[0].key.headers[0]', 'not a header field name'],
  [{ routes: [{ pattern: '/', methods: ['DELETE'] }] }, '$.routes[0].methods[0]', 'unsupported method'],
  [{ mode: 'fast', routes: [] }, '$.mode', 'must be "on", "off" or "debug"'],
  [{ namespace: 'Bad NS', routes: [] }, '$.namespace', 'a-z'],
  [{ defaults: { stale: 1 }, routes: [] }, '$.defaults.stale', 'unknown field'],
  [{ routes: [{ pattern: '/', shield: 'yes' }] }, '$.routes[0].shield', 'must be true, false or'],
  [{ routes: [{ pattern: '/', shield: { timeout: 5 } }] }, '$.routes[0].shield.timeout', 'did you mean "timeoutMs"'],
  [{ routes: [{ pattern: '/', shield: { timeoutMs: 10 } }] }, '$.routes[0].shield.timeoutMs', '50 to 60000 ms'],
  [{ routes: [{ pattern: '/', negativeTtl: 'heur' }] }, '$.routes[0].negativeTtl', 'or "heuristic"'],
  [{ dev: 'on', routes: [] }, '$.dev', 'must be "mark", "off" or "cache"'],
  [{ routes: [{ pattern: '/a/:x', invalidates: ['posts'] }] }, '$.routes[0].invalidates[0]', 'must be "all" or start with'],
  [{ routes: [{ pattern: '/a/:x', invalidates: ['prefix:blog/'] }] }, '$.routes[0].invalidates[0]', 'takes a path'],
  [{ routes: [{ pattern: '/a/:x', invalidates: ['tag:post:{slug}'] }] }, '$.routes[0].invalidates[0]', 'not a parameter', 'engine only'],
  [{ routes: [{ pattern: '/', setCookie: 'drop' }] }, '$.routes[0].setCookie', '"refuse", "store" or "strip"'],
  [{ routes: [{ pattern: '/', cdnCacheControl: 'strip' }] }, '$.routes[0].cdnCacheControl', 'must be "pass" or "remove"'],
  [{ defaults: { cdnCacheControl: true }, routes: [] }, '$.defaults.cdnCacheControl', 'must be "pass" or "remove"'],
];

describe('JSON Schema and engine agree', () => {
  for (const file of manifests) {
    test(`${file} is valid for both`, () => {
      const m = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
      assert.ok(validateSchema(m), JSON.stringify(validateSchema.errors));
      const r = cli('validate', '--strict', path.join(ROOT, file));
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /ok: \d+ routes, 0 warning/);
    });
  }
  for (const [m, jsonPath, words, engineOnly] of broken) {
    test(`rejects ${jsonPath}: ${words}`, async (t) => {
      if (!engineOnly) assert.equal(validateSchema(m), false, 'the schema rejects it');
      const file = path.join(await tmp(t), 'm.json');
      (await import('node:fs')).writeFileSync(file, JSON.stringify(m));
      const r = cli('validate', file);
      assert.equal(r.code, 1);
      assert.ok(r.out.includes(`error: ${jsonPath}: `), r.out);
      assert.ok(r.out.includes(words), r.out);
    });
  }
});

async function tmp(t) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('freshet CLI', () => {
  test('strict mode fails on warnings', async (t) => {
    const file = path.join(await tmp(t), 'm.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ routes: [{ pattern: '/me', cachePrivate: true }] }));
    assert.equal(cli('validate', file).code, 0);
    const strict = cli('validate', '--strict', file);
    assert.equal(strict.code, 1);
    assert.match(strict.out, /warning: \$\.routes\[0\]\.cachePrivate: stores responses the origin marks private/);
    assert.match(strict.out, /rejected \(strict\)/);
  });

  test('explain: route, key, TTLs, tags', () => {
    const r = cli('explain', path.join(ROOT, 'examples/blog.manifest.json'), 'https://example.com/blog/hello?utm_source=x&b=2&a=1');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /decision: +cache \(look the key up\)/);
    assert.match(r.out, /route: +#1 post \(\/blog\/:slug\)/);
    assert.match(r.out, /ttl: +300s +stale-while-revalidate: 600s +stale-if-error: 86400s/);
    assert.match(r.out, /key: +https:\/\/example\.com\/blog\/hello\?a=1&b=2$/m);
    assert.match(r.out, /tags: +post:hello, posts/);
    assert.match(r.out, /cdn: +CDN-Cache-Control used and passed on/);
  });

  test('explain: a route that removes CDN-Cache-Control before the client', async (t) => {
    const file = path.join(await tmp(t), 'm.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({
      defaults: { cdnCacheControl: 'remove' },
      routes: [{ pattern: '/a/*' }, { pattern: '/b/*', cdnCacheControl: 'pass' }],
    }));
    const a = cli('explain', file, 'https://e.com/a/x', '--json');
    assert.equal(JSON.parse(a.out).route.cdnCacheControl, 'remove');
    assert.match(cli('explain', file, 'https://e.com/a/x').out, /cdn: +CDN-Cache-Control used, removed before the client/);
    assert.equal(JSON.parse(cli('explain', file, 'https://e.com/b/x', '--json').out).route.cdnCacheControl, 'pass');
  });

  test('explain: an invalid CDN-Cache-Control is shown as ignored (RFC 9213 2.1)', () => {
    const r = cli('explain', path.join(ROOT, 'examples/blog.manifest.json'), 'https://example.com/blog/x',
      '--status', '200', '-R', 'Cache-Control: max-age=7', '-R', 'CDN-Cache-Control: max-age="100"');
    assert.match(r.out, /response: +200 -> store \(stored\): fresh 7s from max-age/);
    assert.match(r.out, /ignored: +cdn-cache-control/);
  });

  test('explain: storage and the shield', () => {
    const r = cli('explain', path.join(ROOT, 'examples/shop.manifest.json'), 'https://shop.example/p/sku-1');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /storage: +cache, global; shield \(misses and revalidations, waits 500 ms for it\); ETags generated where the origin sends no validator; Set-Cookie: strip$/m);
    const pages = cli('explain', path.join(ROOT, 'examples/shop.manifest.json'), 'https://shop.example/about');
    assert.match(pages.out, /storage: +cache; Set-Cookie: refuse$/m);
  });

  test('explain: a route that takes the age from Age only', async (t) => {
    const file = path.join(await tmp(t), 'm.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ routes: [{ pattern: '/legacy/*', ageFromDate: false }, { pattern: '/*' }] }));
    assert.match(cli('explain', file, 'https://e.com/legacy/x').out, /origin: .*; age from Age only \(not Date\)/);
    assert.doesNotMatch(cli('explain', file, 'https://e.com/other').out, /age from Age only/);
    assert.equal(JSON.parse(cli('explain', file, 'https://e.com/legacy/x', '--json').out).route.ageFromDate, false);
  });

  test('explain: what a write invalidates', async (t) => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'freshet-explain-')), 'm.json');
    writeFileSync(file, JSON.stringify({ routes: [{ pattern: '/admin/posts/:slug', cache: false, invalidates: ['tag:post:{slug}', 'url:/feed.xml'], invalidateSoft: true }] }));
    const r = cli('explain', file, 'https://example.com/admin/posts/hello', '-X', 'POST');
    assert.match(r.out, /writes: +a successful unsafe request invalidates tag:post:\{slug\}, url:\/feed.xml \(soft\)/);
  });

  test('explain: bypass and why', () => {
    const cookie = cli('explain', path.join(ROOT, 'examples/blog.manifest.json'), 'https://example.com/blog/x', '-H', 'Cookie: session=1');
    assert.match(cookie.out, /decision: +bypass - reason: bypass-cookie/);
    const admin = cli('explain', path.join(ROOT, 'examples/blog.manifest.json'), 'https://example.com/wp-admin/edit');
    assert.match(admin.out, /reason: route-off/);
    const header = cli('explain', path.join(ROOT, 'examples/api.manifest.json'), 'https://api.example/v1/products', '-H', 'X-Preview: 1');
    assert.match(header.out, /reason: bypass-header/);
    const smuggled = cli('explain', path.join(ROOT, 'examples/blog.manifest.json'), 'https://example.com/blog/x;.css');
    assert.match(smuggled.out, /reason: ambiguous-path/);
  });

  test('explain: key dimensions and a simulated response', () => {
    const r = cli('explain', path.join(ROOT, 'examples/shop.manifest.json'), 'https://shop.example/p/sku-1',
      '-H', 'Cookie: currency=EUR', '-H', 'User-Agent: Mozilla/5.0 (iPhone) Mobile', '--status', '200', '-R', 'Cache-Control: s-maxage=30', '--json');
    const j = JSON.parse(r.out);
    assert.equal(j.key, 'https://shop.example/p/sku-1 cookie:currency=EUR device:class=mobile');
    assert.deepEqual(j.tags, ['sku:sku-1', 'catalog']);
    assert.equal(j.route.name, 'product');
    assert.equal(j.response.decision, 'store');
    assert.equal(j.response.lifetime, 30);
    assert.equal(j.response.lifetimeSource, 's-maxage');
  });

  test('explain: an invalid manifest says the worker would pass everything', async (t) => {
    const file = path.join(await tmp(t), 'm.json');
    (await import('node:fs')).writeFileSync(file, '{"routes": [');
    const r = cli('explain', file, 'https://e.com/');
    assert.equal(r.code, 1);
    assert.match(r.out, /error: \$: not valid JSON/);
    assert.match(r.out, /pass every request to the origin untouched/);
  });

  test('usage errors exit 2 with help', () => {
    assert.equal(cli().code, 2);
    assert.equal(cli('frobnicate').code, 2);
    assert.equal(cli('explain', 'x.json').code, 2);
    const bad = cli('explain', path.join(ROOT, 'freshet.manifest.json'), 'not-a-url');
    assert.equal(bad.code, 2);
    assert.match(bad.out, /not an absolute URL/);
  });
});
