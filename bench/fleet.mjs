// Fleet herd (docs/shield.md): three simulated locations (one Miniflare /
// workerd each) in front of one slow local origin; 600 concurrent requests
// for one cold key spread over the locations. Counts the origin fetches for
// freshet with the shield (its Durable Objects in a fourth instance),
// freshet without it, Hono's cache and the bare Cache API worker; then what
// the shield adds to a miss against a direct fetch (sequential misses on
// distinct keys, fast origin). Prints numbers, never fails on them.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { quantile } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const SLOW_MS = 500;

function origin() {
  const hits = new Map();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://o').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const send = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=3600' });
      res.end(`page ${p}`.padEnd(2048, '.'));
    };
    if (p.startsWith('/herd/')) setTimeout(send, SLOW_MS);
    else send();
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    hits: (p) => hits.get(p) ?? 0,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

function modules(entry) {
  const dir = path.join(ROOT, 'worker');
  const list = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => ({ type: 'ESModule', path: path.join(dir, f) }));
  list.sort((a, b) => (a.path.endsWith('/index.js') ? -1 : b.path.endsWith('/index.js') ? 1 : 0));
  if (entry) list.unshift({ type: 'ESModule', path: path.join(ROOT, entry) });
  list.push({ type: 'CompiledWasm', path: path.join(ROOT, 'dist', 'freshet.wasm') });
  list.push({ type: 'Text', path: path.join(ROOT, 'freshet.manifest.json') });
  return list;
}

function honoBundle() {
  mkdirSync(OUT, { recursive: true });
  const out = path.join(OUT, 'hono.bundle.js');
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [path.join(ROOT, 'bench/workers/hono.js'), '--bundle', '--format=esm', '--log-level=error', `--outfile=${out}`]);
  return out;
}

// Every location answers for one site: the same Host, whatever its port.
function get(url) {
  return new Promise((resolve) => {
    const t = performance.now();
    http.get(url, { agent: false, headers: { host: 'fleet.example' } }, (r) => {
      let len = 0;
      r.on('data', (c) => (len += c.length));
      r.on('end', () => resolve({ status: r.statusCode, len, ms: performance.now() - t }));
      r.on('error', () => resolve({ status: 0, len, ms: performance.now() - t }));
    }).on('error', () => resolve({ status: 0, len: 0, ms: performance.now() - t }));
  });
}

async function locations(def, n = 3) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const mf = new Miniflare({ host: '127.0.0.1', port: 0, cf: false, compatibilityDate: '2026-04-01', ...def });
    out.push({ mf, url: (await mf.ready).href.replace(/\/$/, '') });
  }
  return out;
}

/**
 * @param {{ n?: number, misses?: number }} [o] concurrent requests in the herd; sequential misses for the cost
 */
export async function fleetHerd({ n = 600, misses = 60 } = {}) {
  const o = await origin();
  const manifest = (shield) => JSON.stringify({ version: 1, defaults: { ttl: 3600 }, routes: [{ pattern: '/*', shield }] });
  const bindings = { ORIGIN: o.url };
  const shieldHost = new Miniflare({
    cf: false,
    compatibilityDate: '2026-04-01',
    modules: modules('tests/worker/shield_coordinator.js'),
    modulesRoot: ROOT,
    bindings: { ...bindings, FRESHET_MANIFEST: manifest(true) },
    durableObjects: { FRESHET_SHIELD: 'FreshetShield' },
  });
  await shieldHost.ready;
  const toShield = (req) => shieldHost.dispatchFetch(req.url, { method: req.method, headers: req.headers, body: req.body, duplex: 'half' });
  const fleets = {
    'freshet + shield': await locations({ modules: modules(), modulesRoot: ROOT, bindings: { ...bindings, FRESHET_MANIFEST: manifest(true) }, serviceBindings: { FRESHET_SHIELD_SERVICE: toShield } }),
    freshet: await locations({ modules: modules(), modulesRoot: ROOT, bindings: { ...bindings, FRESHET_MANIFEST: manifest(false) } }),
    'hono cache': await locations({ modules: true, scriptPath: honoBundle(), bindings }),
    'bare cache': await locations({ modules: true, scriptPath: path.join(ROOT, 'bench/workers/cache.js'), bindings }),
  };
  const herd = [];
  const cost = {};
  try {
    for (const [name, locs] of Object.entries(fleets)) {
      const key = `/herd/${name.replace(/\W+/g, '-')}`;
      const res = await Promise.all(Array.from({ length: n }, (_, i) => get(locs[i % locs.length].url + key)));
      herd.push({ name, n, locations: locs.length, fetches: o.hits(key), ok: res.filter((r) => r.status === 200 && r.len === 2048).length });
    }
    // What the shield adds to a miss: distinct keys, one at a time, fast origin.
    for (const name of ['freshet + shield', 'freshet']) {
      const url = fleets[name][0].url;
      for (let i = 0; i < 5; i++) await get(`${url}/warm/${name.length}/${i}`);
      const ms = [];
      for (let i = 0; i < misses; i++) ms.push((await get(`${url}/miss/${name.replace(/\W+/g, '-')}/${i}`)).ms);
      cost[name] = { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
    }
  } finally {
    for (const locs of Object.values(fleets)) for (const l of locs) await l.mf.dispose();
    await shieldHost.dispose();
    await o.close();
  }
  return { herd, cost, misses, slowMs: SLOW_MS };
}
