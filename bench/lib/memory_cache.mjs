// The in-memory Cache API stand-in of the hit-CPU bench (bench/hitcpu.mjs),
// shared by its Node run and its workerd run (bench/workers/hitcpu.js):
// whole responses kept as bytes in a Map, so the emulated cache of
// Miniflare (which dominates a hit there) is out of the figure.

/**
 * Each entry keeps its fields as a Headers object, and a match builds its
 * Response from that object: a copy inside the runtime, as close as a
 * stand-in in JavaScript gets to the platform's cache, which makes the
 * fields of a match natively. (From a list of pairs instead, every field
 * of a match cost ~3 us in workerd: the stand-in, not the worker, would
 * dominate the difference between workers that store more fields.)
 *
 * With `contentLength` (the default), a match carries the body's
 * Content-Length, as the Cache API in workerd does for every copy freshet
 * puts, streamed or not (freshet then compares it with the recorded length
 * instead of reading the body first). Without it, freshet reads a copy of
 * up to 64 KiB whole before serving it (worker/integrity.js READ_WHOLE_MAX).
 */
export function memoryCache(contentLength = true) {
  const store = new Map();
  const urlOf = (request) => (typeof request === 'string' ? request : request.url);
  return {
    async match(request) {
      const e = store.get(urlOf(request));
      if (!e) return undefined;
      return new Response(e.body, { status: e.status, headers: e.headers });
    },
    async put(request, response) {
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      if (contentLength) headers.set('content-length', String(body.byteLength));
      store.set(urlOf(request), { status: response.status, headers, body });
    },
    async delete(request) {
      return store.delete(urlOf(request));
    },
  };
}

/** The page every peer serves: 2 KiB of HTML, cacheable for an hour. */
export const BODY = 'x'.repeat(2048);
export const origin = async () => new Response(BODY, { headers: { 'content-type': 'text/html', 'cache-control': 'public, max-age=3600' } });
export const MANIFEST = { version: 1, defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }] };
/** The same with freshet's own answer fields off (docs/manifest.md "Client headers"). */
export const LEAN_MANIFEST = { ...MANIFEST, clientHeaders: { xCache: false, serverTiming: false } };
export const URL_HIT = 'https://example.com/page';
/**
 * The fields of a browser's navigation request (Chrome 131 on Linux), sent
 * with every hit: a worker pays for the fields it reads, and for the ones
 * it reads without needing them.
 */
export const BROWSER_FIELDS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'accept-language': 'en-US,en;q=0.9',
  'sec-ch-ua': '"Chromium";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Linux"',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
  'upgrade-insecure-requests': '1',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};
