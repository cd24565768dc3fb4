// The request handler: asks the engine, then carries its decisions out
// against the platform Cache API, the origin and ctx.waitUntil
// (docs/architecture.md). Fails open: if the engine or the cache fails, the
// request goes to the origin untouched.

import { LookupAction, RequestAction, StoreAction } from './abi.js';
import { Engine, ManifestError, encodeList, headerList } from './engine.js';
import {
  TEST_NOW_HEADER,
  TEST_SETTLE_HEADER,
  cacheStatus,
  clientHeaders,
  headersForStorage,
  mergeNotModified,
  storedOriginHeaders,
  META_HEADER,
} from './response_headers.js';

const HOP_BY_HOP_REQUEST = ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'trailer'];

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
    stores: 0,
    notStored: {},
    engineErrors: 0,
    cacheErrors: 0,
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
export function createHandler(options) {
  const { wasm } = options;
  const getCache = options.cache ?? (() => caches.default);
  const log = options.log ?? ((event) => console.log(JSON.stringify({ freshet: 1, ...event })));
  const stats = newStats();
  const revalidations = new Map(); // key -> promise: one background revalidation per key
  let engine = null;
  let engineText = null;
  let engineProblem = null; // why there is no engine for engineText
  const loggedOnce = new Set();

  function logOnce(kind, event) {
    if (loggedOnce.has(kind)) return;
    loggedOnce.add(kind);
    log(event);
  }

  function manifestText(env) {
    const m = env?.FRESHET_MANIFEST ?? options.manifest;
    return typeof m === 'string' ? m : JSON.stringify(m);
  }

  function getEngine(env) {
    const text = manifestText(env);
    if (text === engineText) return engine;
    engineText = text;
    engine = null;
    engineProblem = null;
    try {
      engine = new Engine(wasm, text);
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

  function originRequest(request, env, { method, extraHeaders } = {}) {
    const headers = new Headers(request.headers);
    headers.delete(TEST_NOW_HEADER);
    headers.delete(TEST_SETTLE_HEADER);
    for (const h of HOP_BY_HOP_REQUEST) headers.delete(h);
    if (extraHeaders) for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
    const origin = options.origin ?? env?.ORIGIN;
    let url = request.url;
    if (typeof origin === 'string' && origin !== '') {
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
    });
  }

  async function fetchOrigin(req, env) {
    stats.originFetches++;
    if (typeof options.origin === 'function') return options.origin(req, env);
    return fetch(req);
  }

  // Pass-through: the origin's answer, untouched but for Cache-Status.
  async function pass(request, env, xcache, reason, debug) {
    if (xcache === 'BYPASS') bump(stats.bypasses, reason);
    const resp = await fetchOrigin(originRequest(request, env), env);
    const headers = clientHeaders(resp.headers, {
      status: cacheStatus({ fwd: 'bypass', detail: reason }),
      xcache,
      debug: debug ? { reason } : undefined,
    });
    return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
  }

  function serveStored(request, stored, ld, rd, xcache, extra = {}) {
    const headers = clientHeaders(storedOriginHeaders(stored.headers), {
      browserTtl: rd.browserTtl,
      age: ld.age,
      status: cacheStatus({ hit: true, ttl: ld.ttl, key: rd.debug ? rd.key : '', ...extra }),
      xcache,
      debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: extra.detail ?? ld.reason } : undefined,
    });
    const body = request.method === 'HEAD' ? null : stored.body;
    if (body === null && stored.body) stored.body.cancel().catch(() => {});
    return new Response(body, { status: stored.status, statusText: stored.statusText, headers });
  }

  // Validators of a stored entry for a conditional request (RFC 9111 4.3.1).
  function validatorsOf(headers) {
    const out = {};
    const etag = headers.get('etag');
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
  async function refresh(ctx, { request, env, rd, record, eng, stored, ld, now, mode }) {
    const validators = stored ? validatorsOf(stored.headers) : null;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const extraHeaders = validators && !request.headers.has('if-none-match') && !request.headers.has('if-modified-since')
      ? validators
      : undefined;
    const requestTime = now();
    let resp;
    let failure;
    try {
      resp = await fetchOrigin(originRequest(request, env, { method, extraHeaders }), env);
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
      return serveStored(request, stored, ld, rd, 'STALE', {
        fwd: 'stale',
        fwdStatus: resp?.status,
        detail: 'stale-if-error',
      });
    }
    if (failure !== undefined) {
      if (mode === 'background') throw failure;
      log({ event: 'origin-error', key: rd.key, message: String(failure?.message ?? failure) });
      const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
        status: cacheStatus({ fwd: stored ? 'stale' : 'uri-miss', detail: 'origin-unreachable' }),
        xcache: stored ? 'EXPIRED' : 'MISS',
      });
      return new Response('origin unreachable\n', { status: 502, headers });
    }

    // RFC 9111 4.3.4: a 304 freshens the stored entry; the body stays.
    if (resp.status === 304 && stored && extraHeaders) {
      const merged = mergeNotModified(storedOriginHeaders(stored.headers), resp.headers);
      const sd = eng.store(record, rd.route, stored.status, merged, requestTime, responseTime);
      const [forClient, forCache] = stored.body ? stored.body.tee() : [null, null];
      if (sd.action === StoreAction.STORE) {
        stats.revalidated++;
        ctx.waitUntil(putEntry(rd, stored.status, stored.statusText, merged, forCache, sd));
      } else {
        forCache?.cancel().catch(() => {});
        ctx.waitUntil(getCache().delete(new Request(rd.keyUrl)).catch(() => {}));
      }
      if (mode === 'background') {
        forClient?.cancel().catch(() => {});
        return null;
      }
      const headers = clientHeaders(merged, {
        browserTtl: rd.browserTtl,
        age: sd.age,
        status: cacheStatus({ fwd: 'stale', fwdStatus: 304, stored: sd.action === StoreAction.STORE, ttl: sd.ttl, key: rd.debug ? rd.key : '' }),
        xcache: 'REVALIDATED',
        debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
      });
      return new Response(request.method === 'HEAD' ? null : forClient, { status: stored.status, statusText: stored.statusText, headers });
    }

    if (stored?.body) stored.body.cancel().catch(() => {});
    const sd = eng.store(record, rd.route, resp.status, resp.headers, requestTime, responseTime);
    let body = resp.body;
    if (sd.action === StoreAction.STORE) {
      stats.stores++;
      let forCache = null;
      if (body) [body, forCache] = body.tee();
      ctx.waitUntil(putEntry(rd, resp.status, resp.statusText, resp.headers, forCache, sd));
    } else {
      bump(stats.notStored, sd.reason);
      // Nothing usable remains stored once the origin refuses storage.
      if (stored) ctx.waitUntil(getCache().delete(new Request(rd.keyUrl)).catch(() => {}));
    }
    if (mode === 'background') {
      body?.cancel().catch(() => {});
      return null;
    }
    const xcache = mode === 'expired' ? 'EXPIRED' : 'MISS';
    const headers = clientHeaders(resp.headers, {
      browserTtl: rd.browserTtl,
      status: cacheStatus({
        fwd: mode === 'expired' ? 'stale' : 'uri-miss',
        fwdStatus: resp.status,
        stored: sd.action === StoreAction.STORE,
        ttl: sd.action === StoreAction.STORE ? sd.ttl : undefined,
        key: rd.debug ? rd.key : '',
        detail: sd.action === StoreAction.STORE ? undefined : sd.reason,
      }),
      xcache,
      debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
    });
    if (request.method === 'HEAD') {
      body?.cancel().catch(() => {});
      body = null;
    }
    return new Response(body, { status: resp.status, statusText: resp.statusText, headers });
  }

  async function putEntry(rd, status, statusText, headers, body, sd) {
    try {
      const entry = new Response(body, { status, statusText, headers: headersForStorage(headers, sd.meta, sd.platformTtl) });
      await getCache().put(new Request(rd.keyUrl), entry);
    } catch (err) {
      // A failed or truncated body rejects the put: nothing is stored.
      stats.cacheErrors++;
      log({ event: 'store-failed', key: rd.key, message: String(err?.message ?? err) });
    }
  }

  function revalidateInBackground(ctx, args) {
    const { rd } = args;
    if (revalidations.has(rd.key)) return;
    stats.backgroundRevalidations++;
    const p = refresh(ctx, { ...args, mode: 'background' })
      .catch((err) => log({ event: 'revalidation-failed', key: rd.key, message: String(err?.message ?? err) }))
      .finally(() => revalidations.delete(rd.key));
    revalidations.set(rd.key, p);
    ctx.waitUntil(p);
  }

  async function handle(request, env, ctx) {
    stats.requests++;
    const now = clock(request, env);
    const eng = getEngine(env);
    if (!eng) return pass(request, env, 'BYPASS', engineProblem ?? 'engine-error');

    let record;
    let rd;
    try {
      record = encodeList([request.method, request.url, ...headerList(request.headers)]);
      rd = eng.request(record);
    } catch (err) {
      engineFailed(err);
      return pass(request, env, 'BYPASS', 'engine-error');
    }
    if (rd.action === RequestAction.PASS) {
      return pass(request, env, rd.reason === 'disabled' ? 'DISABLED' : 'BYPASS', rd.reason, rd.debug);
    }
    if (rd.action === RequestAction.BYPASS) return pass(request, env, 'BYPASS', rd.reason, rd.debug);

    let stored;
    try {
      stored = await getCache().match(new Request(rd.keyUrl));
    } catch (err) {
      stats.cacheErrors++;
      logOnce('cache-match', { event: 'cache-error', message: String(err?.message ?? err) });
      stored = undefined;
    }
    const args = { request, env, rd, record, eng, now };
    if (!stored) {
      stats.misses++;
      return refresh(ctx, { ...args, mode: 'miss' });
    }
    let ld;
    try {
      ld = eng.lookup(record, rd.route, stored.headers.get(META_HEADER) ?? '', now());
    } catch (err) {
      stored.body?.cancel().catch(() => {});
      engineFailed(err);
      return pass(request, env, 'BYPASS', 'engine-error');
    }
    if (ld.action === LookupAction.HIT) {
      stats.hits++;
      return serveStored(request, stored, ld, rd, 'HIT');
    }
    if (ld.action === LookupAction.STALE) {
      stats.staleHits++;
      // Serve now; the clone keeps the stored copy for the revalidation's
      // stale-if-error fallback and its 304 body.
      revalidateInBackground(ctx, { ...args, stored: stored.clone(), ld });
      return serveStored(request, stored, ld, rd, 'STALE', { detail: ld.reason });
    }
    stats.expired++;
    return refresh(ctx, { ...args, stored, ld, mode: 'expired' });
  }

  return {
    stats,
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
        return await handle(request, env, context);
      } catch (err) {
        // Fail open: nothing in freshet may be why a user gets an error.
        stats.engineErrors++;
        logOnce(`handler:${err?.message}`, { event: 'handler-error', message: String(err?.message ?? err), stack: err?.stack });
        return fetchOrigin(originRequest(request, env), env);
      }
    },
  };
}
