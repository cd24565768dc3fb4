// The decision corpus: realistic request and response header sets (a
// browser's GET with its usual ~500 bytes of headers; origin responses with
// the Cache-Control forms sites actually send). Deterministic, so the JS,
// wasm and native (callgrind) runs decide exactly the same cases.

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const REQUEST_BASE = [
  ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['accept-encoding', 'gzip, deflate, br, zstd'],
  ['accept-language', 'en-GB,en;q=0.9,de;q=0.8'],
  ['cookie', '_ga=GA1.1.1234567890.1700000000; theme=dark; consent=yes'],
  ['host', 'www.example.com'],
  ['referer', 'https://www.example.com/'],
  ['sec-ch-ua', '"Chromium";v="126", "Not.A/Brand";v="24"'],
  ['sec-ch-ua-mobile', '?0'],
  ['sec-fetch-dest', 'document'],
  ['sec-fetch-mode', 'navigate'],
  ['user-agent', UA],
];

const PATHS = [
  '/',
  '/blog/hello-world',
  '/blog/edge-caching-in-practice?utm_source=news&utm_medium=email',
  '/static/app.3f9a1c.js',
  '/static/img/logo.svg',
  '/api/items?page=2&sort=price&order=asc',
  '/api/items/12345',
  '/docs/guide/getting-started',
];

const RESPONSES = [
  [['cache-control', 'public, max-age=300'], ['etag', '"a1b2c3"']],
  [['cache-control', 's-maxage=600, stale-while-revalidate=30, stale-if-error=86400'], ['last-modified', 'Tue, 14 Nov 2023 22:00:00 GMT']],
  [['cache-control', 'public, max-age=31536000, immutable'], ['etag', 'W/"5f3e"']],
  [['cache-control', 'no-cache'], ['etag', '"v42"']],
  [['cache-control', 'private, max-age=60']],
  [['expires', 'Wed, 15 Nov 2023 00:13:20 GMT'], ['last-modified', 'Mon, 13 Nov 2023 10:00:00 GMT']],
  [['cache-control', 'max-age=120'], ['vary', 'Accept-Encoding'], ['cdn-cache-control', 'max-age=3600']],
  [['cache-control', 'max-age=0, must-revalidate'], ['set-cookie', 'sid=abc; Path=/; HttpOnly']],
];

const RESPONSE_BASE = [
  ['content-type', 'text/html; charset=utf-8'],
  ['content-length', '18231'],
  ['date', 'Tue, 14 Nov 2023 22:13:20 GMT'],
  ['server', 'nginx'],
  ['x-request-id', '7d5c1b0e-4a8f-4e55-9d0c-2f4a6b8e9c11'],
];

/** Times (ms): the origin answered at T1; the next request comes at T2. */
export const T0 = 1_700_000_000_000;
export const T1 = T0 + 40;
export const T2 = T0 + 10_000;

/** [{ method, url, request: [[name, value]], status, response: [[name, value]] }] */
export function corpus() {
  const out = [];
  PATHS.forEach((p, i) => {
    for (let j = 0; j < RESPONSES.length; j++) {
      out.push({
        method: 'GET',
        url: `https://www.example.com${p}`,
        request: REQUEST_BASE,
        status: (i + j) % 11 === 10 ? 404 : 200,
        response: [...RESPONSE_BASE, ...RESPONSES[(i + j) % RESPONSES.length]],
      });
    }
  });
  return out;
}

/** The bench manifest: a few real routes plus `extra` generated literal routes. */
export function manifest(extra = 0) {
  const routes = [
    { name: 'pages', pattern: '/*', ttl: 60, staleWhileRevalidate: 30 },
    { name: 'blog', pattern: '/blog/:slug', ttl: 10, staleWhileRevalidate: 60 },
    { name: 'static', pattern: '/static/*', ttl: 'forever', originHeaders: 'override' },
    { name: 'api', pattern: '/api/items', ttl: 5 },
    { name: 'item', pattern: '/api/items/:id', ttl: 30 },
    { name: 'docs', pattern: '/docs/*', ttl: 300 },
  ];
  for (let i = 0; routes.length < extra; i++) {
    routes.push({ name: `r${i}`, pattern: `/section-${i % 97}/page-${i}/:id`, ttl: 60 + (i % 50) });
  }
  return { version: 1, defaults: { ttl: 60, staleIfError: 86400 }, routes };
}
