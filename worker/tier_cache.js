// The Cache API tier (docs/tiers.md): the platform cache of the data
// center (caches.default, behind the coalescing hub of coalesce.js), as a
// store for TieredCache (match / put / delete, tiers.js).

/** `cache` (the Cache API, or the coalescer's wrapper of it) as a store. */
export function cacheApiStore(cache) {
  return {
    name: 'cache',
    // A URL string, as the Cache API takes: no Request built per lookup.
    match: (url) => cache.match(url),
    // The lifetime travels in the entry's Cache-Control (headersForStorage).
    put: (url, response) => cache.put(new Request(url), response),
    delete: (url) => cache.delete(new Request(url)),
  };
}
