import { readFileSync } from 'node:fs';
import { createHandler } from '../worker/handler.js';
const BODY = 'x'.repeat(2048);
function memoryCache() {
  const store = new Map();
  return {
    async match(request) { const url = typeof request === 'string' ? request : request.url; const e = store.get(url); if (!e) return undefined; return new Response(e.body, { status: e.status, headers: e.headers }); },
    async put(request, response) { const url = typeof request === 'string' ? request : request.url; const body = new Uint8Array(await response.arrayBuffer()); const headers = [...response.headers].filter(([k]) => k !== 'content-length'); headers.push(['content-length', String(body.byteLength)]); store.set(url, { status: response.status, headers, body }); },
    async delete(request) { return store.delete(typeof request === 'string' ? request : request.url); },
  };
}
const origin = async () => new Response(BODY, { headers: { 'content-type': 'text/html', 'cache-control': 'public, max-age=3600' } });
const wasm = new WebAssembly.Module(readFileSync(new URL('../dist/freshet.wasm', import.meta.url)));
const pending = []; const ctx = { waitUntil: (p) => pending.push(p) };
const c = memoryCache();
const h = createHandler({ wasm, manifest: { version: 1, defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }] }, origin, cache: () => c, log: () => {} });
const url = 'https://example.com/page';
for (let i = 0; i < 3; i++) { const r = await h.fetch(new Request(url), {}, ctx); await r.arrayBuffer(); while (pending.length) await pending.shift(); }
const N = Number(process.argv[2] ?? 40000);
const t = process.hrtime.bigint();
for (let i = 0; i < N; i++) { const r = await h.fetch(new Request(url), {}, ctx); await r.arrayBuffer(); if (pending.length > 100) while (pending.length) await pending.shift(); }
console.log('us/hit', Number(process.hrtime.bigint() - t) / N / 1000);
