// The request handler: asks the engine, then carries its decisions out
// against the platform Cache API, the origin and ctx.waitUntil
// (docs/architecture.md). Fails open: if the engine or the cache fails, the
// request goes to the origin untouched.
//
// This file is the wiring and the decision of each request (handle); the
// work is done by the modules it passes its Services to: engine_slot.js
// (the engine), storage.js (the tiers), variants.js (lookups), serve.js
// (answers from an entry), refresh.js (origin fetches and stores),
// origin.js (origin and shield requests), pass.js (pass-through).

import { HitForPass } from './hit_for_pass.js';
import { CONTROL_HEADER, createAdmin } from './admin.js';
import { UNPROVEN_REASON, isolatePurgeSync, isolatePurges, markUnproven } from './purge_sync.js';
import { keyOnBody } from './request_body.js';
import { LookupAction, RequestAction } from './abi.js';
import { requestRecordOf } from './engine.js';
import { TEST_SETTLE_HEADER, TAGS_HEADER, isServerTimed, serverTiming } from './response_headers.js';
import { createCoalescer } from './coalesce.js';
import { SHIELD_FLOORS_HEADER, SHIELD_HEADER, withForwardedFloors } from './shield.js';
import { createLog } from './log.js';
import { newStats } from './stats.js';
import { createEngineSlot } from './engine_slot.js';
import { NO_PLATFORM_CACHE, createStorage } from './storage.js';
import { createOrigin } from './origin.js';
import { pass } from './pass.js';
import { hasAnswerField, onlyIfCached, serveStored } from './serve.js';
import { foundEntry, lookupEntry } from './variants.js';
import { coalesced, refresh, revalidateInBackground } from './refresh.js';
import { Control, Mode, RequestContext, clock } from './request_context.js';

/**
 * The keyParts hook's answer ({ name: value }, names [a-z0-9-]{1,32}) as
 * ":key-part" pseudo-fields [name, value, ...], sorted by name; the engine
 * checks them (a malformed one bypasses, "bad-key-part").
 */
function keyPartFields(parts) {
  const out = [];
  for (const name of Object.keys(parts).sort()) {
    const value = parts[name];
    if (value === undefined || value === null) continue;
    out.push(':key-part', `${name}=${String(value).replace(/\0/g, '')}`);
  }
  return out;
}

// Server-Timing (W3C): how long freshet took end to end, and what it did.
// An answer from a stored entry carries it already (serve.js).
// serveStored's Cache-Status parameters beyond hit and TTL (shared, never changed).
const NO_EXTRA = Object.freeze({});
const COLLAPSED = Object.freeze({ collapsed: true });

// `started`: Date.now() when the worker took the request; the clock is read
// again only for an answer that has no Server-Timing yet.
function withServerTiming(response, started) {
  if (isServerTimed(response)) return response;
  try {
    // Without x-cache ("clientHeaders"), a member without desc.
    const what = response.headers.get('x-cache') ?? '';
    response.headers.append('server-timing', serverTiming(Date.now() - started, what));
  } catch {
    // Immutable headers (a response passed through untouched): leave them.
  }
  return response;
}

// Local development, "dev": "mark": an extension parameter on this cache's
// Cache-Status member (RFC 9211 2.8) says the answer came from a
// development worker.
function markDev(response) {
  try {
    const status = response.headers.get('cache-status');
    if (status !== null) response.headers.set('cache-status', `${status}; dev`);
  } catch {
    // Immutable headers (a response passed through untouched): leave them.
  }
}

// What a location asks of its shield travels in SHIELD_HEADER.
function shieldControl(request) {
  const ask = request.headers.get(SHIELD_HEADER);
  return { request, mode: ask === Control.REFRESH ? Control.REFRESH : ask === Control.REVALIDATE ? Control.REVALIDATE : null };
}

// The execution context the handler's modules are given: background work
// is tracked in `pending` (awaited by TEST_SETTLE_HEADER) and handed to the
// platform's context. One object per request, its method on the prototype.
class TrackedContext {
  constructor(ctx, pending) {
    this.platform = ctx;
    this.pending = pending;
  }

  waitUntil(p) {
    const tracked = Promise.resolve(p).catch(() => {});
    const pending = this.pending;
    pending.add(tracked);
    tracked.finally(() => pending.delete(tracked));
    if (this.platform?.waitUntil) this.platform.waitUntil(tracked);
  }
}

/**
 * Creates a freshet request handler.
 *
 * @param {object} options
 * @param {WebAssembly.Module} options.wasm compiled freshet.wasm
 * @param {string|object} options.manifest the bundled manifest (env.FRESHET_MANIFEST overrides it)
 * @param {string|((request: Request, env: object) => Promise<Response>)} [options.origin]
 *   base URL of the origin, or a function that answers origin requests; default: env.ORIGIN,
 *   else the request's own URL (the zone's origin on Cloudflare)
 * @param {(request: Request, env: object) => object|Promise<object>} [options.keyParts] extra key dimensions (docs/library.md)
 * @param {() => Cache} [options.cache] the platform cache (default caches.default)
 * @param {(event: object) => void} [options.log] structured log sink (default console.log JSON)
 * @param {boolean} [options.shieldNode] this handler runs in the shield (shield_node.js)
 * @param {object} [options.purges] the purge state (default the isolate's)
 * @param {object} [options.purgeSync] the purge plane (default the isolate's)
 * @returns {{ fetch(request: Request, env?: object, ctx?: ExecutionContext): Promise<Response>, scheduled: Function, stats: object, purges: object }}
 */
export function createHandler(options) {
  const shieldNode = !!options.shieldNode;
  // Misses and revalidations of one key share one origin fetch (worker/coalesce.js).
  // The shield (shield_node.js) keeps no platform cache of its own: its
  // coalescing hub covers entries being stored, memory and the global tier
  // hold them.
  const coalescer = createCoalescer(shieldNode ? () => NO_PLATFORM_CACHE : options.cache ?? (() => caches.default));
  const hitForPass = new HitForPass();
  const bodyReplacements = new WeakMap(); // original request -> request carrying its read body
  const debugRequests = new WeakSet(); // requests whose authenticated caller asked for debug headers
  const log = createLog(options.log);
  const stats = newStats();
  const engines = createEngineSlot({ wasm: options.wasm, manifest: options.manifest, stats, log });
  // Purges: this isolate's view, kept in step with the purge log (purge.js).
  const purges = options.purges ?? isolatePurges;
  const purgeSync = options.purgeSync ?? isolatePurgeSync;
  // Fleet stats: this handler's counters travel to the purge log (purge_sync.js).
  purgeSync.addCounterSource(() => ({ ...stats, coalescedWaits: coalescer.stats.followers }));
  const storage = createStorage({ getCache: () => coalescer.cache, shieldNode, engine: engines.current, stats, log });
  const pending = new Set(); // background work, awaited by x-freshet-test-settle

  /** @type {import('./request_context.js').Services} */
  const s = {
    shieldNode,
    stats,
    log,
    engines,
    storage,
    origin: createOrigin({ origin: options.origin, shieldNode, stats, log }),
    hitForPass,
    coalescer,
    revalidations: new Map(),
    purges,
    purgeSync,
    handle,
  };

  // `collapsed`: this request waited for another one that just stored the
  // entry (coalescing); it is served that entry even where the route
  // revalidates on every use (ttl 0), which is how a burst is absorbed.
  // `headers`: request.headers, when the caller read it already (each read
  // of a Request's property is a runtime call).
  async function handle(request, env, ctx, control = null, collapsed = false, started = null, headers = request.headers) {
    stats.requests++;
    const debug = debugRequests.has(request);
    const now = clock(request, env);
    if (control === Control.BYPASS) return pass(s, request, env, 'BYPASS', 'control-bypass');
    const eng = engines.get(env);
    if (!eng) return pass(s, request, env, 'BYPASS', engines.problem() ?? 'engine-error');

    // The keyParts hook of a worker that uses freshet as a library: extra
    // key dimensions, decided by the engine like any other (docs/library.md).
    let parts = null;
    if (options.keyParts) {
      try {
        parts = await options.keyParts(request, env);
      } catch (err) {
        log.once('key-parts', { event: 'key-parts-error', message: String(err?.message ?? err) });
        return pass(s, request, env, 'BYPASS', 'key-parts-error');
      }
    }
    let record;
    let rd;
    let plain;
    try {
      // The request record reads the fields the engine needs from the
      // request's Headers (engine.js requestRecordOf), not the whole list.
      const method = request.method;
      record = requestRecordOf(method, request.url, headers, parts ? keyPartFields(parts) : undefined, request.body === null);
      rd = eng.cachedRequest(record);
      // Whether a stored entry answers the request as stored (serve.js).
      plain = method === 'GET' && !hasAnswerField(record);
      // POST routes key on the body: read it (bounded), ask again.
      if (rd.needsBody) {
        const original = request;
        ({ request, record, rd } = await keyOnBody(eng, request, record.list, rd));
        // The original body is read now: a fail-open retry uses this copy.
        bodyReplacements.set(original, request);
      }
    } catch (err) {
      engines.failed(err);
      return pass(s, request, env, 'BYPASS', 'engine-error');
    }
    if (debug && !rd.debug) rd = rd.withDebug();
    if (rd.action === RequestAction.PASS) {
      return pass(s, request, env, rd.reason === 'disabled' ? 'DISABLED' : 'BYPASS', rd.reason, rd.debug);
    }
    if (rd.action === RequestAction.BYPASS) return pass(s, request, env, 'BYPASS', rd.reason, rd.debug, eng, record, rd.route, ctx, rd.originTimeoutMs);

    if (control === Control.REFRESH) {
      // An authenticated caller asked for a fresh copy: skip the lookup.
      return refresh(s, new RequestContext({ request, env, ctx, rd, record, eng, now, mode: Mode.REFRESH }));
    }
    // Never waits on the purge log for more than FRESHET_PURGE_WAIT_MS;
    // entries stored before `unproven` are revalidated (purge_sync.js).
    // The request's time for the purge log's view and the lookup, read once.
    const nowMs = now();
    let unproven = purgeSync.view(env, ctx, nowMs, request);
    if (typeof unproven !== 'number') unproven = await unproven;
    let found;
    try {
      // The match awaited here, not in lookupEntry: a hit costs one
      // promise less (foundEntry answers at once for most copies).
      const cache = s.storage.cacheFor(rd, env, ctx);
      found = foundEntry(s, rd, record, eng, env, ctx, cache, await cache.match(rd.keyUrl));
      if (found instanceof Promise) found = await found;
    } catch (err) {
      stats.cacheErrors++;
      log.once('cache-match', { event: 'cache-error', message: String(err?.message ?? err) });
      found = { stored: undefined, entryUrl: rd.keyUrl, vary: null };
    }
    const { stored, entryUrl, vary } = found;
    return answerFound(new RequestContext({ request, env, ctx, rd, record, eng, now, entryUrl, vary, plain, started }), stored, control, collapsed, unproven, nowMs);
  }

  // The answer once the lookup found `stored` (or nothing): a hit, a stale
  // hit with its background revalidation, or the origin. Not async (the
  // only await of a plain hit is handle's match), so handle's frame, which
  // every request allocates, holds none of this.
  function answerFound(c, stored, control, collapsed, unproven, nowMs) {
    const { request, env, rd, record, eng } = c;
    if (!stored) {
      stats.misses++;
      return onlyIfCached(c) ?? coalesced(s, c.with({ mode: Mode.MISS }));
    }
    let ld;
    let floors;
    try {
      // Without URL, prefix or tag purges the entry's key and tags are not
      // needed (the readable key is decoded only when asked for).
      floors = purges.onlyAll()
        ? purges.floors('')
        : purges.floors(rd.key, (stored.field(TAGS_HEADER) ?? '').split(',').filter(Boolean));
      floors.unproven = unproven;
      // In the shield, the floors a location sent count as its own
      // (shield.js SHIELD_FLOORS_HEADER).
      if (shieldNode) floors = withForwardedFloors(floors, request.headers.get(SHIELD_FLOORS_HEADER));
      ld = eng.cachedLookup(rd, record, stored.engineMeta(), nowMs, floors);
    } catch (err) {
      stored.body?.cancel().catch(() => {});
      engines.failed(err);
      return pass(s, request, env, 'BYPASS', 'engine-error');
    }
    if (ld.action === LookupAction.MISS) {
      // A hard purge covers the entry: it is gone.
      stats.misses++;
      stored.body?.cancel().catch(() => {});
      return onlyIfCached(c) ?? coalesced(s, c.with({ mode: Mode.MISS, floors }));
    }
    if (ld.action === LookupAction.HIT) {
      stats.hits++;
      return serveStored(s, c, stored, ld, 'HIT', collapsed ? COLLAPSED : NO_EXTRA);
    }
    if (collapsed && ld.reason !== 'purged') {
      stats.hits++;
      stats.collapsed++;
      return serveStored(s, c, stored, ld, 'HIT', COLLAPSED);
    }
    // A location revalidating through the shield waits for a fresh answer
    // (coalesced: one origin revalidation for every location at once).
    if (ld.action === LookupAction.STALE && control !== Control.REVALIDATE) {
      stats.staleHits++;
      // Serve now; the clone keeps the stored copy for the revalidation's
      // stale-if-error fallback and its 304 body.
      revalidateInBackground(s, c.with({ stored: stored.clone(), ld, floors }));
      return serveStored(s, c, stored, ld, 'STALE', { detail: ld.reason });
    }
    stats.expired++;
    const unavailable = onlyIfCached(c);
    if (unavailable) {
      stored.body?.cancel().catch(() => {});
      return unavailable;
    }
    const expired = c.with({ stored, ld, mode: Mode.EXPIRED, floors });
    if (ld.reason !== UNPROVEN_REASON) return coalesced(s, expired);
    stats.unprovenRevalidations++;
    return markUnproven(coalesced(s, expired));
  }

  const admin = createAdmin({
    getEngine: engines.get,
    stats,
    purges,
    sync: purgeSync,
    clock,
    lookupEntry: (rd, record, eng, env, ctx) => lookupEntry(s, rd, record, eng, env, ctx),
    fetchThrough: (req, env, ctx) => api.fetch(req, env, ctx),
    memoryStats: () => storage.memory.stats(),
    coalescingStats: () => ({ ...coalescer.stats, inFlight: coalescer.inFlight(), hitForPassKeys: hitForPass.size }),
  });

  // "mark" | "off" | "cache" under local development (env FRESHET_DEV=1,
  // set by npm start), else null; read once per engine.
  const devModes = new WeakMap();
  function devMode(env) {
    if (env?.FRESHET_DEV !== '1') return null;
    const eng = engines.get(env);
    if (!eng) return null;
    let dev = devModes.get(eng);
    if (dev === undefined) {
      dev = eng.manifestInfo().dev ?? 'mark';
      devModes.set(eng, dev);
    }
    return dev;
  }

  // The admin route's answer, a request control's 401, or { request, mode,
  // debug }; without a control header null at once (no object, no promise).
  function adminOrControl(request, env, context, headers) {
    if (admin.matches(request, env)) return admin.handle(request, env, context);
    if (!headers.has(CONTROL_HEADER)) return null;
    return admin.control(request, env);
  }

  const api = {
    stats,
    purges,
    /** Cron: keeps the manifest's `warm` URLs in the cache (docs/admin.md). */
    async scheduled(event, env = {}, ctx = undefined) {
      let urls = [];
      try {
        urls = JSON.parse(engines.manifestText(env)).warm ?? [];
      } catch {
        urls = [];
      }
      if (!engines.get(env) || !Array.isArray(urls) || urls.length === 0) return [];
      const results = await admin.warmUrls(urls.slice(0, 100), env, ctx);
      log.log({ event: 'warm', cron: event?.cron, results });
      return results;
    },
    /** The Workers fetch handler. */
    async fetch(request, env = {}, ctx = undefined) {
      const context = new TrackedContext(ctx, pending);
      // Test mode only: let background work finish before this request.
      if (env?.FRESHET_TEST_MODE === '1' && request.headers.has(TEST_SETTLE_HEADER)) {
        while (pending.size) await Promise.all([...pending]);
        if (request.headers.get(TEST_SETTLE_HEADER) === 'only') {
          return new Response(null, { status: 204 });
        }
      }
      try {
        // The shield (shield_node.js) has no admin route and no request
        // controls; what a location asks of it travels in SHIELD_HEADER.
        const headers = request.headers;
        let control = shieldNode ? shieldControl(request) : adminOrControl(request, env, context, headers);
        if (control instanceof Promise) control = await control;
        if (control instanceof Response) return control;
        // Date.now() for freshet's Server-Timing member; null where the
        // manifest's "clientHeaders" turned it off (or no engine loads:
        // then on, as by default).
        const started = engines.get(env)?.serverTimingHeader === false ? null : Date.now();
        // Local development (FRESHET_DEV=1): the manifest's "dev" says what caching does.
        const dev = shieldNode ? null : devMode(env);
        // null: nothing asked, the request as it came.
        const taken = control === null ? request : control.request;
        // An authenticated caller may ask for the debug headers in any mode.
        if (control?.debug || dev === 'mark') debugRequests.add(taken);
        const response = dev === 'off'
          ? await pass(s, taken, env, 'DISABLED', 'dev')
          : await handle(taken, env, context, control === null ? null : control.mode, false, started, control === null ? headers : taken.headers);
        if (dev === 'mark') markDev(response);
        return started === null ? response : withServerTiming(response, started);
      } catch (err) {
        // Fail open: nothing in freshet may be why a user gets an error.
        stats.engineErrors++;
        log.once(`handler:${err?.message}`, { event: 'handler-error', message: String(err?.message ?? err), stack: err?.stack });
        // A body freshet already read (POST keys) travels in its replacement.
        const retry = bodyReplacements.get(request) ?? request;
        return s.origin.fetch(s.origin.request(retry.bodyUsed ? request : retry, env), env);
      }
    },
  };
  return api;
}
