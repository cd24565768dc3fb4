// The three peers of the hit-CPU bench (bench/hitcpu.mjs), each over its
// own in-memory Cache API stand-in (memory_cache.mjs): the bare Cache API
// worker's logic, Hono's cache middleware and freshet's handler. The same
// code runs in Node and, bundled, inside workerd (bench/workers/hitcpu.js).
import { Hono } from 'hono';
import { cache as honoCache } from 'hono/cache';
import { createHandler } from '../../worker/handler.js';
import { BROWSER_FIELDS, MANIFEST, URL_HIT, memoryCache, origin } from './memory_cache.mjs';

/**
 * @param {WebAssembly.Module} wasm compiled freshet.wasm
 * @param {{ contentLength?: boolean }} [o] see memoryCache
 */
export function hitPeers(wasm, { contentLength = true } = {}) {
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p) };
  const settle = async () => {
    while (pending.length) await pending.shift();
  };

  const freshetCache = memoryCache(contentLength);
  const freshet = createHandler({ wasm, manifest: MANIFEST, origin, cache: () => freshetCache, log: () => {} });

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
  Object.defineProperty(globalThis, 'caches', { value: { default: honoStore, open: async () => honoStore }, configurable: true, writable: true });
  const app = new Hono();
  app.get('*', honoCache({ cacheName: 'bench', wait: true }));
  app.get('*', () => origin());
  const hono = { fetch: (request) => app.fetch(request, {}, ctx) };

  return { peers: { 'bare cache': bare, 'hono cache': hono, freshet }, ctx, settle };
}

/**
 * `n` hits of `peer` one after the other, each a browser's request
 * (BROWSER_FIELDS) and its body read whole. The first `stored` ones let the
 * background work settle (the first one stores).
 * @returns {Promise<Response>} the last answer
 */
export async function runHits(peer, ctx, settle, n, stored = 0) {
  let last;
  for (let i = 0; i < n; i++) {
    last = await peer.fetch(new Request(URL_HIT, { headers: BROWSER_FIELDS }), {}, ctx);
    await last.arrayBuffer();
    if (i < stored) await settle();
  }
  await settle();
  return last;
}
