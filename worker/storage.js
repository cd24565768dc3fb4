// Where a route's entries live for one request: the platform Cache API
// (behind the coalescer), or the tiers the route names (tiers.js), and
// removing an entry from all of them.

import { Tier } from './abi.js';
import { GlobalTier, MemoryTier, TieredCache } from './tiers.js';

/** A platform cache that keeps nothing (the shield's: see createStorage). */
export const NO_PLATFORM_CACHE = Object.freeze({
  match: async () => undefined,
  put: async (request, response) => {
    await response.body?.cancel();
  },
  delete: async () => false,
});

const ALL_TIERS = Tier.MEMORY | Tier.CACHE | Tier.GLOBAL;

// In the shield (shield_node.js) entries live in the object's memory and
// the global tier, whatever the route's storage says; the "cache" tier is
// only the coalescing hub over NO_PLATFORM_CACHE.
const SHIELD_TIERS = ALL_TIERS;

/**
 * @typedef {object} Storage
 * @property {(rd: object|null, env?: object, ctx?: object) => object} cacheFor the cache (Cache API shape) of a route's tiers
 * @property {(url: string, env?: object) => Promise<boolean>} deleteEverywhere removes an entry from every tier
 * @property {(url: string) => void} entryDamaged counts and logs a stored copy dropped for its length
 * @property {MemoryTier} memory the isolate's memory tier
 */

/**
 * @param {object} o
 * @param {() => object} o.getCache the platform cache, behind the coalescer
 * @param {boolean} o.shieldNode this handler runs in the shield
 * @param {() => import('./engine.js').Engine|null} o.engine the engine in force (its manifest caps the memory tier)
 * @param {import('./stats.js').Stats} o.stats
 * @param {import('./log.js').Log} o.log
 * @returns {Storage}
 */
export function createStorage({ getCache, shieldNode, engine, stats, log }) {
  // Storage tiers (tiers.js): the isolate's memory tier, capped by the manifest.
  const memory = new MemoryTier();
  let memoryConfiguredFor = null;

  // A stored copy whose body is not the length recorded when it was stored
  // (docs/security.md "Integrity"): dropped where it was found and counted.
  function entryDamaged(url) {
    stats.damagedEntries++;
    log.once('entry-damaged', { event: 'entry-damaged', key: url });
  }

  // A call to the global tier past its bound (tier_global.js): a read is
  // then a miss; counted, logged once per isolate.
  function globalTimedOut(url) {
    stats.globalTimeouts++;
    log.once('global-tier-timeout', { event: 'global-tier-timeout', key: url });
  }

  function cacheFor(rd, env, ctx) {
    const tiers = shieldNode ? SHIELD_TIERS : rd?.tiers;
    if (!rd || tiers === Tier.CACHE) return getCache();
    const eng = engine();
    if (eng && memoryConfiguredFor !== eng) {
      memory.configure(eng.manifestInfo().memory);
      memoryConfiguredFor = eng;
    }
    const waitUntil = (p) => (ctx?.waitUntil ? ctx.waitUntil(p) : Promise.resolve(p).catch(() => {}));
    return new TieredCache({ cache: getCache(), memory, global: GlobalTier.from(env), tiers, waitUntil, onDamaged: entryDamaged, onTimeout: globalTimedOut });
  }

  function deleteEverywhere(url, env) {
    const all = new TieredCache({ cache: getCache(), memory, global: GlobalTier.from(env), tiers: ALL_TIERS, waitUntil: () => {}, onTimeout: globalTimedOut });
    return all.delete(new Request(url)).catch(() => false);
  }

  return { cacheFor, deleteEverywhere, entryDamaged, memory };
}
