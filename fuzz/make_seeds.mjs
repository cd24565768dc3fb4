// Writes the seed corpora of fuzz/corpus/<target>/ (committed; run again
// after changing this file: node fuzz/make_seeds.mjs). Each seed is a small
// valid or nearly valid input that leads the fuzzer into the code it
// targets; the layouts are described at the top of each fuzz_*.cc.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'corpus');
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
const f64 = (n) => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b; };
const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
// A string list of docs/abi.md: the decimal count, then each string, all
// NUL-terminated.
const list = (items) => Buffer.from([String(items.length), ...items].map((s) => `${s}\0`).join(''));

const seeds = {};
const add = (target, name, data) => { (seeds[target] ??= {})[name] = Buffer.from(data); };

// fuzz_http_date: the date text (the first 8 bytes double as a time).
for (const [n, d] of Object.entries({
  imf: 'Sun, 06 Nov 1994 08:49:37 GMT', rfc850: 'Sunday, 06-Nov-94 08:49:37 GMT',
  asctime: 'Sun Nov  6 08:49:37 1994', leap: 'Thu, 29 Feb 2024 23:59:60 GMT',
  bad_day: 'Mon, 31 Apr 2023 00:00:00 GMT', zero: '0', far: 'Fri, 31 Dec 9999 23:59:59 GMT',
})) add('fuzz_http_date', n, d);

// fuzz_cache_control: a field value.
for (const [n, d] of Object.entries({
  response: 'public, max-age=60, s-maxage=120, stale-while-revalidate=30, stale-if-error=600',
  private_fields: 'private="set-cookie, x-user", no-cache="set-cookie", must-revalidate',
  quoted: 'max-age="60", no-store, immutable, must-understand',
  request: 'max-stale, min-fresh=5, no-cache, only-if-cached, max-age=0',
  surrogate: 'max-age=60;freshet, no-store;other, max-age=10',
  overflow: 'max-age=99999999999999999999999, s-maxage=-1, max-age = 5',
  escapes: 'a="\\"", b="\\', empty: ', ,,=,',
})) add('fuzz_cache_control', n, d);

// fuzz_structured_field: a Dictionary field value (RFC 8941), as a
// CDN-Cache-Control would carry it.
for (const [n, d] of Object.entries({
  cdn: 'max-age=60, s-maxage=120, stale-while-revalidate=30, no-store, private="x-user"',
  items: 'a=1, b=-2.5, c="x\\"y", d=tok/en:1, e=:aGVsbG8=:, f=?0, g;p=1;q',
  inner: 'a=(1 2.0 "s" t;x);y=?1, b=()',
  invalid: 'max-age=10000, &&&&&',
  wrong_type: 'max-age="10000"',
  limits: 'a=999999999999999, b=-999999999999.999, c=1234567890123456, d=1.2345, e=1.',
  trailing: 'a=1,  ', upper: 'MaX-aGe=3600', spaces: '  a = 1',
})) add('fuzz_structured_field', n, d);

// fuzz_headers: 16 bytes of times, then "status\nname:value\n...".
const times = Buffer.concat([u64(1700000000000), u64(1700000000500)]);
for (const [n, lines] of Object.entries({
  fresh: ['200', 'cache-control:max-age=60', 'date:Tue, 14 Nov 2023 22:13:20 GMT', 'etag:"v1"',
    'if-none-match:W/"v1", "v2"', 'vary:Accept-Encoding, accept-language', 'accept-encoding:gzip, br',
    'accept-language:en;q=0.9, de', 'age:10'],
  targeted: ['200', 'cdn-cache-control:s-maxage=300', 'surrogate-control:max-age=5;freshet',
    'freshet-cache-control:no-store', 'expires:Tue, 14 Nov 2023 23:13:20 GMT'],
  heuristic: ['404', 'last-modified:Sun, 06 Nov 1994 08:49:37 GMT', 'set-cookie:a=b',
    'if-modified-since:Sun, 06 Nov 1994 08:49:37 GMT', 'cookie:session=1; theme=dark',
    'user-agent:Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)'],
  bad_age: ['200', 'age:0, 60', 'age:x', 'vary:*', 'pragma:no-cache', 'expires:0'],
})) add('fuzz_headers', n, Buffer.concat([times, Buffer.from(lines.join('\n'))]));

// fuzz_manifest: manifest JSON.
const manifests = {
  readme: {
    version: 1, defaults: { ttl: 60, staleWhileRevalidate: 30, staleIfError: 86400, bypassCookies: ['session'] },
    routes: [{ name: 'pages', pattern: '/*' }, { name: 'blog', pattern: '/blog/:slug', ttl: 10, tags: ['post:{slug}'] },
      { name: 'static', pattern: '/static/*', ttl: 'forever', originHeaders: 'override', browserTtl: 3600 },
      { name: 'account', pattern: '/account/*', cache: false }],
  },
  keys: {
    mode: 'debug', namespace: 'shop-2',
    routes: [{ pattern: '/p/:id', key: { query: ['page'], cookies: ['currency'], headers: ['accept-language'], device: true, host: false },
      bypassHeaders: ['authorization', 'x-preview: 1'], minTtl: 5, maxTtl: 'forever', negativeTtl: 30, heuristic: false },
    { pattern: '/api/*', methods: ['GET', 'HEAD', 'POST'], maxBodyBytes: 4096, requestDirectives: 'honor',
      key: { query: 'all', ignoreQuery: ['utm_*', 'fbclid'] }, cachePrivate: true }],
    warm: ['https://example.com/p/1'],
  },
  errors: { version: 2, mode: 'sideways', routes: [{ pattern: 'x', tll: 5 }, { pattern: '/a/:x' }, { pattern: '/a/:y', tags: ['{nope}'] }] },
};
for (const [n, m] of Object.entries(manifests)) add('fuzz_manifest', n, JSON.stringify(m));
add('fuzz_manifest', 'not_json', '{"routes": [');

// fuzz_routes: patterns, one per line, then the path.
for (const [n, lines] of Object.entries({
  precedence: ['/*', '/blog/:slug', '/blog/featured', '/blog/*', '/static/*', '/blog/featured'],
  deep: ['/a/:b/c/:d/*', '/a/x/c/y', '/:p', '/a/x/c/y/z'],
  root: ['/', '/:x', '/*', '/'],
  invalid: ['static/*', '/a*', '/:', '/a/:b-c', '/*/x', '/a?b', '/a/b'],
})) add('fuzz_routes', n, lines.join('\n'));

// fuzz_url_key: a byte of key-rule switches, then the URL and header lines.
for (const [n, [sw, lines]] of Object.entries({
  plain: [0, ['https://example.com/a/%62?b=2&a=1&a=0&utm_source=x', 'accept-language:de']],
  allow: [2 | 4 | 8, ['https://shop.example:8443/p/%7e1?page=2&q=%2f&z', 'cookie:currency=EUR; session=x', 'accept-language:en']],
  device: [1 | 16 | 64, ['http://user@h.example/static/a b.css?x=1;cb=evil', 'user-agent:Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile', 'x-digest:e3b0c442']],
  ambiguous: [32, ['https://example.com/account%2Fx.css', '']],
  double: [0, ['https://example.com/static/..%252Faccount', '']],
  dots: [0, ['https://example.com/a/%2e%2e/b;x.css?%zz', '']],
  // Found by this target: double encoding with encoded hex digits passed
  // as a canonical path ("%25%32%46" -> "%252F"); src/url.cc now rejects it.
  regress_double_encoded_hex: [0, ['https://example.com/static/..%25%32%46account']],
})) add('fuzz_url_key', n, Buffer.concat([Buffer.from([sw]), Buffer.from(lines.join('\n'))]));

// fuzz_entry_meta: 8 bytes of now (ms), then the metadata.
for (const [n, [now, meta]] of Object.entries({
  fresh: [1700000010000, '1;t=1700000000000;a=0;l=60;w=30;e=600;f=8;r=0'],
  stale: [1700000100000, '1;t=1700000000000;a=5;l=60;w=30;e=600;f=0;r=1'],
  forever: [1700000100000, '1;t=1700000000000;a=0;l=2147483647;w=0;e=0;f=4;r=0'],
  must_revalidate: [1700000100000, '1;t=1700000000000;a=0;l=0;w=0;e=0;f=3;r=7;x=future'],
  huge: [0, '1;t=999999999999999999;a=999999999999999999;l=999999999999999999;w=1;e=1;f=4294967295;r=4294967295'],
  bad: [5, '2;t=1'],
})) add('fuzz_entry_meta', n, Buffer.concat([u64(now), Buffer.from(meta)]));

// fuzz_abi: op, route, three doubles, then the input.
const head = (op, route, a, b, c) => Buffer.concat([Buffer.from([op]), i32(route), f64(a), f64(b), f64(c)]);
const S = 0x80; // structured mode
const t0 = 1700000000000;
const reqLines = (url, ...h) => ['GET', url, ...h].join('\n');
add('fuzz_abi', 'raw_request', Buffer.concat([head(0, 0, 0, 0, 0),
  list(['GET', 'https://example.com/blog/hello?page=2&utm_source=x', 'cookie', 'currency=EUR', 'accept-language', 'de'])]));
add('fuzz_abi', 'regress_inf_store_times', Buffer.concat([head(3, 0, -Infinity, Infinity, 0),
  list(['GET', 'https://example.com/']), list(['200', 'date', 'Sun, 06 Nov 1994 08:49:37 GMT'])]));
add('fuzz_abi', 'raw_store', Buffer.concat([head(3, 1, t0, t0 + 20, 0),
  list(['GET', 'https://example.com/blog/hello']), list(['200', 'cache-control', 'max-age=60', 'etag', '"a"'])]));
add('fuzz_abi', 'raw_lookup', Buffer.concat([head(1, 0, t0 + 90000, 0, 0),
  list(['GET', 'https://example.com/']), list(['1;t=1700000000000;a=0;l=60;w=30;e=600;f=8;r=0'])]));
add('fuzz_abi', 'raw_truncated', Buffer.concat([head(0, 0, 0, 0, 0), Buffer.from('2\0GE')]));
add('fuzz_abi', 'raw_kept_lookup', Buffer.concat([head(1, 0, t0 + 90000, 0, 0),
  list([]), list(['1;t=1700000000000;a=0;l=60;w=30;e=600;f=8;r=0'])]));
add('fuzz_abi', 'st_kept_store', Buffer.concat([head(S | 3, 1, t0, t0 + 20, 0),
  Buffer.from('=\x1e'), Buffer.from(['200', 'cache-control', 'max-age=60'].join('\n'))]));
// Found by this target: NaN / infinite times were converted to int64 (UB
// natively); bindings/abi.cc clamps them.
add('fuzz_abi', 'regress_nan_inf_times', Buffer.concat([head(2, 0, NaN, Infinity, -1e300),
  list(['GET', 'https://example.com/']), list(['1;t=1;a=0;l=60;w=0;e=0;f=0;r=0'])]));
add('fuzz_abi', 'st_request_post', Buffer.concat([head(S | 0, 0, 0, 0, 0),
  Buffer.from(['POST', 'https://example.com/api/v1/search?q=1', 'content-length', '12', ':body-size', '12', ':body-sha256', 'ab12'].join('\n'))]));
add('fuzz_abi', 'st_request_attack', Buffer.concat([head(S | 0, 0, 0, 0, 0),
  Buffer.from(reqLines('https://example.com/static/..%252Faccount;x.css?utm_x=1;cb=evil', 'content-length', '5', 'authorization', 'Bearer x'))]));
add('fuzz_abi', 'st_store', Buffer.concat([head(S | 3, 3, t0, t0 + 5, 0),
  Buffer.from(reqLines('https://example.com/api/v1/x', 'cache-control', 'no-store')), Buffer.from('\x1e'),
  Buffer.from(['404', 'cdn-cache-control', 's-maxage=10', 'set-cookie', 'a=b', 'vary', 'accept-language', 'age', '3'].join('\n'))]));
add('fuzz_abi', 'st_lookup_purged', Buffer.concat([head(S | 2, 1, t0 + 70000, t0 - 1, t0 + 1),
  Buffer.from(reqLines('https://example.com/blog/x', 'cache-control', 'max-stale=10')), Buffer.from('\x1e'),
  Buffer.from('1;t=1700000000000;a=0;l=60;w=30;e=600;f=1;r=1')]));
add('fuzz_abi', 'st_invalidate', Buffer.concat([head(S | 4, 0, 0, 0, 0),
  Buffer.from(['DELETE', 'https://example.com/blog/x'].join('\n')), Buffer.from('\x1e'),
  Buffer.from(['204', 'location', '../static/a?x=1', 'content-location', '//evil.example/x'].join('\n'))]));
add('fuzz_abi', 'st_vary', Buffer.concat([head(S | 5, 0, 0, 0, 0),
  Buffer.from(reqLines('https://example.com/', 'accept-encoding', 'br, gzip')), Buffer.from('\x1e'),
  Buffer.from('Accept-Encoding, accept-language, *')]));
add('fuzz_abi', 'st_conditional', Buffer.concat([head(S | 6, 0, 0, 0, 0),
  Buffer.from(reqLines('https://example.com/', 'if-none-match', 'W/"a", "b"', 'if-modified-since', 'Sun, 06 Nov 1994 08:49:37 GMT')),
  Buffer.from('\x1e'), Buffer.from(['"a"', 'Sun, 06 Nov 1994 08:49:37 GMT', '', '1;t=1;a=0;l=1;w=0;e=0;f=0;r=0'].join('\n'))]));
add('fuzz_abi', 'manifest', Buffer.concat([head(7, 0, 0, 0, 0), Buffer.from(JSON.stringify(manifests.keys))]));
add('fuzz_abi', 'route_info', Buffer.concat([head(8, 3, 0, 0, 0)]));
add('fuzz_abi', 'reason', Buffer.concat([head(9, 41, 0, 0, 0)]));
add('fuzz_abi', 'st_miss', Buffer.concat([head(S | 10, 3, 0, 0, 0),
  Buffer.from(reqLines('https://example.com/api/v1/x', 'cache-control', 'only-if-cached'))]));
add('fuzz_abi', 'st_store_set_cookie', Buffer.concat([head(S | 0x20 | 3, 0, t0, t0, 0),
  Buffer.from(reqLines('https://example.com/a')), Buffer.from('\x1e'),
  Buffer.from(['200', 'cache-control', 'max-age=60', 'set-cookie', 'a=b'].join('\n'))]));

for (const [target, files] of Object.entries(seeds)) {
  const dir = join(root, target);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
}
