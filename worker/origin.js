// Requests to the origin (or to the route's shield): what is forwarded, the
// retry of an idempotent request that failed before any response, and the
// shield's answer as the origin's.

import { finalResponse } from './interim.js';
import { applyForwardingRule, routeRules } from './forwarding.js';
import { SHIELD_FETCHED_HEADER, SHIELD_FLOORS_HEADER, SHIELD_HEADER, SHIELD_SHARD_HEADER, ShieldUnavailable, fetchViaShield, floorsText, shieldBinding } from './shield.js';
import { TEST_NOW_HEADER, TEST_SETTLE_HEADER, dropHopByHop } from './response_headers.js';
import { Mode } from './request_context.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const REPLAY_BODY_LIMIT = 65536; // bytes of a PUT/DELETE body kept to retry it

// Edge Architecture Specification 1.0: freshet announces itself to the
// origin, which may then target Surrogate-Control directives at it
// ("max-age=60;freshet").
export const SURROGATE_CAPABILITY = 'freshet="Surrogate/1.0"';

/**
 * The request to send upstream for the client's `request`.
 * @param {Request} request
 * @param {object} env
 * @param {string|Function|undefined} origin the handler's `origin` option
 * @param {object} [o]
 * @param {string} [o.method] instead of the request's (a HEAD is fetched as GET)
 * @param {Record<string, string>} [o.extraHeaders] set after everything else (the stored validators)
 * @param {boolean} [o.dropConditionals] drop the client's If-None-Match / If-Modified-Since
 * @param {object} [o.forward] the route's forwarding rule (forwarding.js)
 * @param {AbortSignal} [o.signal]
 * @param {string} [o.shield] what to ask the shield ('miss' | 'revalidate' | 'refresh'): sent in SHIELD_HEADER
 * @param {{hard?: number, soft?: number, unproven?: number}} [o.floors] to the shield: the key's purge floors (SHIELD_FLOORS_HEADER)
 * @returns {Request}
 */
export function originRequest(request, env, origin, { method, extraHeaders, dropConditionals, forward, signal, shield, floors } = {}) {
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
  headers.delete(SHIELD_FLOORS_HEADER);
  if (shield) headers.set(SHIELD_HEADER, shield);
  if (shield && floors) headers.set(SHIELD_FLOORS_HEADER, floorsText(floors));
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
  const base = origin ?? env?.ORIGIN;
  let url = request.url;
  // The shield keys the request as the location did: the client's URL.
  if (!shield && typeof base === 'string' && base !== '') {
    const u = new URL(request.url);
    url = base.replace(/\/+$/, '') + u.pathname + u.search;
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

/**
 * The origin's answer to `req` as it arrived (interim responses included).
 * An idempotent request that failed before any response (typically a
 * kept-alive connection the origin closed at the same moment) is retried
 * once, as RFC 9110 9.2.2 allows; a small body is buffered to be sent
 * again, a large or unsized one is never retried.
 * @param {Request} req
 * @param {object} env
 * @param {string|Function|undefined} origin the handler's `origin` option (a function answers itself)
 * @param {import('./stats.js').Stats} stats counts originFetches, originRetries
 */
export async function fetchOriginRaw(req, env, origin, stats) {
  stats.originFetches++;
  if (typeof origin === 'function') return origin(req, env);
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

/**
 * @typedef {object} Origin
 * @property {(request: Request, env: object, o?: object) => Request} request originRequest() with the handler's origin
 * @property {(req: Request, env: object) => Promise<Response>} fetch the origin's final response
 * @property {(c: import('./request_context.js').RequestContext, upstream: object) => Promise<Response|null>} viaShield
 */

/**
 * @param {object} o
 * @param {string|Function|undefined} o.origin the handler's `origin` option
 * @param {boolean} o.shieldNode this handler is the shield (it never asks a shield)
 * @param {import('./stats.js').Stats} o.stats
 * @param {import('./log.js').Log} o.log
 * @returns {Origin}
 */
export function createOrigin({ origin, shieldNode, stats, log }) {
  let shieldDown = false;

  // The origin's final response: interim (1xx) ones before it are read
  // past (worker/interim.js), never served or stored.
  async function fetchOrigin(req, env) {
    return finalResponse(await fetchOriginRaw(req, env, origin, stats), req.method);
  }

  const request = (req, env, o) => originRequest(req, env, origin, o);

  /**
   * On a route with "shield": the answer of the key's shield (docs/shield.md),
   * or null when the route has none, no shield is bound, or the shield does
   * not accept within the route's timeoutMs (then the caller fetches the
   * origin itself, collapsed per isolate as ever). The shield's Cache-Status
   * member is kept in c.shieldStatus for the client's answer.
   */
  async function viaShield(c, upstream) {
    const { request: req, env, rd, eng, mode } = c;
    if (shieldNode) return null;
    const rule = routeRules(eng, rd.route).shield;
    const binding = rule && shieldBinding(env);
    if (!binding) return null;
    const ask = mode === Mode.REFRESH ? 'refresh' : c.stored ? 'revalidate' : 'miss';
    try {
      const resp = await fetchViaShield(binding, request(req, env, { ...upstream, shield: ask }), rd.keyUrl, {
        acceptMs: rule.timeoutMs,
        headMs: rd.originTimeoutMs + rule.timeoutMs,
      });
      stats.shieldFetches++;
      shieldDown = false;
      const headers = new Headers(resp.headers);
      c.shieldStatus = headers.get('cache-status') ?? undefined;
      const fetched = Number(headers.get(SHIELD_FETCHED_HEADER));
      c.shieldFetched = Number.isSafeInteger(fetched) && fetched > 0 ? fetched : null;
      for (const h of ['cache-status', 'x-cache', 'server-timing', SHIELD_FETCHED_HEADER]) headers.delete(h);
      return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
    } catch (err) {
      if (!(err instanceof ShieldUnavailable)) throw err;
      stats.shieldFallbacks++;
      // Logged once per outage: again only after the shield answered.
      if (!shieldDown) log.log({ event: 'shield-unavailable', key: rd.key, message: err.message });
      shieldDown = true;
      return null;
    }
  }

  return { request, fetch: fetchOrigin, viaShield };
}
