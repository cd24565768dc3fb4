// Purge state of an isolate (docs/admin.md).
//
// A purge is a record { kind, value, soft, at }: kind "url" (value: a key
// base "https://host/path" for every query form, or "https://host/path?q"
// for one), "prefix" (a key base prefix, or a path prefix starting with
// "/" for every host), "tag" or "all". The isolate that takes the purge
// applies it at once; the purge log (a Durable Object, purge_log.js)
// carries it to every other isolate and location (purge_sync.js). For each
// stored entry the worker hands the engine the latest hard and soft purge
// time covering it, and the time before which the view cannot prove an
// entry unpurged; the engine decides (src/purge_policy.cc).

import { keyParts } from './keys.js';

// The most records of each kind an isolate keeps (a record costs about 140
// bytes of heap: 300,000 take 43 MB). Past it the oldest record of that
// kind folds into `compactedBefore`: entries stored before it are
// revalidated before they are served (too much work, never too little).
const DEFAULT_LIMIT = 120_000;

// How long a record can matter: the engine gives no entry a platform
// lifetime longer than a year ("forever" routes get exactly that,
// src/store_policy.cc), plus a day of slack. A record older than this folds
// away; the memory and R2 tiers do not expire entries, so an entry stored
// before a folded record is revalidated instead (`compactedBefore`).
export const PURGE_HORIZON_MS = (365 + 1) * 86_400_000;

function later(slot, at) {
  return at > slot ? at : slot;
}

/**
 * Prefixes by length: a lookup tries each distinct prefix length up to the
 * string's own length (one map probe each), so its cost depends on how long
 * the path is, not on how many prefixes are recorded.
 */
export class PrefixIndex {
  constructor() {
    this.map = new Map(); // prefix -> slot
    this.lengths = []; // distinct prefix lengths, ascending
  }

  get size() {
    return this.map.size;
  }

  get(prefix) {
    return this.map.get(prefix);
  }

  set(prefix, slot) {
    this.map.set(prefix, slot);
    const n = prefix.length;
    const i = this.lengths.findIndex((l) => l >= n);
    if (i < 0) this.lengths.push(n);
    else if (this.lengths[i] !== n) this.lengths.splice(i, 0, n);
  }

  delete(prefix) {
    return this.map.delete(prefix);
  }

  /** Calls `take(slot)` for every recorded prefix of `text`. */
  matches(text, take) {
    for (const n of this.lengths) {
      if (n > text.length) break;
      const slot = this.map.get(text.slice(0, n));
      if (slot) take(slot);
    }
  }

  entries() {
    return this.map.entries();
  }

  /** Drops lengths no prefix has any more (after deletions). */
  tidy() {
    const seen = new Set();
    for (const k of this.map.keys()) seen.add(k.length);
    this.lengths = [...seen].sort((a, b) => a - b);
  }
}

export class PurgeState {
  /** @param {{limit?: number}} [o] the most records of each kind kept in the isolate */
  constructor({ limit = DEFAULT_LIMIT } = {}) {
    this.limit = limit;
    this.all = { hard: 0, soft: 0 };
    this.urls = new Map(); // base or pathBase+"?*" -> {hard, soft}
    this.tags = new Map(); // tag -> {hard, soft}
    this.pathPrefixes = new PrefixIndex(); // "/docs/" -> {hard, soft}, any host
    this.urlPrefixes = new PrefixIndex(); // "https://host/docs/" -> {hard, soft}
    // Entries stored before this time may be covered by a record folded
    // away (compaction, the table caps): they are revalidated first.
    this.compactedBefore = 0;
    this.seq = 0; // the last purge-log record applied
    this.applied = 0;
  }

  tableOf(kind, value) {
    if (kind === 'tag') return this.tags;
    if (kind === 'prefix') return value.startsWith('/') ? this.pathPrefixes : this.urlPrefixes;
    return this.urls;
  }

  /** Applies one record. */
  apply(record) {
    const { kind, value, soft, at } = record;
    const field = soft ? 'soft' : 'hard';
    this.applied++;
    if (kind === 'all') {
      this.all[field] = later(this.all[field], at);
      return;
    }
    if (typeof value !== 'string' || value === '' || !Number.isFinite(at)) return;
    const table = this.tableOf(kind, value);
    const k = kind === 'url' && !value.includes('?') ? `${value}?*` : value;
    let slot = table.get(k);
    if (!slot) {
      if (table.size >= this.limit) this.dropOldest(table);
      slot = { hard: 0, soft: 0 };
      table.set(k, slot);
    }
    slot[field] = later(slot[field], at);
  }

  // The first key of a Map is the one inserted first (the oldest record).
  dropOldest(table) {
    for (const [k, slot] of table.entries()) {
      table.delete(k);
      this.compactedBefore = later(this.compactedBefore, Math.max(slot.hard, slot.soft));
      return;
    }
  }

  /** Notes that records up to `at` were folded away elsewhere (the purge log). */
  compacted(at) {
    if (Number.isFinite(at)) this.compactedBefore = later(this.compactedBefore, at);
  }

  /**
   * Folds away every record older than `horizonMs` at `nowMs` (no entry it
   * could cover can still be served without a revalidation). Returns the
   * number of records dropped.
   */
  compact(nowMs, horizonMs = PURGE_HORIZON_MS) {
    const cutoff = nowMs - horizonMs;
    let dropped = 0;
    for (const table of [this.urls, this.tags, this.pathPrefixes, this.urlPrefixes]) {
      for (const [k, slot] of table.entries()) {
        const newest = Math.max(slot.hard, slot.soft);
        if (newest >= cutoff) continue;
        table.delete(k);
        this.compactedBefore = later(this.compactedBefore, newest);
        dropped++;
      }
    }
    if (dropped) {
      this.pathPrefixes.tidy();
      this.urlPrefixes.tidy();
    }
    return dropped;
  }

  /**
   * The latest hard and soft purge covering an entry.
   * @param {string} key the entry's readable key
   * @param {string[]} tags the entry's tags
   */
  floors(key, tags = []) {
    let hard = this.all.hard;
    let soft = this.all.soft;
    if (this.onlyAll()) return { hard, soft };
    const take = (slot) => {
      hard = later(hard, slot.hard);
      soft = later(soft, slot.soft);
    };
    const { base, pathBase, path } = keyParts(key);
    if (this.urls.size) {
      const exact = this.urls.get(base);
      if (exact) take(exact);
      const every = this.urls.get(`${pathBase}?*`);
      if (every) take(every);
    }
    if (this.tags.size) {
      for (const t of tags) {
        const slot = this.tags.get(t);
        if (slot) take(slot);
      }
    }
    if (this.pathPrefixes.size) this.pathPrefixes.matches(path, take);
    if (this.urlPrefixes.size) this.urlPrefixes.matches(pathBase, take);
    return { hard, soft };
  }

  /** True while no URL, prefix or tag purge is recorded (only "all", if any). */
  onlyAll() {
    return this.urls.size === 0 && this.tags.size === 0 && this.pathPrefixes.size === 0 && this.urlPrefixes.size === 0;
  }

  size() {
    return {
      urls: this.urls.size,
      tags: this.tags.size,
      prefixes: this.pathPrefixes.size + this.urlPrefixes.size,
      seq: this.seq,
      applied: this.applied,
      all: { ...this.all },
      compactedBefore: this.compactedBefore,
    };
  }
}

const logIds = new WeakMap(); // namespace -> the id of its one instance (idFromName hashes)

/** The purge log binding: a Durable Object namespace, or a service in front of one. */
export function purgeLog(env) {
  const ns = env?.FRESHET_PURGE_LOG;
  if (ns && typeof ns.idFromName === 'function') {
    let id = logIds.get(ns);
    if (!id) logIds.set(ns, (id = ns.idFromName('freshet')));
    return ns.get(id);
  }
  const service = env?.FRESHET_PURGE_SERVICE;
  if (service && typeof service.fetch === 'function') return service;
  return null;
}

/** Whether a purge log is bound (without making a stub). */
export function hasPurgeLog(env) {
  return typeof env?.FRESHET_PURGE_LOG?.idFromName === 'function' || typeof env?.FRESHET_PURGE_SERVICE?.fetch === 'function';
}
