// Purge state of an isolate and its propagation (docs/admin.md).
//
// A purge is a record { kind, value, soft, at }: kind "url" (value: a key
// base "https://host/path" for every query form, or "https://host/path?q"
// for one), "prefix" (a key base prefix, or a path prefix starting with
// "/" for every host), "tag" or "all". The isolate that takes the purge
// applies it at once; the purge log (a Durable Object, purge_log.js)
// carries it to every other isolate and location, which pull new records
// at most `syncMs` apart and block on a pull once their view is older than
// `maxLagMs`. For each stored entry the worker hands the engine the latest
// hard and soft purge time covering it; the engine decides (src/purge_policy.cc).

const DEFAULT_LIMIT = 10_000;

function later(slot, at) {
  return at > slot ? at : slot;
}

/** Splits a readable key into its base ("scheme://host/path[?query]") and path base. */
export function keyParts(key) {
  const space = key.indexOf(' ');
  const base = space < 0 ? key : key.slice(0, space);
  const q = base.indexOf('?');
  const pathBase = q < 0 ? base : base.slice(0, q);
  const scheme = pathBase.indexOf('://');
  const slash = scheme < 0 ? -1 : pathBase.indexOf('/', scheme + 3);
  const path = slash < 0 ? '/' : pathBase.slice(slash);
  return { base, pathBase, path };
}

export class PurgeState {
  /** @param {{limit?: number}} [o] the most records of each kind kept in the isolate */
  constructor({ limit = DEFAULT_LIMIT } = {}) {
    this.limit = limit;
    this.all = { hard: 0, soft: 0 };
    this.urls = new Map(); // base or pathBase+"?*" -> {hard, soft}
    this.tags = new Map(); // tag -> {hard, soft}
    this.prefixes = new Map(); // prefix -> {hard, soft}
    this.seq = 0; // the last purge-log record applied
    this.applied = 0;
  }

  /** Applies one record. Over a table's cap, it becomes a purge of everything (never too little). */
  apply(record) {
    const { kind, value, soft, at } = record;
    const field = soft ? 'soft' : 'hard';
    this.applied++;
    if (kind === 'all') {
      this.all[field] = later(this.all[field], at);
      return;
    }
    const table = kind === 'tag' ? this.tags : kind === 'prefix' ? this.prefixes : this.urls;
    const k = kind === 'url' && !value.includes('?') ? `${value}?*` : value;
    let slot = table.get(k);
    if (!slot) {
      if (table.size >= this.limit) {
        this.all.soft = later(this.all.soft, at);
        if (!soft) this.all.hard = later(this.all.hard, at);
        return;
      }
      slot = { hard: 0, soft: 0 };
      table.set(k, slot);
    }
    slot[field] = later(slot[field], at);
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
      if (!slot) return;
      hard = later(hard, slot.hard);
      soft = later(soft, slot.soft);
    };
    const { base, pathBase, path } = keyParts(key);
    take(this.urls.get(base));
    take(this.urls.get(`${pathBase}?*`));
    for (const t of tags) take(this.tags.get(t));
    if (this.prefixes.size) {
      for (const [prefix, slot] of this.prefixes) {
        if (prefix.startsWith('/') ? path.startsWith(prefix) : pathBase.startsWith(prefix)) take(slot);
      }
    }
    return { hard, soft };
  }

  /** True while no URL, prefix or tag purge is recorded (only "all", if any). */
  onlyAll() {
    return this.urls.size === 0 && this.tags.size === 0 && this.prefixes.size === 0;
  }

  size() {
    return { urls: this.urls.size, tags: this.tags.size, prefixes: this.prefixes.size, seq: this.seq, applied: this.applied };
  }
}

/** The purge log binding: a Durable Object namespace, or a service in front of one. */
export function purgeLog(env) {
  const ns = env?.FRESHET_PURGE_LOG;
  if (ns && typeof ns.idFromName === 'function') return ns.get(ns.idFromName('freshet'));
  const service = env?.FRESHET_PURGE_SERVICE;
  if (service && typeof service.fetch === 'function') return service;
  return null;
}

/** Keeps an isolate's PurgeState in step with the purge log. */
export class PurgeSync {
  constructor(state, { syncMs = 1000, maxLagMs = 3000, log = () => {} } = {}) {
    this.state = state;
    this.syncMs = syncMs;
    this.maxLagMs = maxLagMs;
    this.log = log;
    this.lastSync = -Infinity; // real time (Date.now) of the last successful pull
    this.inflight = null;
    this.failures = 0;
  }

  /** Pulls new records when due: in the background, or first when the view is too old. */
  async maybeSync(env, waitUntil) {
    const stub = purgeLog(env);
    if (!stub) return;
    const syncMs = Number(env.FRESHET_PURGE_SYNC_MS) || this.syncMs;
    const lag = Number(env.FRESHET_PURGE_MAX_LAG_MS);
    this.maxLagMs = Number.isFinite(lag) && env.FRESHET_PURGE_MAX_LAG_MS !== undefined ? lag : 3 * syncMs;
    const age = Date.now() - this.lastSync;
    if (age < syncMs) return;
    const pull = this.pull(stub);
    if (age >= this.maxLagMs) {
      await pull; // never serve from a view older than maxLagMs when the log answers
    } else {
      waitUntil(pull);
    }
  }

  pull(stub) {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      try {
        const res = await stub.fetch(`https://purge-log.freshet.internal/since?after=${this.state.seq}`);
        if (!res.ok) throw new Error(`purge log answered ${res.status}`);
        const { seq, records, floor } = await res.json();
        if (floor) this.state.apply({ kind: 'all', soft: true, at: floor });
        for (const r of records) this.state.apply(r);
        this.state.seq = seq;
        this.lastSync = Date.now();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.log({ event: 'purge-sync-failed', message: String(err?.message ?? err) });
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Sends records to the purge log; returns its answer ({seq}) or null without a log. */
  async publish(env, records) {
    const stub = purgeLog(env);
    if (!stub) return null;
    const res = await stub.fetch('https://purge-log.freshet.internal/publish', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    if (!res.ok) throw new Error(`purge log answered ${res.status}`);
    return res.json();
  }
}

/** The isolate's purge view, shared by the request handler and the data API. */
export const isolatePurges = new PurgeState();
export const isolatePurgeSync = new PurgeSync(isolatePurges, {
  log: (event) => console.log(JSON.stringify({ freshet: 1, ...event })),
});
