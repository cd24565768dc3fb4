// The counters of one handler (one isolate): what the admin route's stats
// endpoint shows and, for the names in fleet_stats.js, what travels to the
// purge log. Every counter is declared here; the object is sealed, so a
// counter cannot be added on the fly by a typo or a new call site.

/**
 * @typedef {object} Stats
 * @property {number} requests requests handled (followers of a coalesced fetch count again)
 * @property {number} hits answers from a fresh stored entry (collapsed ones included)
 * @property {number} staleHits stale entries served while revalidated in the background
 * @property {number} misses lookups that found no usable entry (none stored, or hard-purged)
 * @property {number} expired stored entries that had to be revalidated before use
 * @property {number} revalidated entries freshened by a 304 and stored again
 * @property {Record<string, number>} bypasses passed-through requests, by reason
 * @property {number} originFetches requests sent to the origin (retries not counted)
 * @property {number} backgroundRevalidations background revalidations started
 * @property {number} staleIfError stale entries served because the origin failed (RFC 5861)
 * @property {number} notModified 304s answered from a stored entry
 * @property {number} invalidations unsafe requests that invalidated entries (RFC 9111 4.4)
 * @property {number} originRetries idempotent origin requests retried once
 * @property {number} badOriginStatus origin answers with a status a Response cannot carry
 * @property {number} stores origin responses the engine allowed to store
 * @property {Record<string, number>} notStored origin responses not stored, by reason
 * @property {number} engineErrors engine traps, failed loads and handler errors (fail open)
 * @property {number} cacheErrors failed cache lookups and stores
 * @property {number} incompleteBodies origin bodies that did not arrive whole
 * @property {number} damagedEntries stored copies dropped for a wrong body length
 * @property {number} originClockBehind stored answers whose Date was behind by more than their Age and round trip explain
 * @property {number} globalTimeouts global tier calls past their bound (a read is then a miss)
 * @property {number} shieldFetches answers through the route's shield
 * @property {number} shieldFallbacks shield fetches that fell back to the origin
 * @property {number} hitForPass misses sent past the coalescer by a hit-for-pass mark
 * @property {number} collapsed coalesced followers served the leader's entry
 * @property {number} unprovenRevalidations revalidations forced by an unproven purge view
 * @property {number} purges purge records published through the admin route
 */

/** A fresh, sealed set of counters, all zero. @returns {Stats} */
export function newStats() {
  return Object.seal({
    requests: 0,
    hits: 0,
    staleHits: 0,
    misses: 0,
    expired: 0,
    revalidated: 0,
    bypasses: {},
    originFetches: 0,
    backgroundRevalidations: 0,
    staleIfError: 0,
    notModified: 0,
    invalidations: 0,
    originRetries: 0,
    badOriginStatus: 0,
    stores: 0,
    notStored: {},
    engineErrors: 0,
    cacheErrors: 0,
    incompleteBodies: 0,
    damagedEntries: 0,
    originClockBehind: 0,
    globalTimeouts: 0,
    shieldFetches: 0,
    shieldFallbacks: 0,
    hitForPass: 0,
    collapsed: 0,
    unprovenRevalidations: 0,
    purges: 0,
  });
}

/** Adds one to `map[key]` (the by-reason maps: bypasses, notStored). */
export function bump(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}
