// What one request carries through the handler's modules (a RequestContext),
// why the origin is asked (Mode), and what a caller asked for (Control).

import { TEST_NOW_HEADER } from './response_headers.js';

/**
 * Why a request goes to the origin through refresh.js (the context's
 * `mode`), and what the client's answer then says.
 */
export const Mode = Object.freeze({
  /**
   * Nothing usable is stored (no entry, no variant for this request, or a
   * hard purge covers it). x-cache MISS; Cache-Status `fwd=uri-miss`, or
   * `fwd=vary-miss` when the URI has variants but none for this request.
   */
  MISS: 'miss',
  /**
   * An entry is stored but may not be used without asking the origin
   * (expired, no-cache, soft-purged, unproven purge view): a conditional
   * request when it has validators. x-cache REVALIDATED on a 304
   * (`fwd=stale; fwd-status=304`), STALE when the origin fails and
   * stale-if-error allows it, else EXPIRED (`fwd=stale`).
   */
  EXPIRED: 'expired',
  /**
   * The revalidation after a stale hit (stale-while-revalidate), in
   * ctx.waitUntil: the client already has its STALE answer, so no response
   * is built (refresh() returns null) and no hit-for-pass mark is set.
   */
  BACKGROUND: 'background',
  /**
   * An authenticated caller's `freshet-control: refresh` (docs/admin.md), or
   * a location asking its shield with `refresh`: the lookup is skipped and
   * the origin's answer replaces what is stored. x-cache REFRESH;
   * Cache-Status `fwd=uri-miss`.
   */
  REFRESH: 'refresh',
});

/**
 * What a caller asked of a request (admin.js control(), or the header a
 * location sends its shield): null when nothing.
 */
export const Control = Object.freeze({
  /** Decide as an anonymous visitor would (admin.js has already stripped credentials). */
  USE: 'use',
  /** Straight to the origin, untouched but for Cache-Status (x-cache BYPASS). */
  BYPASS: 'bypass',
  /** Skip the lookup: Mode.REFRESH. */
  REFRESH: 'refresh',
  /** Shield only: a stale entry is revalidated before the answer, never served stale. */
  REVALIDATE: 'revalidate',
});

/**
 * The x-cache value of the client's answer after an origin fetch in `mode`
 * (null for Mode.BACKGROUND: there is no client answer).
 * @param {string} mode a Mode
 * @returns {string|null}
 */
export function fetchedXCache(mode) {
  if (mode === Mode.EXPIRED) return 'EXPIRED';
  if (mode === Mode.REFRESH) return 'REFRESH';
  if (mode === Mode.BACKGROUND) return null;
  return 'MISS';
}

/**
 * The Cache-Status `fwd` parameter (RFC 9211 2.2) of an answer fetched from
 * the origin in `mode`: "stale" for a stored entry being revalidated,
 * "vary-miss" when the URI has stored variants but none for this request.
 * @param {string} mode a Mode
 * @param {{names: string, generation: string}|null} vary the variant marker found
 */
export function fetchedFwd(mode, vary) {
  if (mode === Mode.EXPIRED) return 'stale';
  return vary ? 'vary-miss' : 'uri-miss';
}

/**
 * The request's clock in ms: Date.now, or with FRESHET_TEST_MODE=1 the
 * time a test set in TEST_NOW_HEADER.
 * @returns {() => number}
 */
export function clock(request, env) {
  if (env?.FRESHET_TEST_MODE === '1') {
    const t = Number(request.headers.get(TEST_NOW_HEADER));
    if (Number.isFinite(t) && t > 0) return () => t;
  }
  return systemNow;
}

// The clock outside test mode: one function for every request.
const systemNow = () => Date.now();

/**
 * One request on its way through lookup, serve and refresh. Made by
 * handler.js once the engine decided to look the request up; each stage
 * that changes what it carries makes a copy with with().
 */
export class RequestContext {
  /**
   * @param {object} f
   * @param {Request} f.request the client's request (for a POST keyed on its body: the copy carrying the read body)
   * @param {object} f.env the worker's bindings
   * @param {{waitUntil(p: Promise<unknown>): void}} f.ctx the handler's execution context (tracks background work)
   * @param {object} f.rd the engine's request decision (engine.js RequestDecision: route, keyUrl, key, tiers, ...)
   * @param {string} f.record the request record (engine.js requestRecord) every engine call of this request takes
   * @param {import('./engine.js').Engine} f.eng the engine that decided rd
   * @param {() => number} f.now the request's clock in ms (clock())
   * @param {string} [f.entryUrl] where the entry lives: rd.keyUrl, or a variant's URL (variants.js)
   * @param {{names: string, generation: string}|null} [f.vary] the variant marker at the key URL, if any
   * @param {Response} [f.stored] the stored entry (variants.js checkedEntry), absent on a miss
   * @param {object} [f.ld] the engine's lookup decision for `stored` (engine.js lookup)
   * @param {string|null} [f.mode] a Mode, once the request goes to the origin
   * @param {string} [f.shieldStatus] the shield's Cache-Status member, when the shield answered
   * @param {number|null} [f.shieldFetched] when the shield's answer left the origin (ms), when it said (shield.js SHIELD_FETCHED_HEADER)
   * @param {{hard: number, soft: number, unproven?: number}} [f.floors] the purge floors of the lookup that sent this request on (sent to a shield)
   * @param {boolean} [f.plain] a GET without preconditions or Range: a stored entry answers it as stored (serve.js)
   * @param {number|null} [f.started] Date.now() when the worker took the request (Server-Timing), null when unknown
   */
  constructor(f) {
    this.request = f.request;
    this.env = f.env;
    this.ctx = f.ctx;
    this.rd = f.rd;
    this.record = f.record;
    this.eng = f.eng;
    this.now = f.now;
    this.entryUrl = f.entryUrl ?? f.rd?.keyUrl;
    this.vary = f.vary ?? null;
    this.stored = f.stored;
    this.ld = f.ld;
    this.mode = f.mode ?? null;
    this.shieldStatus = f.shieldStatus;
    this.shieldFetched = f.shieldFetched ?? null;
    this.floors = f.floors;
    this.plain = f.plain === true;
    this.started = f.started ?? null;
  }

  /** A copy with some fields changed. */
  with(changes) {
    return new RequestContext({ ...this, ...changes });
  }
}

/**
 * What one handler (createHandler) shares with its modules; each of their
 * functions takes it as its first argument.
 * @typedef {object} Services
 * @property {boolean} shieldNode the handler runs in the shield (shield_node.js)
 * @property {import('./stats.js').Stats} stats the handler's counters
 * @property {import('./log.js').Log} log
 * @property {import('./engine_slot.js').EngineSlot} engines the engine in force
 * @property {import('./storage.js').Storage} storage the tiers of a route
 * @property {import('./origin.js').Origin} origin origin and shield fetches
 * @property {import('./hit_for_pass.js').HitForPass} hitForPass keys whose last answer was not storable
 * @property {object} coalescer one origin fetch per key (coalesce.js)
 * @property {Map<string, Promise<unknown>>} revalidations entry URL -> its background revalidation
 * @property {object} purges this isolate's purge state (purge.js)
 * @property {object} purgeSync the purge plane (purge_sync.js)
 * @property {(request: Request, env: object, ctx: object, control: string|null, collapsed: boolean, started: number|null) => Promise<Response>} handle
 *   the handler's own entry point (a coalesced follower is handled again)
 */
