// Storage tiers (docs/tiers.md): the isolate's memory in front of the
// platform Cache API, and an optional global tier (R2 or KV) behind it.
// Each tier is a store in a file of its own (tier_memory.js, tier_cache.js,
// tier_global.js) with one small interface:
//
//   match(url)                 -> Response | undefined (a damaged copy: dropped, undefined)
//   put(url, response, ttl)    the platform lifetime in seconds, passed explicitly
//   delete(url)                -> true when something was deleted
//
// A TieredCache walks the stores a route uses, in order, and speaks the
// Cache API's match / put / delete, so the handler stores and looks up
// entries the same way whatever the tiers; every entry keeps the engine's
// metadata, so freshness and purges are decided the same way in every tier.
// A new tier is one file and one line of TIERS below.

import { Tier } from './abi.js';
import { cacheApiStore } from './tier_cache.js';
import { GlobalTier } from './tier_global.js';
import { memoryStore } from './tier_memory.js';
import { allSettledOrThrow } from './settled.js';
import { markTier, tierMarkOf } from './tier_entry.js';

export { IN_FLIGHT, TIER_HEADER, intactBytes } from './tier_entry.js';
export { MemoryTier } from './tier_memory.js';
export { GlobalTier, decodeGlobalObject, encodeGlobalObject } from './tier_global.js';

/** The tiers in lookup order: the Tier bit, and how to make its store for one request. */
const TIERS = [
  { bit: Tier.MEMORY, make: (o) => o.memory && memoryStore(o.memory, { storing: (url) => o.cache?.storing?.(url) ?? false, onDamaged: o.onDamaged }) },
  { bit: Tier.CACHE, make: (o) => o.cache && cacheApiStore(o.cache) },
  { bit: Tier.GLOBAL, make: (o) => o.global && o.global.store({ onDamaged: o.onDamaged, waitUntil: o.waitUntil, onTimeout: o.onTimeout }) },
];

/** Splits a body into `n` streams (tee), or n nulls. */
function split(body, n) {
  if (!body) return Array(n).fill(null);
  const out = [];
  let rest = body;
  for (let i = 1; i < n; i++) {
    const [a, b] = rest.tee();
    out.push(a);
    rest = b;
  }
  out.push(rest);
  return out;
}

/**
 * match / put / delete over the tiers a route uses (bits of Tier).
 * Lookups walk the stores in order; a hit in a lower tier fills the tiers
 * above it (in the background). Writes go to every tier.
 */
export class TieredCache {
  /**
   * @param {object} o cache (the Cache API, behind the coalescer), memory (a
   *   MemoryTier), global (a GlobalTier or null), tiers (bits of Tier),
   *   waitUntil, onDamaged(url), onTimeout(url) (a global tier call past its bound)
   */
  constructor(o) {
    const opts = { ...o, onDamaged: o.onDamaged ?? (() => {}), waitUntil: o.waitUntil ?? (() => {}), onTimeout: o.onTimeout ?? (() => {}) };
    this.waitUntil = opts.waitUntil;
    this.stores = TIERS.filter((t) => o.tiers & t.bit).map((t) => t.make(opts)).filter(Boolean);
  }

  async match(request) {
    const url = typeof request === 'string' ? request : request.url;
    for (let i = 0; i < this.stores.length; i++) {
      const hit = await this.stores[i].match(url);
      if (!hit) continue;
      if (i === 0) return hit;
      // Fill the tiers above with copies; the lifetime is in the entry's headers.
      const copies = split(hit.body, i + 1);
      for (let j = 0; j < i; j++) {
        const copy = new Response(copies[j + 1], hit);
        copy.headers.delete('x-freshet-tier');
        this.waitUntil(Promise.resolve(this.stores[j].put(url, copy)).catch(() => {}));
      }
      return markTier(new Response(copies[0], hit), tierMarkOf(hit));
    }
    return undefined;
  }

  /** Stores `response` in every tier; `ttlSeconds` is the platform lifetime. */
  async put(request, response, ttlSeconds) {
    if (this.stores.length === 0) {
      await response.body?.cancel();
      return;
    }
    const bodies = split(response.body, this.stores.length);
    // Every tier's put runs to its end, even when another one fails.
    await allSettledOrThrow(this.stores.map((s, i) => s.put(request.url, new Response(bodies[i], response), ttlSeconds)));
  }

  async delete(request) {
    const results = await Promise.all(this.stores.map((s) => Promise.resolve(s.delete(request.url)).catch(() => false)));
    return results.some(Boolean);
  }
}
