// The data-level API (docs/library.md): cache any JSON value under a key
// with a TTL, serve it stale while one refetch runs, and invalidate it -
// built on the same engine, the platform Cache API and the same purge
// machinery as the HTTP cache.
//
//   const data = createRevalidator({ wasm });
//   const user = await data.withRevalidate(`user:${id}`, 60, () => loadUser(id), { ctx, env });
//   await data.invalidate(`user:${id}`, { env });

import { LookupAction, RequestAction, StoreAction } from './abi.js';
import { Engine, requestRecord } from './engine.js';
import { keyParts } from './keys.js';
import { isolatePurgeSync, isolatePurges } from './purge_sync.js';
import { headersForStorage } from './response_headers.js';
import { entryMetaText } from './entry_meta.js';

const YEAR = 31536000;

/**
 * @param {object} o
 * @param {WebAssembly.Module} o.wasm compiled freshet.wasm
 * @param {string} [o.namespace] separates independent data caches (default "data")
 * @param {number} [o.staleWhileRevalidate] seconds a stale value may still be served while it is refetched (default: a year)
 * @param {() => Cache} [o.cache] the platform cache (default caches.default)
 * @param {() => number} [o.now] clock in ms (default Date.now)
 */
export function createRevalidator({ wasm, namespace = 'data', staleWhileRevalidate = YEAR, cache = () => caches.default, now = () => Date.now(), purges = isolatePurges, purgeSync = isolatePurgeSync } = {}) {
  if (!/^[a-z0-9-]{1,32}$/.test(namespace)) throw new TypeError('namespace must be 1-32 characters of a-z, 0-9 and -');
  if (!Number.isInteger(staleWhileRevalidate) || staleWhileRevalidate < 0) throw new TypeError('staleWhileRevalidate must be a whole number of seconds >= 0');
  const engine = new Engine(wasm, { namespace, routes: [{ pattern: '/*', heuristic: false, bypassHeaders: [] }] });
  const host = `${namespace}.data.freshet.internal`;
  const inflight = new Map(); // key -> promise of the value: one fetch per key at a time

  function locate(key) {
    if (typeof key !== 'string' || key === '') throw new TypeError('key must be a non-empty string');
    const record = requestRecord(['GET', `https://${host}/${encodeURIComponent(key)}`]);
    const rd = engine.request(record);
    if (rd.action !== RequestAction.LOOKUP) throw new Error(`freshet: cannot key "${key}" (${rd.reason})`);
    return { record, rd };
  }

  async function refetch(key, ttl, fetcher, { record, rd }) {
    if (inflight.has(key)) return inflight.get(key);
    const p = (async () => {
      const requestTime = now();
      const value = await fetcher();
      const body = JSON.stringify(value);
      if (body === undefined) throw new TypeError('withRevalidate: the fetcher must return a JSON value');
      const headers = new Headers({
        'content-type': 'application/json',
        'cache-control': `max-age=${ttl}, stale-while-revalidate=${staleWhileRevalidate}`,
      });
      const sd = engine.store(record, rd.route, 200, headers, requestTime, now());
      if (sd.action === StoreAction.STORE) {
        const entry = new Response(body, { status: 200, headers: headersForStorage(headers, sd.meta, sd.platformTtl, '') });
        await cache().put(new Request(rd.keyUrl), entry);
      }
      return value;
    })();
    inflight.set(key, p);
    try {
      return await p;
    } finally {
      inflight.delete(key);
    }
  }

  /**
   * The value under `key`: fresh from the cache; stale while one background
   * refetch runs; or, when missing, from `fetcher` (concurrent callers share
   * one call).
   * @template T
   * @param {string} key
   * @param {number} ttlSeconds freshness lifetime
   * @param {() => Promise<T> | T} fetcher
   * @param {{ctx?: {waitUntil(p: Promise<unknown>): void}, env?: object}} [o]
   * @returns {Promise<T>}
   */
  async function withRevalidate(key, ttlSeconds, fetcher, { ctx, env } = {}) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new TypeError('ttlSeconds must be a whole number of seconds >= 0');
    if (typeof fetcher !== 'function') throw new TypeError('fetcher must be a function');
    const where = locate(key);
    const waitUntil = (p) => (ctx?.waitUntil ? ctx.waitUntil(p) : p);
    const unproven = env ? await purgeSync.view(env, waitUntil, now()) : purges.compactedBefore;
    const stored = await cache().match(new Request(where.rd.keyUrl));
    if (stored) {
      const floors = purges.floors(where.rd.key, []);
      floors.unproven = unproven;
      const ld = engine.lookup(where.record, where.rd.route, entryMetaText(stored.headers), now(), floors);
      if (ld.action === LookupAction.HIT || ld.action === LookupAction.STALE) {
        const value = await stored.json();
        if (ld.action === LookupAction.STALE) {
          waitUntil(refetch(key, ttlSeconds, fetcher, where).catch(() => {}));
        }
        return value;
      }
      await stored.body?.cancel();
    }
    return refetch(key, ttlSeconds, fetcher, where);
  }

  // Applied here at once; with `env`, recorded in the purge log (retried
  // from this isolate's queue when the log cannot be reached).
  async function publish(record, env) {
    purges.apply(record);
    if (env) await purgeSync.submit(env, [record], { nowMs: record.at });
  }

  /** Drops `key` everywhere (this isolate now; other isolates through the purge log when `env` has one). */
  async function invalidate(key, { env } = {}) {
    const { rd } = locate(key);
    await cache().delete(new Request(rd.keyUrl));
    await publish({ kind: 'url', value: keyParts(rd.key).base, soft: false, at: now() }, env);
  }

  /** Drops every value of this namespace. */
  async function invalidateAll({ env } = {}) {
    await publish({ kind: 'prefix', value: `https://${host}/`, soft: false, at: now() }, env);
  }

  return { withRevalidate, invalidate, invalidateAll };
}
