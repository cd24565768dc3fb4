// The memory tier (docs/tiers.md): a byte-bounded LRU in the isolate, and
// its store for TieredCache (match / put / delete, tiers.js).

import { readBounded } from './bytes.js';
import { intactBytes, recorded, toResponse } from './tier_entry.js';
import { withGeneratedEtag } from './etag.js';

/**
 * A byte-bounded LRU of whole responses ({status, statusText, headers, body}).
 * Only bodies up to `maxEntryBytes` are kept; the least recently used
 * entries go first when `maxEntries` or `maxBytes` would be exceeded.
 */
export class MemoryTier {
  constructor({ maxEntries = 1000, maxBytes = 16 * 1024 * 1024, maxEntryBytes = 256 * 1024 } = {}) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.maxEntryBytes = maxEntryBytes;
    this.entries = new Map(); // url -> entry, least recently used first
    this.bytes = 0;
    this.counters = { hits: 0, misses: 0, stores: 0, evictions: 0, tooBig: 0 };
  }

  configure({ maxEntries, maxBytes, maxEntryBytes }) {
    Object.assign(this, { maxEntries, maxBytes, maxEntryBytes });
    this.evict();
  }

  get(url) {
    const e = this.entries.get(url);
    if (!e) {
      this.counters.misses++;
      return undefined;
    }
    this.entries.delete(url);
    this.entries.set(url, e);
    this.counters.hits++;
    return e;
  }

  set(url, entry) {
    const size = (entry.body?.byteLength ?? 0) + entry.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 64);
    this.delete(url);
    if (size > this.maxEntryBytes || size > this.maxBytes || this.maxEntries === 0) {
      this.counters.tooBig++;
      return false;
    }
    entry.size = size;
    this.entries.set(url, entry);
    this.bytes += size;
    this.counters.stores++;
    this.evict();
    return true;
  }

  delete(url) {
    const e = this.entries.get(url);
    if (!e) return false;
    this.entries.delete(url);
    this.bytes -= e.size;
    return true;
  }

  evict() {
    for (const [url, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(url);
      this.bytes -= e.size;
      this.counters.evictions++;
    }
  }

  stats() {
    return { entries: this.entries.size, bytes: this.bytes, maxEntries: this.maxEntries, maxBytes: this.maxBytes, ...this.counters };
  }
}

/**
 * The memory tier as a store. `storing(url)` says a put is in progress in
 * the coalescing hub: that copy is newer than memory's, so memory answers
 * nothing meanwhile (a follower must get the leader's answer).
 */
export function memoryStore(lru, { storing = () => false, onDamaged = () => {} } = {}) {
  return {
    name: 'memory',
    async match(url) {
      if (storing(url)) return undefined;
      const e = lru.get(url);
      if (!e) return undefined;
      if (intactBytes(e)) return toResponse(e, 'memory');
      onDamaged(url);
      lru.delete(url);
      return undefined;
    },
    async put(url, response) {
      const declared = Number(response.headers.get('content-length'));
      if (declared > lru.maxEntryBytes) {
        await response.body?.cancel();
        return;
      }
      const body = await readBounded(response.body, lru.maxEntryBytes);
      if (!body) return;
      const headers = await withGeneratedEtag(new Headers(response.headers), body);
      const entry = { status: response.status, statusText: response.statusText, headers: [...headers], body };
      // A copy from another tier carries the length recorded at store time.
      if (intactBytes(entry)) lru.set(url, recorded(entry.status, entry.statusText, entry.headers, body));
    },
    async delete(url) {
      return lru.delete(url);
    },
  };
}
