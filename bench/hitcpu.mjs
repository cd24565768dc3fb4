// Where freshet's own cost goes on a hit: the handler's CPU per hit, in this
// process, with an in-memory stand-in for the platform Cache API, so the
// emulated cache of Miniflare (which dominates a hit there) is out of the
// figure. The same stand-in serves freshet, the bare Cache API worker's
// logic and Hono's cache middleware; the difference to the bare worker is
// each one's own overhead per hit. Prints numbers, never fails on them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { cache as honoCache } from 'hono/cache';
import { createHandler } from '../worker/handler.js';
import { median } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BODY = 'x'.repeat(2048);

/**
 * A Cache API stand-in: whole responses kept as bytes in a Map. With
 * `contentLength` (the default), a match carries the body's Content-Length,
 * as the Cache API in workerd does for every copy freshet puts, streamed
 * or not (freshet then compares it with the recorded length instead of
 * reading the body first). Without it, freshet reads a copy of up to
 * 64 KiB whole before serving it (integrity.js READ_WHOLE_MAX).
 */
function memoryCache(contentLength = true) {
  const store = new Map();
  return {
    async match(request) {
      const url = typeof request === 'string' ? request : request.url;
      const e = store.get(url);
      if (!e) return undefined;
      return new Response(e.body, { status: e.status, headers: e.headers });
    },
    async put(request, response) {
      const url = typeof request === 'string' ? request : request.url;
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = [...response.headers].filter(([k]) => k !== 'content-length');
      if (contentLength) headers.push(['content-length', String(body.byteLength)]);
      store.set(url, { status: response.status, headers, body });
    },
    async delete(request) {
      return store.delete(typeof request === 'string' ? request : request.url);
    },
  };
}

const origin = async () => new Response(BODY, { headers: { 'content-type': 'text/html', 'cache-control': 'public, max-age=3600' } });

function peers(contentLength) {
  const wasm = new WebAssembly.Module(readFileSync(path.join(ROOT, 'dist', 'freshet.wasm')));
  const manifest = { version: 1, defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }] };
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p) };
  const settle = async () => {
    while (pending.length) await pending.shift();
  };

  const freshetCache = memoryCache(contentLength);
  const freshet = createHandler({ wasm, manifest, origin, cache: () => freshetCache, log: () => {} });

  const bareCache = memoryCache(contentLength);
  const bare = {
    async fetch(request) {
      const hit = await bareCache.match(request);
      if (hit) return hit;
      const resp = await origin(request);
      ctx.waitUntil(bareCache.put(request, resp.clone()));
      return resp;
    },
  };

  // Hono's middleware opens a named cache through the global `caches`.
  const honoStore = memoryCache(contentLength);
  globalThis.caches = { default: honoStore, open: async () => honoStore };
  const app = new Hono();
  app.get('*', honoCache({ cacheName: 'bench', wait: true }));
  app.get('*', () => origin());
  const hono = { fetch: (request) => app.fetch(request, {}, ctx) };

  return { peers: { 'bare cache': bare, 'hono cache': hono, freshet }, ctx, settle };
}

/**
 * @param {{ rounds?: number, hits?: number, contentLength?: boolean, warm?: number }} [o] contentLength: see memoryCache (default true); warm: hits per worker before measuring
 * @returns {Promise<{ name: string, usPerHit: number, samples: number[] }[]>}
 */
export async function hitCpu({ rounds = 7, hits = 3000, contentLength = true, warm = 3000 } = {}) {
  const { peers: all, ctx, settle } = peers(contentLength);
  const url = 'https://example.com/page';
  // Each worker is measured warm, as an isolate serving traffic is: `warm`
  // hits each first (a few thousand; freshet has more code to compile and
  // a wasm module to tier up, and reaches its steady state last).
  for (const [name, p] of Object.entries(all)) {
    let last;
    for (let i = 0; i < 3 + warm; i++) {
      last = await p.fetch(new Request(url), {}, ctx);
      await last.arrayBuffer();
      if (i < 3) await settle();
    }
    await settle();
    if (name === 'freshet' && last.headers.get('x-cache') !== 'HIT') throw new Error(`freshet answered ${last.headers.get('x-cache')}, not HIT`);
  }
  const samples = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, p] of Object.entries(all)) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < hits; i++) {
        const res = await p.fetch(new Request(url), {}, ctx);
        await res.arrayBuffer();
      }
      samples[name].push(Number(process.hrtime.bigint() - t) / hits / 1000);
      await settle();
    }
  }
  return Object.entries(samples).map(([name, s]) => ({ name, usPerHit: median(s), samples: s }));
}

// Run on its own (node bench/hitcpu.mjs [--no-content-length]): print the
// figures; with --json ROUNDS HITS (bench/run.mjs), print the results as JSON.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.indexOf('--json');
  if (json > 0) {
    const [rounds, hits] = process.argv.slice(json + 1, json + 3).map(Number);
    process.stdout.write(JSON.stringify(await hitCpu({ rounds, hits })) + '\n');
    process.exit(0);
  }
  const results = await hitCpu({ contentLength: !process.argv.includes('--no-content-length') });
  const bare = results.find((r) => r.name === 'bare cache');
  for (const r of results) {
    console.log(`${r.name.padEnd(12)} ${r.usPerHit.toFixed(1).padStart(6)} us/hit  overhead ${(r.usPerHit - bare.usPerHit).toFixed(1).padStart(5)} us  rounds ${r.samples.map((x) => x.toFixed(0)).join(' ')}`);
  }
}
