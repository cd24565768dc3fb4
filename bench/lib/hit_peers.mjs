// The three peers of the hit-CPU bench (bench/hitcpu.mjs), each over its
// own in-memory Cache API stand-in (memory_cache.mjs): the bare Cache API
// worker's logic, Hono's cache middleware and freshet's handler. The same
// code runs in Node and, bundled, inside workerd (bench/workers/hitcpu.js).
import { Hono } from 'hono';
import { cache as honoCache } from 'hono/cache';
import { createHandler } from '../../worker/handler.js';
import { BODY, BROWSER_FIELDS, LEAN_MANIFEST, MANIFEST, URL_HIT, memoryCache, origin } from './memory_cache.mjs';

/**
 * @param {WebAssembly.Module} wasm compiled freshet.wasm
 * @param {{ contentLength?: boolean, lean?: boolean }} [o] contentLength: see memoryCache;
 *   lean: freshet's manifest turns x-cache and Server-Timing off (LEAN_MANIFEST).
 *   The benches run that one in an isolate of its own ("freshet lean"): two
 *   freshet handlers running in one isolate share their functions' type
 *   feedback, and each costs ~20k instructions per hit more than alone.
 */
export function hitPeers(wasm, { contentLength = true, lean = false } = {}) {
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p) };
  const settle = async () => {
    while (pending.length) await pending.shift();
  };

  const freshetCache = memoryCache(contentLength);
  const freshet = createHandler({ wasm, manifest: lean ? LEAN_MANIFEST : MANIFEST, origin, cache: () => freshetCache, log: () => {} });

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

  return { peers: { 'bare cache': bare, 'hono cache': hono, freshet, 'freshet floor': floorPeer(memoryCache(contentLength)) }, ctx, settle };
}

// The fields a request carries that a plain freshet HIT reads (those
// src/request_fields.cc names for MANIFEST, which honours no request
// directives, but the two framing fields a
// bodyless request skips, then the preconditions and Range serve.js
// checks), and a copy as freshet stores it (entry_meta.js, integrity.js).
const FLOOR_GETS = ['authorization', 'if-modified-since', 'if-none-match'];
const FLOOR_HAS = ['if-match', 'if-unmodified-since', 'range'];
const FLOOR_URL = 'https://example.com/__freshet/floor';
const FLOOR_COPY = [
  ['cache-control', 'public, max-age=3600'],
  ['content-type', 'text/html'],
  ['x-freshet-meta', '1;t=1796316384240;a=0;l=3600;w=0;e=0;f=0;r=0 id=340cf624bcab d=1796316384 n=2048 cc=public, max-age=3600'],
];
const FLOOR_ANSWER = [
  ['age', '0'],
  ['cache-control', 'public, max-age=3600'],
  ['cache-status', 'freshet; hit; ttl=3600'],
  ['content-length', '2048'],
  ['content-type', 'text/html'],
  ['date', 'Thu, 03 Dec 2026 16:46:24 GMT'],
  ['server-timing', 'freshet;dur=0;desc="HIT"'],
  ['x-cache', 'HIT'],
];

/**
 * Not a cache: the runtime calls a plain freshet HIT makes, with no
 * decision and no logic (the request's URL, method and the fields it
 * reads, one match, the copy's two fields and body, one Response with
 * freshet's eight answer fields from a prepared Headers). Its overhead is
 * the floor under freshet's for the fields freshet reads and sends
 * (docs/performance.md "Hit path, fifth step").
 */
function floorPeer(cache) {
  let seeded = null;
  let answer = null;
  return {
    async fetch(request) {
      seeded ??= cache.put(FLOOR_URL, new Response(BODY, { headers: FLOOR_COPY }));
      await seeded;
      answer ??= new Headers(FLOOR_ANSWER);
      const headers = request.headers;
      let seen = request.url.length + request.method.length + (headers.has('freshet-control') ? 1 : 0);
      for (const name of FLOOR_GETS) seen += headers.get(name) === null ? 0 : 1;
      for (const name of FLOOR_HAS) seen += headers.has(name) ? 1 : 0;
      if (request.body !== null) seen++;
      const found = await cache.match(FLOOR_URL);
      const fields = found.headers;
      if (fields.get('x-freshet-meta') === null || fields.get('content-length') === null) seen++;
      if (seen < 0) throw new Error('unreachable');
      return new Response(found.body, { status: found.status, statusText: found.statusText, headers: answer });
    },
  };
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
