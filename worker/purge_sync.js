// Keeps an isolate's purge view (purge.js) in step with the purge log
// (purge_log.js), off the request path (docs/admin.md "Propagation"):
//
// - Pulls run in the background (waitUntil) at most `syncMs` apart, page by
//   page until caught up; every call to the log has a timeout.
// - A request waits for a pull at most `waitMs` (50 ms), and only when the
//   view is older than `maxLagMs` and the log was answering. Otherwise the
//   view is *unproven*: entries stored more than `maxLagMs` ago may be
//   covered by a purge this isolate has not seen, so the engine revalidates
//   them with the origin before serving (reason "purge-view-unproven").
// - Publishes carry an id (idempotent in the log). One that cannot reach the
//   log waits in a bounded in-isolate queue, retried in the background.
// - Counter deltas go to the log now and then (fleet stats, fleet_stats.js).

import { fetchWithTimeout } from './timeout.js';
import { PURGE_HORIZON_MS, PurgeState, hasPurgeLog, purgeLog } from './purge.js';
import { keyParts, readableKey } from './keys.js';
import { unpackRecord } from './purge_log.js';
import { counterDeltas, pickCounters } from './fleet_stats.js';

const LOG_ORIGIN = 'https://purge-log.freshet.internal';
const PAGE = 20_000; // records asked for per pull page
const MAX_PAGES = 60; // pages per pull; a pull that did not catch up goes on next time
const QUEUE_LIMIT = 100_000; // queued records (not yet in the log)
const PUBLISH_MAX = 10_000; // records per publish call
const COMPACT_EVERY_MS = 60_000;
export const UNPROVEN_REASON = 'purge-view-unproven';

export class PurgeLogTimeout extends Error {
  constructor(ms) {
    super(`the purge log did not answer within ${ms} ms`);
    this.name = 'PurgeLogTimeout';
  }
}

function setting(env, name, fallback) {
  const raw = env?.[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

function newId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms) => {
  let timer;
  const p = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  return { p, cancel: () => clearTimeout(timer) };
};

export class PurgeSync {
  constructor(state, { log = () => {} } = {}) {
    this.state = state;
    this.log = log;
    this.syncMs = 1000;
    this.maxLagMs = 3000;
    this.waitMs = 50;
    this.timeoutMs = 2000;
    this.publishTimeoutMs = 3000;
    this.invalidateWaitMs = 1000;
    this.reportMs = 10_000;
    this.horizonMs = PURGE_HORIZON_MS;
    this.provenAt = -Infinity; // real time a pull that caught up was sent
    this.lastAttempt = -Infinity; // real time the last pull started
    this.inflight = null;
    this.failures = 0; // consecutive failed pulls (an outage while > 0)
    this.outageSince = 0;
    this.lastNow = 0; // the clock of the latest request (record and compaction times)
    this.lastCompact = 0;
    this.queue = []; // [{id, records, nowMs}] waiting for the log
    this.queued = 0;
    this.draining = null;
    this.lastDrain = -Infinity;
    this.sources = new Set(); // () => counters, summed for fleet reports
    this.reported = pickCounters({});
    this.lastReport = null; // set on the first request (no clock or randomness at global scope)
    this.reporting = null;
    this.isolate = null;
    this.location = 'unknown';
    this.configuredFor = null; // the env the settings were read from
    this.counters = { pulls: 0, pullFailures: 0, pulledRecords: 0, published: 0, publishFailures: 0, retried: 0, reports: 0 };
  }

  configure(env) {
    this.syncMs = setting(env, 'FRESHET_PURGE_SYNC_MS', 1000);
    this.maxLagMs = setting(env, 'FRESHET_PURGE_MAX_LAG_MS', 3 * this.syncMs);
    this.waitMs = Math.min(setting(env, 'FRESHET_PURGE_WAIT_MS', 50), 1000);
    this.timeoutMs = setting(env, 'FRESHET_PURGE_TIMEOUT_MS', 2000) || 2000;
    this.publishTimeoutMs = setting(env, 'FRESHET_PURGE_PUBLISH_TIMEOUT_MS', 3000) || 3000;
    this.invalidateWaitMs = Math.min(setting(env, 'FRESHET_INVALIDATE_WAIT_MS', 1000), this.publishTimeoutMs);
    this.reportMs = setting(env, 'FRESHET_STATS_REPORT_MS', 10_000);
    const h = setting(env, 'FRESHET_PURGE_HORIZON_S', 0);
    this.horizonMs = h > 0 ? h * 1000 : PURGE_HORIZON_MS;
    if (typeof env?.FRESHET_LOCATION === 'string' && env.FRESHET_LOCATION) this.location = env.FRESHET_LOCATION;
  }

  /** Adds a source of counters for the fleet reports (a handler's stats). */
  addCounterSource(fn) {
    this.sources.add(fn);
  }

  /** One call to the log, bounded (status, headers and body) by `ms`. */
  async call(stub, path, init, ms) {
    return fetchWithTimeout(async (signal) => {
      const res = await stub.fetch(`${LOG_ORIGIN}${path}`, { ...init, signal });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new Error(`purge log answered ${res.status}`);
      }
      return res.json();
    }, ms, (t) => new PurgeLogTimeout(t));
  }

  /**
   * The request path's view of the plane: starts what is due in the
   * background, waits for a pull at most `waitMs`, and returns the time
   * before which a stored entry cannot be proven unpurged (0: none).
   * @param {object} env
   * @param {((p: Promise<unknown>) => void) | { waitUntil(p: Promise<unknown>): void }} waitUntil
   *   a function, or an execution context (no closure made per request
   *   where there is no purge log)
   * @param {number} nowMs the request's clock
   * @param {Request} [request] names the location (request.cf.colo) once
   * @returns {number|Promise<number>} a number at once, but while it waits for a pull
   */
  view(env, waitUntil, nowMs, request) {
    if (!hasPurgeLog(env)) return this.state.compactedBefore;
    const wait = typeof waitUntil === 'function' ? waitUntil : (p) => waitUntil.waitUntil(p);
    return this.#viewWithLog(env, wait, nowMs, request);
  }

  // Not async: a hit that waits for no pull (nearly every one) gets its
  // number without a promise, and with a log as without one.
  #viewWithLog(env, waitUntil, nowMs, request) {
    if (env !== this.configuredFor) {
      this.configure(env);
      this.configuredFor = env;
    }
    if (this.location === 'unknown' && request?.cf?.colo) this.location = String(request.cf.colo);
    if (nowMs > this.lastNow) this.lastNow = nowMs;
    const arrived = Date.now();
    const age = arrived - this.provenAt;
    let waited = null;
    if (age >= this.syncMs && arrived - this.lastAttempt >= Math.min(this.syncMs, 1000)) {
      const pull = this.pull(purgeLog(env));
      waitUntil(pull);
      // Wait only while the log was answering, and never more than waitMs
      // after the pull started (later requests do not wait again).
      const left = this.waitMs - (Date.now() - this.lastAttempt);
      if (age > this.maxLagMs && this.failures === 0 && left > 0) {
        const timer = sleep(left);
        waited = Promise.race([pull, timer.p]).finally(() => timer.cancel());
      }
    }
    if (this.queue.length && arrived - this.lastDrain >= this.syncMs) waitUntil(this.drain(purgeLog(env)));
    this.lastReport ??= arrived;
    if (this.reportMs > 0 && arrived - this.lastReport >= this.reportMs) waitUntil(this.report(purgeLog(env)));
    if (waited === null) return this.unprovenBefore(nowMs, arrived);
    return waited.then(
      () => this.unprovenBefore(nowMs, arrived),
      () => this.unprovenBefore(nowMs, arrived),
    );
  }

  /** Entries stored before this time are revalidated before they are served. */
  unprovenBefore(nowMs, at = Date.now()) {
    const view = at - this.provenAt <= this.maxLagMs ? 0 : Math.max(0, nowMs - this.maxLagMs);
    return Math.max(view, this.state.compactedBefore);
  }

  /** unprovenBefore, without waiting or syncing (admin inspect); 0 view part without a log. */
  unprovenFor(env, nowMs) {
    return hasPurgeLog(env) ? this.unprovenBefore(nowMs) : this.state.compactedBefore;
  }

  /**
   * RFC 9111 4.4 invalidations: applied in this isolate now, and carried to
   * every other isolate and location through the log. The returned promise
   * settles when the log has them, or after `invalidateWaitMs`
   * (FRESHET_INVALIDATE_WAIT_MS, default 1000), whichever is first: the
   * writer's response waits for it, so a client that wrote at one location
   * reads its write at any other while the log answers. Past the bound the
   * publish goes on in the background (queued and retried if it fails).
   * Never rejects.
   * @returns {Promise<'durable'|'queued'|'pending'|'none'>}
   */
  invalidate(env, records, waitUntil) {
    if (!records.length) return Promise.resolve('none');
    for (const r of records) this.state.apply(r);
    this.counters.invalidations = (this.counters.invalidations ?? 0) + records.length;
    if (!hasPurgeLog(env)) return Promise.resolve('none');
    this.configure(env);
    const published = this.submit(env, records, { nowMs: records[0].at })
      .then((r) => (r.durable ? 'durable' : r.none ? 'none' : 'queued'), () => 'queued');
    waitUntil(published);
    if (!(this.invalidateWaitMs > 0)) return Promise.resolve('pending');
    const bound = sleep(this.invalidateWaitMs);
    return Promise.race([published, bound.p.then(() => 'pending')]).finally(bound.cancel);
  }

  /** Whether this isolate's view is proven current right now. */
  proven() {
    return Date.now() - this.provenAt <= this.maxLagMs;
  }

  /** Pulls new records, page by page until caught up; one pull at a time. */
  pull(stub) {
    if (this.inflight) return this.inflight;
    this.lastAttempt = Date.now();
    this.counters.pulls++;
    this.inflight = (async () => {
      try {
        for (let page = 0; page < MAX_PAGES; page++) {
          const sent = Date.now();
          const got = await this.call(stub, `/since?after=${this.state.seq}&limit=${PAGE}`, {}, this.timeoutMs);
          if (got.floor) this.state.apply({ kind: 'all', soft: true, at: got.floor });
          if (got.compacted) this.state.compacted(got.compacted);
          for (const p of got.records ?? []) {
            const r = unpackRecord(p);
            if (r) this.state.apply(r);
          }
          this.counters.pulledRecords += got.records?.length ?? 0;
          if (Number.isFinite(got.seq) && got.seq > this.state.seq) this.state.seq = got.seq;
          if (!(got.seq < got.latest)) {
            this.provenAt = sent;
            break;
          }
        }
        if (this.failures > 0) {
          this.log({ event: 'purge-sync-recovered', afterMs: Date.now() - this.outageSince, failedPulls: this.failures });
        }
        this.failures = 0;
        if (Date.now() - this.lastCompact >= COMPACT_EVERY_MS && this.lastNow > 0) {
          this.lastCompact = Date.now();
          this.state.compact(this.lastNow, this.horizonMs);
        }
      } catch (err) {
        this.counters.pullFailures++;
        if (this.failures === 0) {
          // Once per outage, not once per request.
          this.outageSince = Date.now();
          this.log({ event: 'purge-sync-failed', message: String(err?.message ?? err), viewAgeMs: Date.now() - this.provenAt });
        }
        this.failures++;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Sends one batch to the log (bounded by `ms`); returns its answer ({seq, duplicate?}). */
  publishTo(stub, batch, ms) {
    return this.call(stub, '/publish', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: batch.id, records: batch.records, now: batch.nowMs }),
    }, ms);
  }

  /**
   * Records purges durably in the log. Answers
   * - {durable: true, seq, id, duplicate}: the log has them;
   * - {queued: true, id, error}: the log could not be reached; they wait in
   *   this isolate's queue and are retried in the background (same id);
   * - {rejected: true, id, error}: the log could not be reached and the
   *   queue is full: nothing queued, the caller must retry;
   * - {none: true}: there is no purge log (this isolate only).
   * @param {object} env
   * @param {object[]} records
   * @param {{id?: string, nowMs?: number}} [o]
   */
  async submit(env, records, { id = newId(), nowMs = Date.now() } = {}) {
    const stub = purgeLog(env);
    if (!stub) return { none: true, id };
    this.configure(env);
    const batches = [];
    for (let i = 0; i < records.length; i += PUBLISH_MAX) {
      batches.push({ id: records.length > PUBLISH_MAX ? `${id}.${i / PUBLISH_MAX}` : id, records: records.slice(i, i + PUBLISH_MAX), nowMs });
    }
    let seq = 0;
    let duplicate = true;
    for (let i = 0; i < batches.length; i++) {
      try {
        const got = await this.publishTo(stub, batches[i], this.publishTimeoutMs);
        this.counters.published += batches[i].records.length;
        seq = got.seq;
        duplicate &&= got.duplicate === true;
      } catch (err) {
        this.counters.publishFailures++;
        const rest = batches.slice(i).filter((b) => !this.queue.some((q) => q.id === b.id));
        const size = rest.reduce((n, b) => n + b.records.length, 0);
        const error = String(err?.message ?? err);
        if (this.queued + size > QUEUE_LIMIT) return { rejected: true, id, error };
        this.queue.push(...rest);
        this.queued += size;
        return { queued: true, id, error, queuedRecords: this.queued };
      }
    }
    return { durable: true, id, seq, duplicate };
  }

  /** Retries queued publishes in order, in the background; stops at the first failure. */
  drain(stub) {
    if (this.draining) return this.draining;
    this.lastDrain = Date.now();
    this.draining = (async () => {
      try {
        while (this.queue.length) {
          const batch = this.queue[0];
          await this.publishTo(stub, batch, this.timeoutMs);
          this.queue.shift();
          this.queued -= batch.records.length;
          this.counters.retried += batch.records.length;
        }
      } catch {
        // Still unreachable: the next request after syncMs tries again.
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  currentCounters() {
    const sum = pickCounters({});
    for (const source of this.sources) {
      const c = pickCounters(source());
      for (const k of Object.keys(sum)) sum[k] += c[k];
    }
    return sum;
  }

  /** Sends the counters' deltas since the last report (bounded; background). */
  report(stub) {
    if (this.reporting) return this.reporting;
    this.lastReport = Date.now();
    this.isolate ??= newId();
    this.reporting = (async () => {
      const current = this.currentCounters();
      const deltas = counterDeltas(current, this.reported);
      if (!deltas) return;
      try {
        await this.call(stub, '/report', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ isolate: this.isolate, location: this.location, deltas }),
        }, this.timeoutMs);
        this.reported = current;
        this.counters.reports++;
      } catch {
        // Kept: the next report carries these deltas too.
      }
    })().finally(() => { this.reporting = null; });
    return this.reporting;
  }

  /** Fleet stats from the log, after this isolate's own report (admin `stats`). */
  async fleet(env) {
    const stub = purgeLog(env);
    if (!stub) return null;
    this.configure(env);
    await this.report(stub);
    return this.call(stub, '/stats', {}, this.timeoutMs);
  }

  /** The plane as this isolate sees it (admin `stats`). */
  status() {
    return {
      proven: this.proven(),
      viewAgeMs: Number.isFinite(this.provenAt) ? Date.now() - this.provenAt : null,
      maxLagMs: this.maxLagMs,
      syncMs: this.syncMs,
      outage: this.failures > 0 ? { since: new Date(this.outageSince).toISOString(), failedPulls: this.failures } : null,
      queuedRecords: this.queued,
      queuedPublishes: this.queue.length,
      isolate: this.isolate,
      location: this.location,
      ...this.counters,
    };
  }
}

/** Purge records (hard, by URL) for the key URLs an unsafe request invalidates. */
export function invalidationRecords(keyUrls, at) {
  const records = [];
  for (const u of keyUrls) {
    const key = readableKey(u);
    if (key) records.push({ kind: 'url', value: keyParts(key).base, soft: false, at });
  }
  return records;
}

/**
 * Adds `detail="purge-view-unproven"` to the Cache-Status of a response
 * that was revalidated because the purge view could not be proven current.
 */
export async function markUnproven(responsePromise) {
  const response = await responsePromise;
  try {
    const status = response.headers.get('cache-status');
    if (status && !status.includes(UNPROVEN_REASON)) {
      const m = /; detail="([^"]*)"/.exec(status);
      response.headers.set('cache-status', m
        ? status.replace(m[0], `; detail="${m[1]} ${UNPROVEN_REASON}"`)
        : `${status}; detail="${UNPROVEN_REASON}"`);
    }
  } catch {
    // Immutable headers: leave them.
  }
  return response;
}

/** The isolate's purge view, shared by the request handler and the data API. */
export const isolatePurges = new PurgeState();
export const isolatePurgeSync = new PurgeSync(isolatePurges, {
  log: (event) => console.log(JSON.stringify({ freshet: 1, ...event })),
});
