// The request handler: asks the engine, then carries its decisions out
// against the platform Cache API, the origin and ctx.waitUntil
// (docs/architecture.md). Fails open: if the engine or the cache fails, the
// request goes to the origin untouched.

import { HitForPass } from './hit_for_pass.js';
import { finalResponse } from './interim.js';
import { OriginTimeout, fetchWithTimeout } from './timeout.js';
import { GlobalTier, IN_FLIGHT, MemoryTier, TIER_HEADER, TieredCache } from './tiers.js';
import { createAdmin } from './admin.js';
import { UNPROVEN_REASON, isolatePurgeSync, isolatePurges, invalidationRecords, markUnproven } from './purge_sync.js';
import { applyForwardingRule, forwardingRule, routeRules } from './forwarding.js';
import { keyOnBody } from './request_body.js';
import { ConditionalAction, InvalidationAction, LookupAction, MissAction, RequestAction, StoreAction, Tier, VaryAction } from './abi.js';
import { Engine, ManifestError, requestRecord, headerList } from './engine.js';
import {
  TEST_NOW_HEADER,
  TEST_SETTLE_HEADER,
  VARY_GEN_HEADER,
  VARY_HEADER,
  cacheStatus,
  clientHeaders,
  dropHopByHop,
  headersForStorage,
  mergeNotModified,
  notModifiedHeaders,
  omitFields,
  keepSetCookies,
  storableEntry,
  storedEntry,
  storedOriginHeaders,
  varyMarkerHeaders,
  META_HEADER,
  TAGS_HEADER,
} from './response_headers.js';
import { rangeResponse } from './range.js';
import { variantUrl } from './keys.js';
import { createCoalescer } from './coalesce.js';
import { checkedBody, declaredLength, framedBody, intactEntry } from './integrity.js';
import { ETAG_FLAG, generatedEtag } from './etag.js';
import { SHIELD_HEADER, SHIELD_SHARD_HEADER, ShieldUnavailable, fetchViaShield, shieldBinding } from './shield.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const REPLAY_BODY_LIMIT = 65536; // bytes of a PUT/DELETE body kept to retry it

// Edge Architecture Specification 1.0: freshet announces itself to the
// origin, which may then target Surrogate-Control directives at it
// ("max-age=60;freshet").
const SURROGATE_CAPABILITY = 'freshet="Surrogate/1.0"';

// Variant markers live at least this long (seconds): an outlived marker only
// costs a variant miss.
const MARKER_MIN_TTL = 86400;


const PRECONDITIONS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since'];

// A platform cache that keeps nothing (the shield's, see createHandler).
const NO_PLATFORM_CACHE = Object.freeze({
  match: async () => undefined,
  put: async (request, response) => {
    await response.body?.cancel();
  },
  delete: async () => false,
});

function hasPrecondition(headers) {
  for (const h of PRECONDITIONS) if (headers.has(h)) return true;
  return false;
}

/** The deployment stores responses with Set-Cookie (FRESHET_STORE_SET_COOKIE=1). */
function storesSetCookie(env) {
  return env?.FRESHET_STORE_SET_COOKIE === '1';
}

/**
 * Appends the keyParts hook's answer ({ name: value }, names [a-z0-9-]{1,32})
 * to a request list as ":key-part" pseudo-fields, sorted by name; the engine
 * checks them (a malformed one bypasses, "bad-key-part").
 */
function appendKeyParts(list, parts) {
  for (const name of Object.keys(parts).sort()) {
    const value = parts[name];
    if (value === undefined || value === null) continue;
    list.push(':key-part', `${name}=${String(value).replace(/\0/g, '')}`);
  }
}

/** True when the engine's comma-separated omit list names `field`. */
function omitted(list, field) {
  return !!list && list.split(',').includes(field);
}

/** The route's "cdnCacheControl": "remove" (RFC 9213: passed on by default). */
function removesCdnCacheControl(eng, route) {
  return !!eng && route >= 0 && routeRules(eng, route).cdnCacheControl === 'remove';
}

function newGeneration() {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function newStats() {
  return {
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
    shieldFetches: 0,
    shieldFallbacks: 0,
  };
}

function bump(map, key) {
  map[key] = (map[key] ?? 0) + 1;
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
 * @param {() => Cache} [options.cache] the platform cache (default caches.default)
 * @param {(event: object) => void} [options.log] structured log sink (default console.log JSON)
 * @returns {{ fetch(request: Request, env?: object, ctx?: ExecutionContext): Promise<Response>, stats: object }}
 */
// Server-Timing (W3C): how long freshet took end to end, and what it did.
function withServerTiming(response, ms) {
  try {
    const what = response.headers.get('x-cache') ?? '';
    response.headers.append('server-timing', `freshet;dur=${ms};desc="${what}"`);
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

export function createHandler(options) {
  const { wasm } = options;
  // Misses and revalidations of one key share one origin fetch (worker/coalesce.js).
  // The shield (shield_node.js) keeps no platform cache of its own: its
  // coalescing hub covers entries being stored, memory and the global tier
  // hold them.
  const coalescer = createCoalescer(options.shieldNode ? () => NO_PLATFORM_CACHE : options.cache ?? (() => caches.default));
  const hitForPass = new HitForPass();
  const bodyReplacements = new WeakMap(); // original request -> request carrying its read body
  const debugRequests = new WeakSet(); // requests whose authenticated caller asked for debug headers
  const getCache = () => coalescer.cache;
  const log = options.log ?? ((event) => console.log(JSON.stringify({ freshet: 1, ...event })));
  const stats = newStats();
  const revalidations = new Map(); // key -> promise: one background revalidation per key
  let engine = null;
  let engineText = null;
  let engineProblem = null; // why there is no engine for engineText
  const loggedOnce = new Set();
  // Purges: this isolate's view, kept in step with the purge log (purge.js).
  const purges = options.purges ?? isolatePurges;
  const purgeSync = options.purgeSync ?? isolatePurgeSync;
  // Fleet stats: this handler's counters travel to the purge log (purge_sync.js).
  purgeSync.addCounterSource(() => ({ ...stats, coalescedWaits: coalescer.stats.followers }));
  // Storage tiers (tiers.js): the isolate's memory tier, capped by the manifest.
  const memory = new MemoryTier();
  let memoryConfiguredFor = null;

  // The cache of a route: the platform Cache API, or the tiers it names.
  // In the shield (shield_node.js) entries live in the object's memory and
  // the global tier, whatever the route's storage says; the "cache" tier is
  // only the coalescing hub over NO_PLATFORM_CACHE.
  const SHIELD_TIERS = Tier.MEMORY | Tier.CACHE | Tier.GLOBAL;

  function cacheFor(rd, env, ctx) {
    const tiers = options.shieldNode ? SHIELD_TIERS : rd?.tiers;
    if (!rd || tiers === Tier.CACHE) return getCache();
    if (engine && memoryConfiguredFor !== engine) {
      memory.configure(engine.manifestInfo().memory);
      memoryConfiguredFor = engine;
    }
    const waitUntil = (p) => (ctx?.waitUntil ? ctx.waitUntil(p) : Promise.resolve(p).catch(() => {}));
    return new TieredCache({ cache: getCache(), memory, global: GlobalTier.from(env), tiers, waitUntil, onDamaged: entryDamaged });
  }

  // A stored copy whose body is not the length recorded when it was stored
  // (docs/security.md "Integrity"): dropped where it was found and counted.
  function entryDamaged(url) {
    stats.damagedEntries++;
    logOnce('entry-damaged', { event: 'entry-damaged', key: url });
  }

  // Removes an entry from every tier it may be in.
  function deleteEverywhere(url, env) {
    const tiers = Tier.MEMORY | Tier.CACHE | Tier.GLOBAL;
    const all = new TieredCache({ cache: getCache(), memory, global: GlobalTier.from(env), tiers, waitUntil: () => {} });
    return all.delete(new Request(url)).catch(() => false);
  }

  function logOnce(kind, event) {
    if (loggedOnce.has(kind)) return;
    loggedOnce.add(kind);
    log(event);
  }

  function manifestText(env) {
    const m = env?.FRESHET_MANIFEST ?? options.manifest;
    return typeof m === 'string' ? m : JSON.stringify(m);
  }

  let manifestRef; // the manifest value the engine was made from
  function getEngine(env) {
    // The same binding or bundled value as last time: no need to compare
    // (or stringify) the manifest on every request.
    const ref = env?.FRESHET_MANIFEST ?? options.manifest;
    if (ref === manifestRef && engineText !== null) return engine;
    const text = manifestText(env);
    manifestRef = ref;
    if (text === engineText) return engine;
    engineText = text;
    engine = null;
    engineProblem = null;
    try {
      engine = new Engine(wasm, text);
      // FRESHET_STORE_SET_COOKIE=1: store responses with Set-Cookie, as a
      // classic RFC 9111 proxy may (docs/conformance.md). Off by default.
      if (storesSetCookie(env)) engine.setOptions({ storeSetCookie: true });
    } catch (err) {
      stats.engineErrors++;
      engineProblem = err instanceof ManifestError ? 'invalid-manifest' : 'engine-error';
      logOnce(`load:${text.length}:${engineProblem}`, {
        event: engineProblem,
        message: err.message,
        diagnostics: err.diagnostics,
      });
    }
    return engine;
  }

  // A trap leaves the instance in an unknown state: drop it, the next
  // request instantiates afresh.
  function engineFailed(err) {
    stats.engineErrors++;
    engine = null;
    engineText = null;
    logOnce(`trap:${err?.message}`, { event: 'engine-error', message: String(err?.message ?? err) });
  }

  const pending = new Set(); // background work, awaited by x-freshet-test-settle

  function clock(request, env) {
    if (env?.FRESHET_TEST_MODE === '1') {
      const t = Number(request.headers.get(TEST_NOW_HEADER));
      if (Number.isFinite(t) && t > 0) return () => t;
    }
    return () => Date.now();
  }

  function originRequest(request, env, { method, extraHeaders, dropConditionals, forward, signal, shield } = {}) {
    const headers = new Headers(request.headers);
    // Cacheable routes: only keyed headers and the safe list (forwarding.js).
    if (forward) applyForwardingRule(headers, forward);
    headers.delete(TEST_NOW_HEADER);
    headers.delete(TEST_SETTLE_HEADER);
    // The shield keeps the test clock (test mode only), never a settle wait.
    const testNow = request.headers.get(TEST_NOW_HEADER);
    if (shield && env?.FRESHET_TEST_MODE === '1' && testNow !== null) headers.set(TEST_NOW_HEADER, testNow);
    headers.delete(SHIELD_HEADER);
    headers.delete(SHIELD_SHARD_HEADER);
    if (shield) headers.set(SHIELD_HEADER, shield);
    // A proxy forwards no hop-by-hop field, nor any the client's Connection names (RFC 9110 7.6.1).
    dropHopByHop(headers);
    // With a stored response, the cache revalidates with its own validators
    // and evaluates the client's preconditions itself (RFC 9111 4.3.1, 4.3.2).
    if (dropConditionals) {
      headers.delete('if-none-match');
      headers.delete('if-modified-since');
    }
    if (extraHeaders) for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
    const capability = headers.get('surrogate-capability');
    headers.set('surrogate-capability', capability ? `${capability}, ${SURROGATE_CAPABILITY}` : SURROGATE_CAPABILITY);
    const origin = options.origin ?? env?.ORIGIN;
    let url = request.url;
    // The shield keys the request as the location did: the client's URL.
    if (!shield && typeof origin === 'string' && origin !== '') {
      const u = new URL(request.url);
      url = origin.replace(/\/+$/, '') + u.pathname + u.search;
    }
    const m = method ?? request.method;
    const hasBody = m !== 'GET' && m !== 'HEAD';
    return new Request(url, {
      method: m,
      headers,
      body: hasBody ? request.body : null,
      redirect: 'manual',
      signal,
    });
  }

  // The origin's final response: interim (1xx) ones before it are read
  // past (worker/interim.js), never served or stored.
  async function fetchOrigin(req, env) {
    return finalResponse(await fetchOriginRaw(req, env), req.method);
  }

  async function fetchOriginRaw(req, env) {
    stats.originFetches++;
    if (typeof options.origin === 'function') return options.origin(req, env);
    // An idempotent request that failed before any response (typically a
    // kept-alive connection the origin closed at the same moment) is retried
    // once, as RFC 9110 9.2.2 allows; a small body is buffered to be sent
    // again, a large or unsized one is never retried.
    if (!IDEMPOTENT.has(req.method)) return fetch(req);
    let first = req;
    let again;
    if (req.body === null) {
      again = () => new Request(req);
    } else {
      const size = Number(req.headers.get('content-length') ?? NaN);
      if (!(size >= 0 && size <= REPLAY_BODY_LIMIT)) return fetch(req);
      const body = await req.arrayBuffer();
      const copy = () => new Request(req.url, { method: req.method, headers: req.headers, body, redirect: req.redirect });
      first = copy();
      again = copy;
    }
    const second = again();
    try {
      return await fetch(first);
    } catch (err) {
      stats.originRetries++;
      return fetch(second);
    }
  }

  // RFC 9111 4.4: a non-error response to an unsafe method invalidates the
  // target URI and the same-origin Location / Content-Location URIs. Done
  // before the response goes out, so the client's next request sees it;
  // every other isolate and location learns it through the purge log.
  async function invalidate(eng, record, resp, env, ctx, at) {
    let d;
    try {
      d = eng.invalidate(record, resp.status, resp.headers);
    } catch (err) {
      engineFailed(err);
      return;
    }
    if (d.action !== InvalidationAction.INVALIDATE) return;
    stats.invalidations++;
    // The route's "invalidates" (tags, prefixes, URLs, all) go through the
    // same plane as the admin route's purges.
    const routePurges = d.purges.map(({ kind, value }) => ({ kind, value, soft: d.soft, at }));
    purgeSync.invalidate(env, [...invalidationRecords(d.keyUrls, at), ...routePurges], (p) => ctx?.waitUntil(p));
    await Promise.all(d.keyUrls.map((u) => deleteEverywhere(u, env)));
  }

  // Pass-through: the origin's answer, untouched but for Cache-Status.
  // `eng`, `record` and `ctx` are given when an unsafe method may
  // invalidate; `route` when the request matched one.
  async function pass(request, env, xcache, reason, debug, eng, record, route = -1, ctx = undefined) {
    if (xcache === 'BYPASS') bump(stats.bypasses, reason);
    const resp = await fetchOrigin(originRequest(request, env), env);
    if (eng && record && request.method !== 'GET' && request.method !== 'HEAD') await invalidate(eng, record, resp, env, ctx, clock(request, env)());
    const headers = clientHeaders(resp.headers, {
      removeCdnCacheControl: removesCdnCacheControl(eng, route),
      status: cacheStatus({ fwd: 'bypass', detail: reason }),
      xcache,
      debug: debug ? { reason } : undefined,
    });
    return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
  }

  /**
   * The client's response built from a stored (or just freshened) entry:
   * its preconditions are answered with 304 (RFC 9111 4.3.2), a Range with
   * 206 (RFC 9110 14.2), HEAD without a body.
   */
  async function fromEntry(args, { status, statusText, headers, body, meta }) {
    const { request, eng, record } = args;
    // Only a request with a precondition (RFC 9110 13.1) can be answered
    // 304 or 412: skip the engine call for the others (most hits).
    if (status >= 200 && status < 300 && hasPrecondition(request.headers)) {
      let cd;
      try {
        cd = eng.conditional(record, headers, meta);
      } catch (err) {
        engineFailed(err);
      }
      if (cd?.action === ConditionalAction.NOT_MODIFIED) {
        stats.notModified++;
        body?.cancel().catch(() => {});
        return new Response(null, { status: 304, headers: notModifiedHeaders(headers) });
      }
    }
    if (request.method === 'HEAD') {
      body?.cancel().catch(() => {});
      return new Response(null, { status, statusText, headers });
    }
    const ranged = await rangeResponse(request, status, headers, body);
    if (ranged) return ranged;
    return new Response(body, { status, statusText, headers });
  }

  function serveStored(args, stored, ld, xcache, extra = {}) {
    const { rd } = args;
    const tier = stored.headers.get(TIER_HEADER);
    // storedOriginHeaders returns a fresh copy: finish it in place.
    const headers = clientHeaders(storedOriginHeaders(stored.headers), {
      inPlace: true,
      removeCdnCacheControl: removesCdnCacheControl(args.eng, rd.route),
      browserTtl: rd.browserTtl,
      age: ld.age,
      status: cacheStatus({ hit: true, ttl: ld.ttl, key: rd.debug ? rd.key : '', tier, collapsed: tier === IN_FLIGHT || undefined, ...extra }),
      xcache,
      debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: extra.detail ?? ld.reason } : undefined,
    });
    return fromEntry(args, {
      status: stored.status,
      statusText: stored.statusText,
      headers,
      body: stored.body,
      meta: stored.headers.get(META_HEADER) ?? '',
    });
  }

  /**
   * On a route with "shield": the answer of the key's shield (docs/shield.md),
   * or null when the route has none, no shield is bound, or the shield does
   * not accept within the route's timeoutMs (then the caller fetches the
   * origin itself, collapsed per isolate as ever). The shield's Cache-Status
   * member is kept in args.shieldStatus for the client's answer.
   */
  let shieldDown = false;
  async function viaShield(args, upstream) {
    const { request, env, rd, eng, mode } = args;
    if (options.shieldNode) return null;
    const rule = routeRules(eng, rd.route).shield;
    const binding = rule && shieldBinding(env);
    if (!binding) return null;
    const ask = mode === 'refresh' ? 'refresh' : args.stored ? 'revalidate' : 'miss';
    try {
      const resp = await fetchViaShield(binding, originRequest(request, env, { ...upstream, shield: ask }), rd.keyUrl, {
        acceptMs: rule.timeoutMs,
        headMs: rd.originTimeoutMs + rule.timeoutMs,
      });
      stats.shieldFetches++;
      shieldDown = false;
      const headers = new Headers(resp.headers);
      args.shieldStatus = headers.get('cache-status') ?? undefined;
      for (const h of ['cache-status', 'x-cache', 'server-timing']) headers.delete(h);
      return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
    } catch (err) {
      if (!(err instanceof ShieldUnavailable)) throw err;
      stats.shieldFallbacks++;
      // Logged once per outage: again only after the shield answered.
      if (!shieldDown) log({ event: 'shield-unavailable', key: rd.key, message: err.message });
      shieldDown = true;
      return null;
    }
  }

  // RFC 9211 2: the shield's member first, then this cache's.
  function afterShield(args, status) {
    return args.shieldStatus ? `${args.shieldStatus}, ${status}` : status;
  }

  // Validators of a stored entry for a conditional request (RFC 9111 4.3.1).
  function validatorsOf(headers) {
    const out = {};
    // A generated ETag is freshet's own: the origin never saw it.
    const etag = generatedEtag(headers) ? null : headers.get('etag');
    const lm = headers.get('last-modified');
    if (etag) out['if-none-match'] = etag;
    if (lm) out['if-modified-since'] = lm;
    return Object.keys(out).length ? out : null;
  }

  /**
   * Fetches from the origin (conditionally when `stored` has validators),
   * stores what the engine allows, and returns the client's response.
   * `mode` is 'miss' | 'expired' | 'background'.
   */
  async function refresh(ctx, args) {
    const { request, env, rd, record, eng, stored, ld, now, mode } = args;
    const validators = stored ? validatorsOf(stored.headers) : null;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const requestTime = now();
    let resp;
    let failure;
    const upstream = {
      method,
      extraHeaders: validators ?? undefined,
      dropConditionals: !!stored,
      // FRESHET_FORWARD_HEADERS=all: every request header reaches the
      // origin, as through a classic RFC 9111 proxy (the conformance
      // run); by default only keyed + safe-listed ones (forwarding.js).
      forward: env?.FRESHET_FORWARD_HEADERS === 'all' ? undefined : forwardingRule(eng, rd.route) ?? undefined,
    };
    try {
      resp = await viaShield(args, upstream);
      if (resp === null) {
        // The route's originTimeout bounds the wait for status and headers.
        resp = await fetchWithTimeout((signal) => fetchOrigin(originRequest(request, env, { ...upstream, signal }), env), rd.originTimeoutMs);
      }
    } catch (err) {
      failure = err;
    }
    const responseTime = now();
    const originFailed = failure !== undefined || resp.status >= 500;

    // RFC 5861 section 4: serve the stale copy when the origin fails.
    if (originFailed && stored && ld?.usableIfError) {
      stats.staleIfError++;
      if (resp?.body) resp.body.cancel().catch(() => {});
      if (mode === 'background') return null;
      return serveStored(args, stored, ld, 'STALE', {
        fwd: 'stale',
        fwdStatus: resp?.status,
        detail: 'stale-if-error',
      });
    }
    if (failure !== undefined) {
      if (mode === 'background') throw failure;
      log({ event: 'origin-error', key: rd.key, message: String(failure?.message ?? failure) });
      const timedOut = failure instanceof OriginTimeout;
      const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
        status: cacheStatus({ fwd: stored ? 'stale' : 'uri-miss', detail: timedOut ? 'origin-timeout' : 'origin-unreachable' }),
        xcache: stored ? 'EXPIRED' : 'MISS',
      });
      if (timedOut) return new Response('origin timeout\n', { status: 504, headers });
      return new Response('origin unreachable\n', { status: 502, headers });
    }

    // A status a Response cannot carry (RFC 9110 15: 100-599; the
    // platform: 200-599 here) is a broken origin answer: 502.
    if (resp.status < 200 || resp.status > 599) {
      stats.badOriginStatus++;
      resp.body?.cancel().catch(() => {});
      if (mode === 'background') return null;
      const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
        status: cacheStatus({ fwd: stored ? 'stale' : 'uri-miss', fwdStatus: resp.status, detail: 'origin-bad-status' }),
        xcache: stored ? 'EXPIRED' : 'MISS',
      });
      return new Response(`origin answered status ${resp.status}\n`, { status: 502, headers });
    }

    // RFC 9111 4.3.4: a 304 freshens the stored entry; the body stays.
    if (resp.status === 304 && stored && validators) {
      const merged = mergeNotModified(storedOriginHeaders(stored.headers), resp.headers, { setCookie: rd.storesSetCookie });
      const sd = eng.store(record, rd.route, stored.status, merged, requestTime, responseTime);
      const [forClient, forCache] = stored.body ? stored.body.tee() : [null, null];
      if (sd.action === StoreAction.STORE) {
        stats.revalidated++;
        ctx.waitUntil(putEntry(args, stored.status, stored.statusText, merged, forCache, sd));
      } else {
        forCache?.cancel().catch(() => {});
        ctx.waitUntil(deleteEverywhere(args.entryUrl, args.env));
      }
      if (mode === 'background') {
        forClient?.cancel().catch(() => {});
        return null;
      }
      const headers = clientHeaders(merged, {
        removeCdnCacheControl: removesCdnCacheControl(eng, rd.route),
        browserTtl: rd.browserTtl,
        age: sd.age,
        status: afterShield(args, cacheStatus({ fwd: 'stale', fwdStatus: 304, stored: sd.action === StoreAction.STORE, ttl: sd.ttl, key: rd.debug ? rd.key : '' })),
        xcache: 'REVALIDATED',
        debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
      });
      return fromEntry(args, { status: stored.status, statusText: stored.statusText, headers, body: forClient, meta: sd.meta });
    }

    if (stored?.body) stored.body.cancel().catch(() => {});
    const sd = eng.store(record, rd.route, resp.status, resp.headers, requestTime, responseTime);
    // RFC 9213 2.1: an invalid targeted field is ignored; say so once per
    // route and field, so an operator learns why it has no effect.
    for (const field of sd.ignored) {
      logOnce(`ignored:${rd.route}:${field}`, { event: 'targeted-field-ignored', field, route: rd.routeName, key: rd.key, value: resp.headers.get(field) });
    }
    // Every reader (client, tiers, coalesced followers) sees an error, not a
    // clean short body, when the origin does not send the whole body.
    const declared = declaredLength(resp.headers);
    let body = checkedBody(resp.body, declared, (err) => {
      stats.incompleteBodies++;
      log({ event: 'origin-body-incomplete', key: rd.key, message: err.message });
    });
    if (sd.action === StoreAction.STORE) {
      stats.stores++;
      let forCache = null;
      if (body) [body, forCache] = body.tee();
      body = framedBody(body, declared);
      hitForPass.clear(args.entryUrl);
      ctx.waitUntil(putEntry(args, resp.status, resp.statusText, resp.headers, forCache, sd));
    } else {
      bump(stats.notStored, sd.reason);
      if (mode !== 'background') hitForPass.mark(args.entryUrl, requestTime);
      // Nothing usable remains stored once the origin refuses storage.
      if (stored) ctx.waitUntil(deleteEverywhere(args.entryUrl, args.env));
      body = framedBody(body, declared);
    }
    if (mode === 'background') {
      body?.cancel().catch(() => {});
      return null;
    }
    const xcache = mode === 'expired' ? 'EXPIRED' : mode === 'refresh' ? 'REFRESH' : 'MISS';
    const headers = clientHeaders(resp.headers, {
      removeCdnCacheControl: removesCdnCacheControl(eng, rd.route),
      browserTtl: rd.browserTtl,
      status: afterShield(args, cacheStatus({
        // RFC 9211 2.2: "vary-miss" when the URI has stored variants, none for this request.
        fwd: mode === 'expired' ? 'stale' : args.vary ? 'vary-miss' : 'uri-miss',
        fwdStatus: resp.status,
        stored: sd.action === StoreAction.STORE,
        ttl: sd.action === StoreAction.STORE ? sd.ttl : undefined,
        key: rd.debug ? rd.key : '',
        detail: sd.action === StoreAction.STORE ? undefined : sd.reason,
      })),
      xcache,
      debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
    });
    // With a stored response the client's preconditions were not forwarded:
    // answer them against the new response (RFC 9111 4.3.2).
    if (stored && sd.action === StoreAction.STORE) {
      return fromEntry(args, { status: resp.status, statusText: resp.statusText, headers, body, meta: sd.meta });
    }
    if (request.method === 'HEAD') {
      body?.cancel().catch(() => {});
      body = null;
    }
    return new Response(body, { status: resp.status, statusText: resp.statusText, headers });
  }

  /**
   * Stores a response. Without Vary it lives at the key URL; with Vary the
   * engine names the variant: the response goes to
   * `<key URL>/v/<generation>/<variant id>` and a marker at the key URL
   * names the selecting fields and the generation (docs/architecture.md
   * "Variants"; the platform ignores Vary).
   */
  async function putEntry(args, status, statusText, headers, body, sd) {
    const { rd, eng, vary } = args;
    try {
      const cache = cacheFor(rd, args.env);
      const stored = omitFields(headersForStorage(headers, sd.meta, sd.platformTtl, rd.tags), sd.omit);
      // "generateEtag": each tier sets a strong ETag from the stored bytes (etag.js).
      if (routeRules(eng, rd.route).generateEtag && !headers.has('etag') && !headers.has('last-modified')) stored.set(ETAG_FLAG, 'generate');
      // The engine stores a response with Set-Cookie only where the route
      // ("setCookie": "store" or "strip") or the deployment allows it. The
      // platform drops puts with Set-Cookie, so kept cookies go aside;
      // "strip" omits them (the engine's omit list says so).
      if (!omitted(sd.omit, 'set-cookie')) keepSetCookies(stored, headers);
      const entry = storableEntry(status, statusText, stored, body);
      // The store decision says where the copy goes (the response's Vary).
      const v = sd.vary;
      if (v.action !== VaryAction.SELECT) {
        await cache.put(new Request(rd.keyUrl), entry, sd.platformTtl);
        return;
      }
      const generation = vary && vary.names === v.names && vary.generation ? vary.generation : newGeneration();
      const markerTtl = Math.max(sd.platformTtl, MARKER_MIN_TTL);
      const marker = new Response(null, { headers: varyMarkerHeaders(v.names, generation, markerTtl) });
      await Promise.all([
        cache.put(new Request(variantUrl(rd.keyUrl, generation, v.variantId)), entry, sd.platformTtl),
        cache.put(new Request(rd.keyUrl), marker, markerTtl),
      ]);
    } catch (err) {
      // A failed or truncated body rejects the put: nothing is stored.
      stats.cacheErrors++;
      log({ event: 'store-failed', key: rd.key, message: String(err?.message ?? err) });
    }
  }

  /**
   * RFC 9111 5.2.1.7: a request with only-if-cached that no stored response
   * can answer gets a 504 without contacting the origin; null otherwise.
   */
  function onlyIfCached({ rd }) {
    // The engine decided it with the request (RequestDecision.missAction).
    if (rd.missAction !== MissAction.GATEWAY_TIMEOUT) return null;
    const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
      status: cacheStatus({ detail: rd.missReason }),
      xcache: 'MISS',
    });
    return new Response('not cached (only-if-cached)\n', { status: 504, headers });
  }

  /**
   * The stored entry for this request: the entry at the key URL, or, when
   * that is a variant marker, the variant this request selects.
   */
  async function lookupEntry(rd, record, eng, env, ctx) {
    const cache = cacheFor(rd, env, ctx);
    // Looked up by URL string: no Request object per lookup (the Cache API takes both).
    const found = await cache.match(rd.keyUrl);
    const names = found?.headers.get(VARY_HEADER);
    if (!found || names === null || names === undefined) return { stored: checkedEntry(found, rd.keyUrl, env, ctx), entryUrl: rd.keyUrl, vary: null };
    found.body?.cancel().catch(() => {});
    const vary = { names, generation: found.headers.get(VARY_GEN_HEADER) ?? '' };
    const v = eng.vary(record, names);
    if (v.action !== VaryAction.SELECT || !vary.generation) return { stored: undefined, entryUrl: rd.keyUrl, vary };
    const url = variantUrl(rd.keyUrl, vary.generation, v.variantId);
    return { stored: checkedEntry(await cache.match(url), url, env, ctx), entryUrl: url, vary };
  }

  // A matched entry as stored, or undefined when its body is not the length
  // recorded at store time (then it is deleted). Where the platform gives
  // no Content-Length, the body is checked while read.
  function checkedEntry(found, url, env, ctx) {
    const drop = () => {
      entryDamaged(url);
      const p = deleteEverywhere(url, env);
      if (ctx?.waitUntil) ctx.waitUntil(p);
    };
    // The byte tiers (memory, global) compared their bytes with the record
    // before answering (tiers.js intactBytes): nothing left to check.
    const tier = found?.headers.get(TIER_HEADER);
    const intact = tier === 'memory' || tier === 'global' ? found : intactEntry(found, drop);
    if (found && !intact) {
      found.body?.cancel().catch(() => {});
      drop();
      return undefined;
    }
    return storedEntry(intact);
  }

  function revalidateInBackground(ctx, args) {
    const { rd, entryUrl } = args;
    if (revalidations.has(entryUrl)) return;
    stats.backgroundRevalidations++;
    const p = refresh(ctx, { ...args, mode: 'background' })
      .catch((err) => log({ event: 'revalidation-failed', key: rd.key, message: String(err?.message ?? err) }))
      .finally(() => revalidations.delete(entryUrl));
    revalidations.set(entryUrl, p);
    ctx.waitUntil(p);
  }

  // Coalesced origin fetch: the first request for a key leads, the others
  // wait and then read the leader's entry (or fetch themselves if it stored
  // nothing). GET and HEAD, and POST on routes that key on the body (the
  // only POSTs the engine looks up): a follower's body is still unread.
  function coalesced(ctx, args) {
    const { request, env } = args;
    const go = () => refresh(ctx, args);
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') return go();
    // Hit-for-pass: the last answer for this key was not storable; do not
    // make this request wait behind another one.
    if (hitForPass.active(args.entryUrl, args.now())) {
      stats.hitForPass = (stats.hitForPass ?? 0) + 1;
      return go();
    }
    return coalescer.run(args.entryUrl, go, (shared) => {
      if (!shared) return go();
      args.stored?.body?.cancel().catch(() => {});
      return handle(request, env, ctx, null, true);
    });
  }

  // `collapsed`: this request waited for another one that just stored the
  // entry (coalescing); it is served that entry even where the route
  // revalidates on every use (ttl 0), which is how a burst is absorbed.
  async function handle(request, env, ctx, control = null, collapsed = false) {
    stats.requests++;
    const debug = debugRequests.has(request);
    const now = clock(request, env);
    if (control === 'bypass') return pass(request, env, 'BYPASS', 'control-bypass');
    const eng = getEngine(env);
    if (!eng) return pass(request, env, 'BYPASS', engineProblem ?? 'engine-error');

    // The keyParts hook of a worker that uses freshet as a library: extra
    // key dimensions, decided by the engine like any other (docs/library.md).
    let parts = null;
    if (options.keyParts) {
      try {
        parts = await options.keyParts(request, env);
      } catch (err) {
        logOnce('key-parts', { event: 'key-parts-error', message: String(err?.message ?? err) });
        return pass(request, env, 'BYPASS', 'key-parts-error');
      }
    }
    let record;
    let rd;
    try {
      const list = [request.method, request.url, ...headerList(request.headers)];
      if (parts) appendKeyParts(list, parts);
      record = requestRecord(list);
      rd = eng.request(record);
      // POST routes key on the body: read it (bounded), ask again.
      if (rd.needsBody) {
        const original = request;
        ({ request, record, rd } = await keyOnBody(eng, request, list, rd));
        // The original body is read now: a fail-open retry uses this copy.
        bodyReplacements.set(original, request);
      }
    } catch (err) {
      engineFailed(err);
      return pass(request, env, 'BYPASS', 'engine-error');
    }
    if (debug) rd.debug = true;
    if (rd.action === RequestAction.PASS) {
      return pass(request, env, rd.reason === 'disabled' ? 'DISABLED' : 'BYPASS', rd.reason, rd.debug);
    }
    if (rd.action === RequestAction.BYPASS) return pass(request, env, 'BYPASS', rd.reason, rd.debug, eng, record, rd.route, ctx);

    if (control === 'refresh') {
      // An authenticated caller asked for a fresh copy: skip the lookup.
      return refresh(ctx, { request, env, rd, record, eng, now, entryUrl: rd.keyUrl, vary: null, mode: 'refresh' });
    }
    // Never waits on the purge log for more than FRESHET_PURGE_WAIT_MS;
    // entries stored before `unproven` are revalidated (purge_sync.js).
    const unproven = await purgeSync.view(env, (p) => ctx.waitUntil(p), now(), request);
    let found = { stored: undefined, entryUrl: rd.keyUrl, vary: null };
    try {
      found = await lookupEntry(rd, record, eng, env, ctx);
    } catch (err) {
      stats.cacheErrors++;
      logOnce('cache-match', { event: 'cache-error', message: String(err?.message ?? err) });
    }
    const { stored, entryUrl, vary } = found;
    const args = { request, env, rd, record, eng, now, entryUrl, vary };
    if (!stored) {
      stats.misses++;
      return onlyIfCached(args) ?? coalesced(ctx, { ...args, mode: 'miss' });
    }
    let ld;
    try {
      // Without URL, prefix or tag purges the entry's key and tags are not
      // needed (the readable key is decoded only when asked for).
      const floors = purges.onlyAll()
        ? purges.floors('')
        : purges.floors(rd.key, (stored.headers.get(TAGS_HEADER) ?? '').split(',').filter(Boolean));
      floors.unproven = unproven;
      ld = eng.lookup(record, rd.route, stored.headers.get(META_HEADER) ?? '', now(), floors);
    } catch (err) {
      stored.body?.cancel().catch(() => {});
      engineFailed(err);
      return pass(request, env, 'BYPASS', 'engine-error');
    }
    if (ld.action === LookupAction.MISS) {
      // A hard purge covers the entry: it is gone.
      stats.misses++;
      stored.body?.cancel().catch(() => {});
      return onlyIfCached(args) ?? coalesced(ctx, { ...args, mode: 'miss' });
    }
    if (ld.action === LookupAction.HIT) {
      stats.hits++;
      return serveStored(args, stored, ld, 'HIT', collapsed ? { collapsed: true } : {});
    }
    if (collapsed && ld.action !== LookupAction.MISS && ld.reason !== 'purged') {
      stats.hits++;
      stats.collapsed = (stats.collapsed ?? 0) + 1;
      return serveStored(args, stored, ld, 'HIT', { collapsed: true });
    }
    // A location revalidating through the shield waits for a fresh answer
    // (coalesced: one origin revalidation for every location at once).
    if (ld.action === LookupAction.STALE && control !== 'revalidate') {
      stats.staleHits++;
      // Serve now; the clone keeps the stored copy for the revalidation's
      // stale-if-error fallback and its 304 body.
      revalidateInBackground(ctx, { ...args, stored: stored.clone(), ld });
      return serveStored(args, stored, ld, 'STALE', { detail: ld.reason });
    }
    stats.expired++;
    const unavailable = onlyIfCached(args);
    if (unavailable) {
      stored.body?.cancel().catch(() => {});
      return unavailable;
    }
    if (ld.reason !== UNPROVEN_REASON) return coalesced(ctx, { ...args, stored, ld, mode: 'expired' });
    stats.unprovenRevalidations = (stats.unprovenRevalidations ?? 0) + 1;
    return markUnproven(coalesced(ctx, { ...args, stored, ld, mode: 'expired' }));
  }

  const admin = createAdmin({
    getEngine,
    stats,
    purges,
    sync: purgeSync,
    clock,
    lookupEntry: (rd, record, eng, env, ctx) => lookupEntry(rd, record, eng, env, ctx),
    fetchThrough: (req, env, ctx) => api.fetch(req, env, ctx),
    memoryStats: () => memory.stats(),
    coalescingStats: () => ({ ...coalescer.stats, inFlight: coalescer.inFlight(), hitForPassKeys: hitForPass.size }),
  });

  // "mark" | "off" | "cache" under local development (env FRESHET_DEV=1,
  // set by npm start), else null; read once per engine.
  const devModes = new WeakMap();
  function devMode(env) {
    if (env?.FRESHET_DEV !== '1') return null;
    const eng = getEngine(env);
    if (!eng) return null;
    let dev = devModes.get(eng);
    if (dev === undefined) {
      dev = eng.manifestInfo().dev ?? 'mark';
      devModes.set(eng, dev);
    }
    return dev;
  }

  async function adminOrControl(request, env, context) {
    if (admin.matches(request, env)) return admin.handle(request, env, context);
    return admin.control(request, env);
  }

  function shieldControl(request) {
    const ask = request.headers.get(SHIELD_HEADER);
    return { request, mode: ask === 'refresh' ? 'refresh' : ask === 'revalidate' ? 'revalidate' : null };
  }

  const api = {
    stats,
    purges,
    /** Cron: keeps the manifest's `warm` URLs in the cache (docs/admin.md). */
    async scheduled(event, env = {}, ctx = undefined) {
      let urls = [];
      try {
        urls = JSON.parse(manifestText(env)).warm ?? [];
      } catch {
        urls = [];
      }
      if (!getEngine(env) || !Array.isArray(urls) || urls.length === 0) return [];
      const results = await admin.warmUrls(urls.slice(0, 100), env, ctx);
      log({ event: 'warm', cron: event?.cron, results });
      return results;
    },
    /** The Workers fetch handler. */
    async fetch(request, env = {}, ctx = undefined) {
      const context = {
        waitUntil(p) {
          const tracked = Promise.resolve(p).catch(() => {});
          pending.add(tracked);
          tracked.finally(() => pending.delete(tracked));
          if (ctx?.waitUntil) ctx.waitUntil(tracked);
        },
      };
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
        const control = options.shieldNode ? shieldControl(request) : await adminOrControl(request, env, context);
        if (control instanceof Response) return control;
        const started = Date.now();
        // Local development (FRESHET_DEV=1): the manifest's "dev" says what caching does.
        const dev = options.shieldNode ? null : devMode(env);
        // An authenticated caller may ask for the debug headers in any mode.
        if (control.debug || dev === 'mark') debugRequests.add(control.request);
        const response = dev === 'off'
          ? await pass(control.request, env, 'DISABLED', 'dev')
          : await handle(control.request, env, context, control.mode);
        if (dev === 'mark') markDev(response);
        return withServerTiming(response, Date.now() - started);
      } catch (err) {
        // Fail open: nothing in freshet may be why a user gets an error.
        stats.engineErrors++;
        logOnce(`handler:${err?.message}`, { event: 'handler-error', message: String(err?.message ?? err), stack: err?.stack });
        // A body freshet already read (POST keys) travels in its replacement.
        const retry = bodyReplacements.get(request) ?? request;
        return fetchOrigin(originRequest(retry.bodyUsed ? request : retry, env), env);
      }
    },
  };
  return api;
}
