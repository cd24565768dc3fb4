// Storage tiers (docs/tiers.md): the isolate's memory in front of the
// platform Cache API, and an optional global tier (R2 or KV) behind it. A
// TieredCache speaks the Cache API's match / put / delete, so the handler
// stores and looks up entries the same way whatever the tiers; every entry
// keeps the engine's metadata, so freshness and purges are decided the same
// way in every tier.

import { Tier } from './abi.js';
import { readBounded } from './bytes.js';
import { LENGTH_HEADER } from './integrity.js';

/** Internal header on a matched response: which tier answered. */
export const TIER_HEADER = 'x-freshet-tier';
/** Its value on an entry read from a store still in progress (coalesce.js). */
export const IN_FLIGHT = 'in-flight';
const GLOBAL_MAX_BYTES = 25 * 1024 * 1024;
const GLOBAL_PREFIX = 'freshet/';

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

// A global object holds the whole entry: a 4-byte big-endian length, that
// many bytes of JSON head ({ status, statusText, headers, length }), then
// the body. Headers travel with the value, not in the binding's metadata
// (KV allows 1,024 bytes of metadata, R2 2,048 of custom metadata: a page
// with a CSP, HSTS and a few tags does not fit).
const HEAD_BYTES = 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The object a global tier stores for `entry` ({status, statusText, headers, body}). */
export function encodeGlobalObject(entry) {
  const body = entry.body ?? new Uint8Array(0);
  const head = encoder.encode(JSON.stringify({ status: entry.status, statusText: entry.statusText ?? '', headers: entry.headers, length: body.byteLength }));
  const out = new Uint8Array(HEAD_BYTES + head.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength);
  out.set(head, HEAD_BYTES);
  out.set(body, HEAD_BYTES + head.byteLength);
  return out;
}

/** The entry in a global object, or null when it is not one whole object of this format. */
export function decodeGlobalObject(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEAD_BYTES) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (HEAD_BYTES + n > bytes.byteLength) return null;
  let head;
  try {
    head = JSON.parse(decoder.decode(bytes.subarray(HEAD_BYTES, HEAD_BYTES + n)));
  } catch {
    return null;
  }
  const body = bytes.subarray(HEAD_BYTES + n);
  if (!head || !Number.isInteger(head.status) || !Array.isArray(head.headers) || head.length !== body.byteLength) return null;
  return { status: head.status, statusText: String(head.statusText ?? ''), headers: head.headers, body };
}

/** The global tier over an R2 bucket or a KV namespace bound as FRESHET_GLOBAL. */
export class GlobalTier {
  constructor(binding) {
    this.binding = binding;
    this.isR2 = typeof binding.head === 'function';
  }

  static from(env) {
    const b = env?.FRESHET_GLOBAL;
    return b && typeof b.get === 'function' && typeof b.put === 'function' ? new GlobalTier(b) : null;
  }

  objectKey(url) {
    return GLOBAL_PREFIX + url.slice(url.indexOf('/v1/') + 1);
  }

  /**
   * The entry stored for `url`: undefined when there is none, null when the
   * object is damaged (cut short, or not of this format).
   */
  async get(url) {
    const key = this.objectKey(url);
    let bytes;
    if (this.isR2) {
      const obj = await this.binding.get(key);
      if (!obj) return undefined;
      bytes = new Uint8Array(await obj.arrayBuffer());
    } else {
      const value = await this.binding.get(key, { type: 'arrayBuffer' });
      if (value === null) return undefined;
      bytes = new Uint8Array(value);
    }
    return decodeGlobalObject(bytes);
  }

  async put(url, entry, ttlSeconds) {
    const key = this.objectKey(url);
    const value = encodeGlobalObject(entry);
    if (this.isR2) await this.binding.put(key, value);
    else await this.binding.put(key, value, { expirationTtl: Math.max(60, Math.trunc(ttlSeconds)) });
  }

  async delete(url) {
    await this.binding.delete(this.objectKey(url));
  }
}

/**
 * An entry of bytes as a tier keeps it: the byte length recorded beside the
 * headers, so a read can tell a damaged copy (docs/security.md "Integrity").
 */
function recorded(status, statusText, headers, body) {
  const h = headers.filter(([k]) => k !== LENGTH_HEADER && k !== 'content-length');
  h.push([LENGTH_HEADER, String(body.byteLength)]);
  return { status, statusText, headers: h, body };
}

/** True when an entry's body has the length its tier recorded (entries without a record pass). */
export function intactBytes(entry) {
  const rec = entry.headers.find(([k]) => k === LENGTH_HEADER);
  return rec === undefined || Number(rec[1]) === (entry.body?.byteLength ?? 0);
}

function toResponse(entry, tier) {
  const headers = new Headers(entry.headers);
  headers.set(TIER_HEADER, tier);
  return new Response(entry.body && entry.body.byteLength ? entry.body.slice() : null, { status: entry.status, statusText: entry.statusText, headers });
}

function platformTtl(response) {
  const m = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '');
  return m ? Number(m[1]) : 60;
}

/**
 * match / put / delete over the tiers a route uses (bits of Tier).
 * Lookups go memory -> Cache API -> global; a hit in a lower tier fills the
 * tiers above it (in the background). Writes go to every tier.
 */
export class TieredCache {
  constructor({ cache, memory, global, tiers, waitUntil, onDamaged }) {
    this.cache = cache;
    this.memory = tiers & Tier.MEMORY ? memory : null;
    this.useCache = (tiers & Tier.CACHE) !== 0;
    this.global = tiers & Tier.GLOBAL ? global : null;
    this.waitUntil = waitUntil;
    this.onDamaged = onDamaged ?? (() => {}); // a copy dropped on read: body length not the recorded one
  }

  async match(request) {
    const url = request.url;
    // An entry being stored right now (the coalescing hub) is newer than
    // what memory holds: a follower must get the leader's answer.
    const m = this.useCache && this.cache.storing?.(url) ? undefined : this.memory?.get(url);
    if (m) {
      if (intactBytes(m)) return toResponse(m, 'memory');
      this.#damaged(url, () => this.memory.delete(url));
    }
    if (this.useCache) {
      const hit = await this.cache.match(request);
      if (hit) {
        if (this.memory) {
          const copy = hit.clone();
          this.waitUntil(this.#remember(url, copy));
        }
        return hit;
      }
    }
    if (this.global) {
      const g = await this.global.get(url).catch(() => undefined);
      if (g === null || (g && !intactBytes(g))) {
        this.#damaged(url, () => this.waitUntil(this.global.delete(url).catch(() => {})));
      } else if (g) {
        if (this.memory) this.memory.set(url, g);
        if (this.useCache) this.waitUntil(this.cache.put(new Request(url), toResponse(g, 'cache')).catch(() => {}));
        return toResponse(g, 'global');
      }
    }
    return undefined;
  }

  // A copy whose body is not the length its tier recorded: counted, dropped.
  #damaged(url, drop) {
    this.onDamaged(url);
    drop();
  }

  async #remember(url, response) {
    const declared = Number(response.headers.get('content-length'));
    if (declared > this.memory.maxEntryBytes) {
      await response.body?.cancel();
      return;
    }
    const body = await readBounded(response.body, this.memory.maxEntryBytes);
    const entry = body && { status: response.status, statusText: response.statusText, headers: [...response.headers], body };
    // The Cache API's copy carries the length recorded at store time.
    if (entry && intactBytes(entry)) this.memory.set(url, recorded(entry.status, entry.statusText, entry.headers, body));
  }

  async put(request, response) {
    const url = request.url;
    const needsBytes = this.memory || this.global;
    if (!needsBytes) {
      if (this.useCache) await this.cache.put(request, response);
      else await response.body?.cancel();
      return;
    }
    let forCache = null;
    let forBytes = response.body;
    if (this.useCache && response.body) [forCache, forBytes] = response.body.tee();
    const limit = this.global ? GLOBAL_MAX_BYTES : this.memory.maxEntryBytes;
    const work = [];
    if (this.useCache) work.push(this.cache.put(request, new Response(forCache, response)));
    work.push((async () => {
      const body = await readBounded(forBytes, limit);
      if (!body) return;
      const entry = recorded(response.status, response.statusText, [...response.headers], body);
      if (this.memory) this.memory.set(url, entry);
      if (this.global) await this.global.put(url, entry, platformTtl(response));
    })());
    await Promise.all(work);
  }

  async delete(request) {
    this.memory?.delete(request.url);
    const work = [];
    if (this.useCache) work.push(this.cache.delete(request));
    if (this.global) work.push(this.global.delete(request.url).catch(() => {}));
    const results = await Promise.all(work);
    return results.some(Boolean);
  }
}
