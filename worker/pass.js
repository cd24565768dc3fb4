// Requests the cache does not answer: passed to the origin untouched but
// for Cache-Status, and the invalidation an unsafe method's answer causes
// (RFC 9111 4.4).

import { InvalidationAction } from './abi.js';
import { routeRules } from './forwarding.js';
import { invalidationRecords } from './purge_sync.js';
import { cacheStatus, clientHeaders, shownXCache } from './response_headers.js';
import { clock } from './request_context.js';
import { bump } from './stats.js';
import { OriginTimeout, fetchWithTimeout } from './timeout.js';

/** The route's "cdnCacheControl": "remove" (RFC 9213: passed on by default). */
export function removesCdnCacheControl(eng, route) {
  return !!eng && route >= 0 && routeRules(eng, route).cdnCacheControl === 'remove';
}

/**
 * RFC 9111 4.4: a non-error response to an unsafe method invalidates the
 * target URI and the same-origin Location / Content-Location URIs. Done
 * before the response goes out, so the client's next request sees it;
 * every other isolate and location learns it through the purge log.
 * @param {import('./request_context.js').Services} s
 */
export async function invalidate(s, eng, record, resp, env, ctx, at) {
  let d;
  try {
    d = eng.invalidate(record, resp.status, resp.headers);
  } catch (err) {
    s.engines.failed(err);
    return;
  }
  if (d.action !== InvalidationAction.INVALIDATE) return;
  s.stats.invalidations++;
  // The route's "invalidates" (tags, prefixes, URLs, all) go through the
  // same plane as the admin route's purges.
  const routePurges = d.purges.map(({ kind, value }) => ({ kind, value, soft: d.soft, at }));
  // Both bounded: the log by FRESHET_INVALIDATE_WAIT_MS, the deletes by the tiers.
  await Promise.all([
    s.purgeSync.invalidate(env, [...invalidationRecords(d.keyUrls, at), ...routePurges], (p) => ctx?.waitUntil(p)),
    ...d.keyUrls.map((u) => s.storage.deleteEverywhere(u, env)),
  ]);
}

/**
 * Pass-through: the origin's answer, untouched but for Cache-Status.
 * `eng`, `record` and `ctx` are given when an unsafe method may
 * invalidate; `route` when the request matched one.
 * @param {import('./request_context.js').Services} s
 * @param {Request} request
 * @param {object} env
 * @param {'BYPASS'|'DISABLED'} xcache
 * @param {string} reason Cache-Status detail (and a bypasses counter for BYPASS)
 * @param {number} [timeoutMs] the matched route's originTimeout (0: none, the
 *   request passes as it would without freshet)
 */
export async function pass(s, request, env, xcache, reason, debug, eng, record, route = -1, ctx = undefined, timeoutMs = 0) {
  if (xcache === 'BYPASS') bump(s.stats.bypasses, reason);
  let resp;
  try {
    resp = await fetchWithTimeout((signal) => s.origin.fetch(s.origin.request(request, env, { signal }), env), timeoutMs);
  } catch (err) {
    // The origin failed, not freshet: an answer that says so (as on a
    // cacheable route), never a retry, which could send an unsafe request
    // twice, nor an internal error.
    s.log.log({ event: 'origin-error', key: request.url, message: String(err?.message ?? err) });
    const timedOut = err instanceof OriginTimeout;
    const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
      status: cacheStatus({ fwd: 'bypass', detail: timedOut ? 'origin-timeout' : 'origin-unreachable' }),
      xcache: shownXCache(eng ?? s.engines.current(), xcache),
    });
    return new Response(timedOut ? 'origin timeout\n' : 'origin unreachable\n', { status: timedOut ? 504 : 502, headers });
  }
  if (eng && record && request.method !== 'GET' && request.method !== 'HEAD') await invalidate(s, eng, record, resp, env, ctx, clock(request, env)());
  const headers = clientHeaders(resp.headers, {
    removeCdnCacheControl: removesCdnCacheControl(eng, route),
    status: cacheStatus({ fwd: 'bypass', detail: reason }),
    xcache: shownXCache(eng ?? s.engines.current(), xcache),
    debug: debug ? { reason } : undefined,
  });
  return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
}
