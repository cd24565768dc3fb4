// Test helpers: a scripted origin on 127.0.0.1 that counts its hits, and the
// real worker (worker/index.js + the built wasm) in workerd via Miniflare.

import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Which wasm build the worker tests load: FRESHET_WASM_BUILD=wasi|emscripten. */
export const WASM_BUILD = process.env.FRESHET_WASM_BUILD ?? 'wasi';

export function wasmPath(build = WASM_BUILD) {
  return path.join(ROOT, 'build', build, 'freshet.wasm');
}

/** t0 for tests: a fixed epoch in ms; tests move time by passing `at` seconds. */
export const T0 = 1_700_000_000_000;

/**
 * A scripted origin. `routes` maps a path to (req, res, n) => void, where n
 * counts that path's hits starting at 1. Unknown paths answer 404, or go to
 * `routes['*']` when there is one.
 */
export async function startOrigin(routes = {}) {
  const hits = new Map();
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://origin');
    const n = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, n);
    requests.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers });
    const route = routes[url.pathname] ?? routes['*'];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    route(req, res, n);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    requests,
    hits: (p) => hits.get(p) ?? 0,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/**
 * The worker's ES modules, as Miniflare module definitions. `entry` (a path
 * under ROOT) replaces worker/index.js as the entry point.
 */
export function workerModules(wasmBytes, manifestText, entry = undefined) {
  const dir = path.join(ROOT, 'worker');
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ type: 'ESModule', path: path.join(dir, f) }));
  // index.js first: it is the entry point.
  modules.sort((a, b) => (a.path.endsWith('/index.js') ? -1 : b.path.endsWith('/index.js') ? 1 : 0));
  if (entry) modules.unshift({ type: 'ESModule', path: path.join(ROOT, entry) });
  modules.push({ type: 'CompiledWasm', path: path.join(ROOT, 'dist', 'freshet.wasm'), contents: wasmBytes });
  modules.push({ type: 'Text', path: path.join(ROOT, 'freshet.manifest.json'), contents: manifestText });
  return modules;
}

/**
 * Starts the real worker in workerd.
 * @param {object} o
 * @param {string} o.origin origin base URL
 * @param {object|string} [o.manifest] manifest (as FRESHET_MANIFEST); default: the bundled one
 * @param {object} [o.bindings] extra bindings
 * @param {Uint8Array} [o.wasm] module bytes; default: the WASM_BUILD build
 * @param {string} [o.entry] an entry module (a path under ROOT) in front of worker/index.js
 */
export async function startWorker({ origin, manifest, bindings = {}, wasm, options = {}, entry } = {}) {
  const wasmBytes = wasm ?? readFileSync(wasmPath());
  const bundled = readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8');
  const mf = new Miniflare({
    modules: workerModules(wasmBytes, bundled, entry),
    modulesRoot: ROOT,
    compatibilityDate: '2026-04-01',
    cf: false,
    bindings: {
      ORIGIN: origin,
      FRESHET_TEST_MODE: '1',
      ...(manifest === undefined ? {} : { FRESHET_MANIFEST: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) }),
      ...bindings,
    },
    ...options,
  });
  await mf.ready;
  return {
    mf,
    /**
     * GET (or other method) at `at` seconds after T0. Waits for the
     * worker's background work to settle first, so every request sees the
     * effects of the previous one.
     */
    async fetch(pathname, { at = 0, method = 'GET', headers = {}, body, settle = true } = {}) {
      const h = { 'x-freshet-test-now': String(T0 + at * 1000), ...headers };
      if (settle) h['x-freshet-test-settle'] = '1';
      const url = pathname.startsWith('https://') ? pathname : `https://example.com${pathname}`;
      const res = await mf.dispatchFetch(url, { method, headers: h, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, xcache: res.headers.get('x-cache'), cacheStatus: res.headers.get('cache-status') };
    },
    /** Waits until background work (revalidations, cache writes) is done. */
    async settle() {
      const res = await mf.dispatchFetch('https://example.com/__settle', { headers: { 'x-freshet-test-settle': 'only' } });
      await res.arrayBuffer();
    },
    dispose: () => mf.dispose(),
  };
}

/**
 * The shield's Durable Objects (class FreshetShield) in a Miniflare
 * instance of their own (tests/worker/shield_coordinator.js), for locations
 * to reach through a service binding (docs/shield.md). `options`: more
 * Miniflare options (an R2 bucket for its global tier, service bindings).
 */
export async function startShield(bindings, options = {}) {
  const mf = new Miniflare({
    modules: workerModules(readFileSync(wasmPath()), readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8'), 'tests/worker/shield_coordinator.js'),
    modulesRoot: ROOT,
    compatibilityDate: '2026-04-01',
    cf: false,
    bindings,
    durableObjects: { FRESHET_SHIELD: 'FreshetShield' },
    ...options,
  });
  await mf.ready;
  return mf;
}

/**
 * The purge log Durable Object in its own Miniflare instance (TOOLCHAIN.md
 * "Simulating two locations"): locations reach it through `service()`, a
 * service binding function. `fault` is a mutable setting the binding obeys
 * before each call: {delayMs, status, hang, down} (see tests/worker/purge_plane.test.js).
 */
export async function startCoordinator({ bindings = {}, entry = 'tests/worker/coordinator.js', className = 'PurgeLog' } = {}) {
  const mf = new Miniflare({
    modules: [entry, 'worker/purge_log.js', 'worker/purge.js', 'worker/keys.js', 'worker/fleet_stats.js']
      .map((p) => ({ type: 'ESModule', path: path.join(ROOT, p) })),
    modulesRoot: ROOT,
    compatibilityDate: '2026-04-01',
    cf: false,
    bindings,
    durableObjects: { FRESHET_PURGE_LOG: className },
  });
  await mf.ready;
  // Faults of the object; `only` limits them to one call ('publish', 'since', ...).
  const fault = { delayMs: 0, status: 0, hang: false, down: false, only: null };
  const calls = { since: 0, publish: 0, report: 0, stats: 0 };
  const hanging = new Set(); // resolvers of hung calls, released on dispose
  const forward = (req) => mf.dispatchFetch(req.url, { method: req.method, headers: req.headers, body: req.body, duplex: 'half' });
  return {
    mf,
    fault,
    calls,
    /** Straight to the object, without faults (seeding, checks). */
    fetch: (pathname, init) => mf.dispatchFetch(`https://purge-log.freshet.internal${pathname}`, init),
    /** The service binding a location gets. */
    service() {
      return async (req) => {
        const name = new URL(req.url).pathname.slice(1);
        if (name in calls) calls[name]++;
        if (fault.only && fault.only !== name) return forward(req);
        if (fault.down) throw new Error('purge log gone');
        if (fault.hang) return new Promise((resolve) => hanging.add(resolve));
        if (fault.delayMs) {
          // A slow object: answers after delayMs, unless healed first (then 503 at once).
          const released = await new Promise((resolve) => {
            const timer = setTimeout(() => { hanging.delete(early); resolve(false); }, fault.delayMs);
            const early = () => { clearTimeout(timer); resolve(true); };
            hanging.add(early);
          });
          if (released) return new Response('released', { status: 503 });
        }
        if (fault.status) return new Response('purge log unavailable', { status: fault.status });
        return forward(req);
      };
    },
    heal() {
      Object.assign(fault, { delayMs: 0, status: 0, hang: false, down: false, only: null });
      for (const release of hanging) release(new Response('released', { status: 503 }));
      hanging.clear();
    },
    async dispose() {
      this.heal();
      await mf.dispose();
    },
  };
}

/** Common origin responders. */
export const respond = {
  text: (body, headers = {}, status = 200) => (req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  },
  counted: (prefix, headers = {}, status = 200) => (req, res, n) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(`${prefix} ${n}`);
  },
};

/**
 * `n` concurrent requests for `pathname` at one worker (none waits for
 * the others' background work): the responses, in order.
 */
export function herd(worker, pathname, n, init = {}) {
  return Promise.all(Array.from({ length: n }, () => worker.fetch(pathname, { settle: false, ...init })));
}

/** Every response of `res` is a 200 with body `text`. */
export function assertServed(res, text) {
  assert.deepEqual(res.filter((r) => r.status !== 200 || r.text !== text).map((r) => `${r.status} ${r.text}`), [], `every answer 200 "${text}"`);
}

/** Stops what a test started (workers, origins, coordinators), in order; a missing one is skipped. */
export async function stopAll(...things) {
  for (const t of things) {
    if (t === undefined || t === null) continue;
    if (typeof t.dispose === 'function') await t.dispose();
    else await t.close();
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The q-quantile of an ascending array. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** freshet's own time for a response (Server-Timing `freshet;dur=N`), ms. */
export function freshetMs(res) {
  return Number(/freshet;dur=(\d+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
}

/** An authenticated admin call to a worker from startWorker. */
export function adminCall(loc, token, endpoint, body, at = 0) {
  return loc.fetch(`/__freshet/${endpoint}`, {
    at,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    settle: false,
  });
}

/**
 * `n` sequential requests for `pathname`, `gapMs` apart, at `at` seconds of
 * the test clock, moving on `stepS` per request: freshet's time and the
 * whole round trip of each (sorted, ms) and how many of each x-cache.
 */
export async function hitLatencies(loc, pathname, { n = 20, gapMs = 50, at = 0, stepS = 0 } = {}) {
  const inFreshet = [];
  const total = [];
  const kinds = {};
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await loc.fetch(pathname, { at: at + i * stepS, settle: false });
    total.push(performance.now() - t);
    inFreshet.push(freshetMs(r));
    kinds[r.xcache] = (kinds[r.xcache] ?? 0) + 1;
    if (gapMs) await pause(gapMs);
  }
  const sort = (a) => a.sort((x, y) => x - y);
  return { inFreshet: sort(inFreshet), total: sort(total), kinds };
}

/**
 * A burst of `total` URL purges (`perCall` per admin call, the calls spread
 * over `locations` in turn), then polls every location (a hit on `hitPath`,
 * which drives its sync, and its stats) until each view holds them all.
 * Propagation of a purge to a location: from the acknowledgement of its
 * call to the first poll that saw that location's view at or past its
 * record (the location that took the call applies it at once and is not
 * counted). Bounded by `limitMs`.
 */
export async function purgeBurst(locations, { token, total = 10_000, perCall = 1000, at = 5, hitPath = '/warm', limitMs = 15_000 } = {}) {
  const batches = [];
  const t0 = performance.now();
  for (let k = 0; k * perCall < total; k++) {
    const from = k % locations.length;
    const urls = Array.from({ length: Math.min(perCall, total - k * perCall) }, (_, j) => `https://example.com/b/${k * perCall + j}`);
    const r = await adminCall(locations[from], token, 'purge', { urls }, at);
    if (r.status !== 200) throw new Error(`purge answered ${r.status}: ${r.text}`);
    batches.push({ from, count: urls.length, seq: JSON.parse(r.text).effective.seq, acked: performance.now() - t0 });
  }
  const last = batches.at(-1).seq;
  const traces = locations.map(() => []); // [seq, ms] per poll
  let worstHitMs = 0;
  let done = false;
  while (!done && performance.now() - t0 < limitMs) {
    done = true;
    for (const [i, loc] of locations.entries()) {
      worstHitMs = Math.max(worstHitMs, freshetMs(await loc.fetch(hitPath, { at: at + 1, settle: false })));
      const seq = JSON.parse((await adminCall(loc, token, 'stats', {})).text).isolate.purgeState.seq;
      traces[i].push([seq, performance.now() - t0]);
      if (seq < last) done = false;
    }
    if (!done) await pause(20);
  }
  const delays = [];
  for (const b of batches) {
    for (const [i, trace] of traces.entries()) {
      if (i === b.from) continue;
      const seen = trace.find(([s]) => s >= b.seq);
      const ms = seen ? Math.max(0, seen[1] - b.acked) : Infinity;
      for (let n = 0; n < b.count; n++) delays.push(ms);
    }
  }
  delays.sort((x, y) => x - y);
  return { done, calls: batches.length, p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), samples: delays.length, worstHitMs, publishMs: batches.at(-1).acked };
}

/**
 * `n` locations (one Miniflare instance each, so each has its own Cache API)
 * sharing one persisted global tier, R2 or KV, bound as FRESHET_GLOBAL.
 * `worker` is startWorker's options; `shared` the Miniflare options that
 * share the tier (for one more location later).
 */
export async function startLocations(n, { global = 'r2', ...worker } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), `freshet-${global}-`));
  const shared = global === 'kv' ? { kvNamespaces: ['FRESHET_GLOBAL'], kvPersist: dir } : { r2Buckets: ['FRESHET_GLOBAL'], r2Persist: dir };
  const list = [];
  for (let i = 0; i < n; i++) list.push(await startWorker({ ...worker, options: { ...(worker.options ?? {}), ...shared } }));
  return {
    list,
    shared,
    dispose: async () => {
      for (const w of list) await w.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
