// The bundled demo origin: pages with different cache headers, each
// stamped with the time it was generated and how often it was asked for,
// so you can watch freshet absorb traffic.
//   node demo/origin.mjs [port]     (listens on 127.0.0.1, default 8788)

import http from 'node:http';

const port = Number(process.argv[2] ?? process.env.DEMO_ORIGIN_PORT ?? 8788);
const hits = new Map();
let flakyUp = true;

function page(res, status, headers, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

const pages = {
  // No cache headers: the manifest's route TTL decides (blog: 10 s + 60 s stale).
  '/blog/:slug': (req, res, n, params) =>
    page(res, 200, {}, `<h1>${params.slug}</h1><p>generated ${new Date().toISOString()} (origin hit #${n})</p>\n`),
  // The origin speaks for itself, with a validator.
  '/news': (req, res, n) => {
    const etag = '"news-v1"';
    if (req.headers['if-none-match'] === etag) return page(res, 304, { etag, 'cache-control': 's-maxage=5, stale-while-revalidate=30' }, '');
    page(res, 200, { etag, 'cache-control': 's-maxage=5, stale-while-revalidate=30' }, `<h1>News</h1><p>origin hit #${n}</p>\n`);
  },
  // Targeted at the CDN only: browsers must revalidate, freshet keeps it 60 s.
  '/pricing': (req, res, n) =>
    page(res, 200, { 'cache-control': 'no-cache', 'cdn-cache-control': 'max-age=60' }, `<h1>Pricing</h1><p>origin hit #${n}</p>\n`),
  '/static/app.css': (req, res, n) =>
    page(res, 200, { 'content-type': 'text/css', 'cache-control': 'no-cache' }, `/* origin hit #${n} */ body { font-family: sans-serif }\n`),
  '/api/time': (req, res, n) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=2' });
    res.end(JSON.stringify({ now: new Date().toISOString(), hit: n }) + '\n');
  },
  '/account/profile': (req, res, n) =>
    page(res, 200, { 'cache-control': 'private', 'set-cookie': 'session=demo; HttpOnly' }, `<h1>Your profile</h1><p>origin hit #${n}</p>\n`),
  // Goes down every other minute of the demo: stale-if-error at work.
  '/flaky': (req, res, n) =>
    flakyUp
      ? page(res, 200, { 'cache-control': 'max-age=5, stale-while-revalidate=0, stale-if-error=600' }, `<h1>Flaky but fine</h1><p>origin hit #${n}</p>\n`)
      : page(res, 503, {}, '<h1>origin down</h1>\n'),
  '/flaky/toggle': (req, res) => {
    flakyUp = !flakyUp;
    page(res, 200, { 'cache-control': 'no-store' }, `flaky origin is now ${flakyUp ? 'up' : 'down'}\n`);
  },
  '/': (req, res, n) =>
    page(res, 200, { 'cache-control': 'max-age=30' }, `<h1>freshet demo origin</h1><ul>
<li><a href="/blog/hello">/blog/hello</a> - no cache headers: the manifest route decides (ttl 10 s, stale 60 s)</li>
<li><a href="/news">/news</a> - s-maxage=5, stale-while-revalidate=30, ETag</li>
<li><a href="/pricing">/pricing</a> - CDN-Cache-Control: max-age=60, browsers get no-cache</li>
<li><a href="/static/app.css">/static/app.css</a> - cached until purged (route override)</li>
<li><a href="/api/time">/api/time</a> - max-age=2</li>
<li><a href="/account/profile">/account/profile</a> - private, never cached</li>
<li><a href="/flaky">/flaky</a> - toggle the origin with /flaky/toggle</li>
</ul><p>origin hit #${n}</p>\n`),
};

function route(pathname) {
  for (const [pattern, fn] of Object.entries(pages)) {
    const p = pattern.split('/');
    const s = pathname.split('/');
    if (p.length !== s.length) continue;
    const params = {};
    if (p.every((seg, i) => (seg.startsWith(':') ? ((params[seg.slice(1)] = s[i]), s[i] !== '') : seg === s[i]))) {
      return [pattern, fn, params];
    }
  }
  return null;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://origin');
  const found = route(url.pathname);
  const key = found ? url.pathname : '404';
  const n = (hits.get(key) ?? 0) + 1;
  hits.set(key, n);
  console.log(`origin: ${req.method} ${url.pathname}${url.search} (hit #${n})${req.headers['if-none-match'] ? ' conditional' : ''}`);
  if (!found) return page(res, 404, { 'cache-control': 'max-age=5' }, '<h1>not found</h1>\n');
  const [, fn, params] = found;
  fn(req, res, n, params);
});

server.listen(port, '127.0.0.1', () => console.log(`demo origin listening on http://127.0.0.1:${port}/`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
