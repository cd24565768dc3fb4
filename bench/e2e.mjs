// End to end in workerd (Miniflare on 127.0.0.1): the freshet worker and
// three peers in front of one local origin; wrk on the hit path, and a
// thundering herd of concurrent requests for one cold or expired key.
import http from 'node:http';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { median } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const BODY = 'x'.repeat(2048);

/** The local origin: cacheable pages, and slow ones for the herd. */
export async function startOrigin() {
  const hits = new Map();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://o').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    if (p.startsWith('/slow/')) {
      const ttl = p.includes('/expired/') ? 1 : 3600;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': `public, max-age=${ttl}` });
        res.end(BODY);
      }, 500);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'public, max-age=3600', etag: '"b1"' });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hits: (p) => hits.get(p) ?? 0,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

const FRESHET_MANIFEST = {
  version: 1,
  defaults: { ttl: 3600 },
  routes: [
    { name: 'pages', pattern: '/*' },
    { name: 'expired', pattern: '/slow/expired/*', ttl: 1, staleWhileRevalidate: 0 },
  ],
};

// The same, with the memory tier in front of the Cache API (docs/tiers.md).
const FRESHET_MEMORY_MANIFEST = {
  ...FRESHET_MANIFEST,
  memory: { maxEntries: 1000, maxBytes: 1048576, maxEntryBytes: 65536 },
  defaults: { ...FRESHET_MANIFEST.defaults, storage: 'memory' },
};
export const BENCH_ADMIN_TOKEN = 'bench-admin-token';

function honoBundle() {
  mkdirSync(OUT, { recursive: true });
  const out = path.join(OUT, 'hono.bundle.js');
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    path.join(ROOT, 'bench/workers/hono.js'), '--bundle', '--format=esm', '--log-level=error', `--outfile=${out}`,
  ]);
  return out;
}

function freshetModules() {
  const dir = path.join(ROOT, 'worker');
  const modules = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => ({ type: 'ESModule', path: path.join(dir, f) }));
  modules.sort((a, b) => (a.path.endsWith('/index.js') ? -1 : b.path.endsWith('/index.js') ? 1 : 0));
  modules.push({ type: 'CompiledWasm', path: path.join(ROOT, 'dist', 'freshet.wasm') });
  modules.push({ type: 'Text', path: path.join(ROOT, 'freshet.manifest.json') });
  return modules;
}

/** Starts the four workers, each in its own workerd, listening on 127.0.0.1. */
export async function startWorkers(origin) {
  const common = { host: '127.0.0.1', port: 0, cf: false, compatibilityDate: '2026-04-01', bindings: { ORIGIN: origin } };
  const defs = {
    'pass-through': { modules: true, scriptPath: path.join(ROOT, 'bench/workers/passthrough.js') },
    'bare cache': { modules: true, scriptPath: path.join(ROOT, 'bench/workers/cache.js') },
    // The same worker again, in its own workerd: how far two identical
    // workers drift apart in one run (the measurement's resolution).
    'bare cache, twin': { modules: true, scriptPath: path.join(ROOT, 'bench/workers/cache.js') },
    'hono cache': { modules: true, scriptPath: honoBundle() },
    freshet: { modules: freshetModules(), modulesRoot: ROOT, bindings: { ORIGIN: origin, FRESHET_MANIFEST: JSON.stringify(FRESHET_MANIFEST) } },
    'freshet memory': {
      modules: freshetModules(),
      modulesRoot: ROOT,
      bindings: { ORIGIN: origin, FRESHET_MANIFEST: JSON.stringify(FRESHET_MEMORY_MANIFEST), FRESHET_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
    },
  };
  const workers = {};
  for (const [name, def] of Object.entries(defs)) {
    const mf = new Miniflare({ ...common, ...def, bindings: { ...common.bindings, ...(def.bindings ?? {}) } });
    const url = await mf.ready;
    workers[name] = { mf, url: url.href.replace(/\/$/, '') };
  }
  return workers;
}

// Asynchronous: the origin runs in this process and must keep answering.
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

async function wrk(url, seconds, connections) {
  const out = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], (seconds + 20) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const lat = (q) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, p50: lat(50), p99: lat(99), errors: Number(errors) };
}

/** Hit path: warm each worker, then alternate wrk runs A B C D A B C D ... */
export async function hitPath(workers, { rounds = 5, seconds = 4, connections = 16 } = {}) {
  const names = Object.keys(workers);
  const xcache = {};
  for (const n of names) {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${workers[n].url}/page`);
      await r.arrayBuffer();
      xcache[n] = r.headers.get('x-cache') ?? r.headers.get('cf-cache-status') ?? '';
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) for (const n of names) runs[n].push(await wrk(`${workers[n].url}/page`, seconds, connections));
  return names.map((n) => ({
    name: n,
    rps: median(runs[n].map((x) => x.rps)),
    p50: median(runs[n].map((x) => x.p50)),
    p99: median(runs[n].map((x) => x.p99)),
    errors: runs[n].reduce((a, x) => a + x.errors, 0),
    samples: runs[n].map((x) => Math.round(x.rps)),
    lastXCache: xcache[n],
  }));
}

// One fresh connection per request (no keep-alive reuse across phases).
function get(url) {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (r) => {
        let len = 0;
        r.on('data', (c) => (len += c.length));
        r.on('end', () => resolve({ status: r.statusCode, len }));
        r.on('error', () => resolve({ status: 0, len }));
      })
      .on('error', () => resolve({ status: 0, len: 0 }));
  });
}

async function burst(url, n) {
  const res = await Promise.all(Array.from({ length: n }, () => get(url)));
  return { ok: res.filter((r) => r.status === 200 && r.len === BODY.length).length };
}

/** Thundering herd: `n` concurrent requests for one cold key, then for one expired key. */
export async function herd(workers, origin, { n = 200 } = {}) {
  const out = [];
  for (const name of ['freshet', 'hono cache', 'bare cache']) {
    const w = workers[name];
    const tag = name.replace(/\s/g, '-');
    const cold = `/slow/cold/${tag}`;
    const b1 = await burst(w.url + cold, n);
    const expired = `/slow/expired/${tag}`;
    await get(w.url + expired); // stored with a 1 s lifetime
    await new Promise((r) => setTimeout(r, 2500));
    const before = origin.hits(expired);
    const b2 = await burst(w.url + expired, n);
    out.push({ name, n, coldFetches: origin.hits(cold), coldOk: b1.ok, expiredFetches: origin.hits(expired) - before, expiredOk: b2.ok });
  }
  return out;
}

export async function stopWorkers(workers) {
  for (const w of Object.values(workers)) await w.mf.dispose();
}

export function wrkVersion() {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return (r.stdout + r.stderr).split('\n')[0].trim();
}

export function versions() {
  const v = (p) => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
  return { node: process.versions.node, miniflare: v('miniflare'), workerd: v('workerd'), hono: v('hono'), 'http-cache-semantics': v('http-cache-semantics'), wrk: wrkVersion() };
}

/**
 * Memory use under the caps: fills the memory tier of "freshet memory" with
 * more distinct entries than it may hold, then reads its counters.
 */
export async function memoryFill(workers, { keys = 3000, concurrency = 16 } = {}) {
  const w = workers['freshet memory'];
  let next = 0;
  const one = async () => {
    while (next < keys) {
      const r = await fetch(`${w.url}/fill/${next++}`);
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  const res = await fetch(`${w.url}/__freshet/stats`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, body: '{}' });
  const { isolate } = await res.json();
  return { keys, ...isolate.memoryTier };
}
