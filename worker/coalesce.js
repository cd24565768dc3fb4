// Request coalescing: one origin fetch per key per isolate, every waiter
// served, bodies streamed (docs/performance.md "Thundering herd").
//
// Two parts:
// - `run(key, lead, follow)`: the first request for a key that must go to
//   the origin (a miss, or an entry that must be revalidated) leads; the
//   others arriving while it runs wait for it, then `follow(shared)`.
// - `cache`: wraps the platform cache. Every `put` reads the body into a hub
//   that keeps the entry's chunks while the put is in progress; a `match` for
//   that key meanwhile answers from the hub (chunks so far, then the rest as
//   they arrive), so a follower goes through the ordinary lookup path
//   (freshness, Vary, conditionals, Range) against the entry the leader is
//   storing. The platform gets the body only once it is whole (putWhole).
// Only responses the engine decided to store reach `put`, so nothing that
// is private to one client is ever shared. A follower whose leader stored
// nothing (`shared` false) fetches for itself, in parallel with the others.

import { concat } from './bytes.js';
import { declaredLength, framedBody, recordLength } from './integrity.js';
import { IN_FLIGHT, TIER_HEADER, markTier } from './tier_entry.js';
import { withGeneratedEtag, withoutEtagRequest } from './etag.js';

/** Replay limit per entry: past it, late arrivals read the platform cache. */
export const DEFAULT_REPLAY_LIMIT = 8 * 1024 * 1024;
/** Bodies up to this size are put into the platform cache only once whole. */
export const DEFAULT_BUFFER_LIMIT = 8 * 1024 * 1024;
/**
 * A put whose body brings no byte for this long has failed for its readers:
 * they see an error instead of waiting on it (its source stalled, or the
 * request that reads it was cancelled with its I/O).
 */
export const DEFAULT_IDLE_LIMIT_MS = 30_000;

// workerd flags a request as hung when it waits on a promise that only
// another request can settle and has no I/O of its own pending: a short
// timer, re-armed while waiting, keeps the waiting request alive.
// `stop()`, checked at every tick, ends the wait early (the caller looks
// at the state again).
async function awaitAwake(promise, tick = 25, stop = () => false) {
  let settled = false;
  const p = Promise.resolve(promise).finally(() => {
    settled = true;
  });
  while (!settled) {
    if (stop()) return undefined;
    let timer;
    await Promise.race([p.catch(() => {}), new Promise((r) => (timer = setTimeout(r, tick)))]);
    clearTimeout(timer);
  }
  return p;
}

class Hub {
  constructor(response, limit, idleLimitMs = DEFAULT_IDLE_LIMIT_MS) {
    this.status = response.status;
    this.statusText = response.statusText;
    this.headers = new Headers(response.headers);
    this.chunks = [];
    this.size = 0;
    this.limit = limit;
    this.overflow = false;
    this.done = response.body === null;
    this.failed = null;
    this.idleLimitMs = idleLimitMs;
    this.progressAt = Date.now();
    this.#arm();
  }

  /** True once the body has failed; fails it when no byte came for idleLimitMs. */
  stalled() {
    if (!this.done && !this.failed && Date.now() - this.progressAt > this.idleLimitMs) {
      this.failed = new Error(`body stalled: no byte for ${this.idleLimitMs} ms`);
      this.#notify();
    }
    return this.failed !== null;
  }

  // Waits for the next change, at most until the body stalls.
  #next() {
    return awaitAwake(this.changed, 25, () => this.stalled());
  }

  #arm() {
    this.changed = new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #wake = null;

  #notify() {
    const wake = this.#wake;
    this.#arm();
    wake();
  }

  // Reads the source; every reader pulls the chunks at its own pace.
  async pump(body) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (this.failed) {
          // Stalled meanwhile: its readers have given up on it.
          reader.cancel().catch(() => {});
          return;
        }
        this.progressAt = Date.now();
        this.size += value.byteLength;
        if (this.size > this.limit) this.overflow = true; // no new readers
        this.chunks.push(value);
        this.#notify();
      }
      this.done = true;
    } catch (err) {
      this.failed ??= err ?? new Error('body failed');
    }
    this.#notify();
  }

  /** A response for one more reader, or null once replay is impossible. */
  response() {
    if (this.overflow || this.stalled()) return null;
    const headers = new Headers(this.headers);
    // Served while the leader's origin answer is still arriving: the
    // request is collapsed into that one (RFC 9211 2.6).
    headers.set(TIER_HEADER, IN_FLIGHT);
    const init = { status: this.status, statusText: this.statusText, headers };
    if (this.done && this.size === 0) return markTier(new Response(null, init), IN_FLIGHT);
    // Framed by the declared length: a follower of a body cut short sees an
    // aborted response, like the leader's client (docs/security.md "Integrity").
    return markTier(new Response(framedBody(this.stream(), declaredLength(headers)), init), IN_FLIGHT);
  }

  /** The body from its first byte, as it arrives; errors where the source failed. */
  stream() {
    const hub = this;
    let next = 0;
    return new ReadableStream({
      async pull(controller) {
        while (next >= hub.chunks.length && !hub.done && !hub.failed) await hub.#next();
        if (next < hub.chunks.length) controller.enqueue(hub.chunks[next++]);
        else if (hub.failed) controller.error(hub.failed);
        else controller.close();
      },
    });
  }

  /** Settles once the body is whole, failed, or larger than `limit` bytes. */
  async whole(limit) {
    while (!this.done && !this.failed && this.size <= limit) await this.#next();
  }

  /** The whole body in one buffer (once done). */
  bytes() {
    return concat(this.chunks, this.size);
  }
}

/**
 * @param {() => Cache} getCache the platform cache
 * @param {{ replayLimit?: number }} [options]
 */
export function createCoalescer(getCache, { replayLimit = DEFAULT_REPLAY_LIMIT, bufferLimit = DEFAULT_BUFFER_LIMIT, idleLimitMs = DEFAULT_IDLE_LIMIT_MS } = {}) {
  const flights = new Map(); // key -> { done: settled when the leader is done, stored: it put an entry }
  const hubs = new Map(); // key URL -> Hub of a put in progress
  const stats = { leaders: 0, followers: 0, shared: 0, hubReads: 0, abandonedLeaders: 0 };

  // The platform is handed a body only once it is known whole (docs/security.md
  // "Integrity"): a put of a stream that fails part-way may keep what arrived.
  // Bodies up to `bufferLimit` are put from one buffer, with their length
  // recorded; a larger one is streamed and deleted again if it fails.
  async function putWhole(request, response, hub) {
    const init = { status: response.status, statusText: response.statusText };
    if (response.body === null) return getCache().put(request, response);
    await hub.whole(bufferLimit);
    if (hub.failed) throw hub.failed;
    if (hub.done) {
      const headers = new Headers(response.headers);
      const bytes = hub.bytes();
      recordLength(headers, hub.size);
      headers.delete('content-length');
      await withGeneratedEtag(headers, bytes);
      return getCache().put(request, new Response(bytes, { ...init, headers }));
    }
    const headers = withoutEtagRequest(new Headers(response.headers));
    const declared = declaredLength(headers);
    if (declared !== null) recordLength(headers, declared);
    const put = await getCache().put(request, new Response(hub.stream(), { ...init, headers }));
    if (hub.failed) {
      await getCache().delete(request).catch(() => false);
      throw hub.failed;
    }
    return put;
  }

  const cache = {
    // `request`: a Request or a URL string, as the Cache API takes.
    // Not async: a hit costs no extra promise on top of the platform's.
    match(request, options) {
      const hub = hubs.get(typeof request === 'string' ? request : request.url);
      if (hub) {
        const resp = hub.response();
        if (resp) {
          stats.hubReads++;
          return Promise.resolve(resp);
        }
      }
      try {
        return getCache().match(request, options);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    put(request, response) {
      const url = request.url;
      const flight = flights.get(url);
      if (flight) flight.stored = true;
      const hub = new Hub(response, replayLimit, idleLimitMs);
      if (response.body) hub.pump(response.body);
      hubs.set(url, hub);
      const done = () => {
        if (hubs.get(url) === hub) hubs.delete(url);
      };
      return putWhole(request, response, hub).finally(done);
    },
    /** True while a put for `url` is in progress: its hub is newer than any other copy. */
    storing(url) {
      return hubs.has(url);
    },
    delete(request, options) {
      hubs.delete(typeof request === 'string' ? request : request.url);
      return getCache().delete(request, options);
    },
  };

  /**
   * Runs `lead()` for the first caller of `key`; a caller arriving while a
   * leader runs waits for it, then returns `follow(shared)`, where `shared`
   * says whether the leader's entry can be read (it started a put).
   * A follower waits at most `maxWaitMs` (the longest a leader can take to
   * answer): past it the leader is abandoned, the key gets a new one, and
   * the follower returns `follow(false)`.
   */
  async function run(key, lead, follow, { maxWaitMs = Infinity } = {}) {
    const flight = flights.get(key);
    if (flight) {
      stats.followers++;
      const deadline = Date.now() + maxWaitMs;
      let settled = false;
      flight.done.then(() => {
        settled = true;
      });
      await awaitAwake(flight.done, 25, () => Date.now() > deadline);
      if (!settled) {
        // The leader outlived every bound it has (its request was cancelled
        // with its I/O, for one): the key gets a new leader, this request
        // fetches for itself.
        stats.abandonedLeaders++;
        if (flights.get(key) === flight) flights.delete(key);
        return follow(false);
      }
      const hub = hubs.get(key);
      const shared = hub ? !hub.overflow && !hub.failed : flight.stored;
      if (shared) stats.shared++;
      return follow(shared);
    }
    stats.leaders++;
    let release;
    const done = new Promise((resolve) => {
      release = resolve;
    });
    const entry = { done, stored: false };
    flights.set(key, entry);
    try {
      return await lead();
    } finally {
      if (flights.get(key) === entry) flights.delete(key);
      release();
    }
  }

  return { cache, run, stats, inFlight: () => flights.size };
}
