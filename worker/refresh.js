// Asking the origin for a request the cache cannot answer as is (a Mode:
// miss, expired, background, refresh): conditionally when an entry with
// validators is stored, a 304 merged into it (RFC 9111 4.3.4), what the
// engine allows stored (putEntry), and the client's answer. Misses and
// revalidations of one key share one origin fetch (coalesced).

import { StoreAction } from './abi.js';
import { forwardingRule, routeRules } from './forwarding.js';
import { checkedBody, declaredLength, framedBody } from './integrity.js';
import { ETAG_FLAG, generatedEtag } from './etag.js';
import { OriginTimeout, fetchWithTimeout } from './timeout.js';
import { markFetched } from './shield.js';
import { removesCdnCacheControl } from './pass.js';
import { fromEntry, serveStored } from './serve.js';
import { putVariant } from './variants.js';
import { Mode, fetchedFwd, fetchedXCache } from './request_context.js';
import { bump } from './stats.js';
import {
  cacheStatus,
  clientHeaders,
  entryTags,
  headersForStorage,
  keepSetCookies,
  mergeNotModified,
  omitFields,
  shownXCache,
  storableEntry,
} from './response_headers.js';

/** True when the engine's comma-separated omit list names `field`. */
function omitted(list, field) {
  return !!list && list.split(',').includes(field);
}

/**
 * Validators of a stored entry for a conditional request (RFC 9111 4.3.1):
 * { 'if-none-match'?, 'if-modified-since'? }, or null when it has none.
 * A generated ETag is freshet's own: the origin never saw it.
 * @param {Headers} headers the stored entry's
 */
export function validatorsOf(headers) {
  const out = {};
  const etag = generatedEtag(headers) ? null : headers.get('etag');
  const lm = headers.get('last-modified');
  if (etag) out['if-none-match'] = etag;
  if (lm) out['if-modified-since'] = lm;
  return Object.keys(out).length ? out : null;
}

/** RFC 9211 2: the shield's Cache-Status member first, then this cache's. */
export function afterShield(c, status) {
  return c.shieldStatus ? `${c.shieldStatus}, ${status}` : status;
}

// A client answer freshet makes itself when the origin gave none it can pass on.
function originProblem(c, status, body, cacheStatusParams) {
  const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
    status: cacheStatus({ fwd: c.stored ? 'stale' : 'uri-miss', ...cacheStatusParams }),
    xcache: shownXCache(c.eng, c.stored ? 'EXPIRED' : 'MISS'),
  });
  return new Response(body, { status, headers });
}

/**
 * Fetches from the origin (conditionally when `c.stored` has validators),
 * stores what the engine allows, and returns the client's response (null
 * in Mode.BACKGROUND).
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c with its mode set
 * @returns {Promise<Response|null>}
 */
export function refresh(s, c) {
  if (!s.shieldNode) return refreshWith(s, c, c.now(), null);
  // The shield's answers say when their content left the origin and the
  // tags of its entry (shield.js markFetched): this fetch's time and the
  // tags of its answer, unless a stored copy answered (serve.js).
  const requestTime = c.now();
  const answer = { tags: '' };
  return refreshWith(s, c, requestTime, answer).then((r) => markFetched(r, requestTime, answer.tags));
}

// `answer` (in the shield): gets the tags of the origin's answer.
async function refreshWith(s, c, requestTime, answer) {
  const { request, env, ctx, rd, record, eng, stored, ld, mode } = c;
  const validators = stored ? validatorsOf(stored.headers) : null;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
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
    // To a shield: the purge floors this location knows for the key, so a
    // shield whose view lags cannot answer with what it purged.
    floors: s.shieldNode || !routeRules(eng, rd.route).shield ? undefined : c.floors ?? s.purges.floors(rd.key, rd.tags ? rd.tags.split(',') : []),
  };
  try {
    resp = await s.origin.viaShield(c, upstream);
    if (resp === null) {
      // The route's originTimeout bounds the wait for status and headers.
      resp = await fetchWithTimeout((signal) => s.origin.fetch(s.origin.request(request, env, { ...upstream, signal }), env), rd.originTimeoutMs);
    }
  } catch (err) {
    failure = err;
  }
  const responseTime = c.now();
  const originFailed = failure !== undefined || resp.status >= 500;

  // RFC 5861 section 4: serve the stale copy when the origin fails.
  if (originFailed && stored && ld?.usableIfError) {
    s.stats.staleIfError++;
    if (resp?.body) resp.body.cancel().catch(() => {});
    if (mode === Mode.BACKGROUND) return null;
    return serveStored(s, c, stored, ld, 'STALE', {
      fwd: 'stale',
      fwdStatus: resp?.status,
      detail: 'stale-if-error',
    });
  }
  if (failure !== undefined) {
    if (mode === Mode.BACKGROUND) throw failure;
    s.log.log({ event: 'origin-error', key: rd.key, message: String(failure?.message ?? failure) });
    if (failure instanceof OriginTimeout) return originProblem(c, 504, 'origin timeout\n', { detail: 'origin-timeout' });
    return originProblem(c, 502, 'origin unreachable\n', { detail: 'origin-unreachable' });
  }

  // A status a Response cannot carry (RFC 9110 15: 100-599; the
  // platform: 200-599 here) is a broken origin answer: 502.
  if (resp.status < 200 || resp.status > 599) {
    s.stats.badOriginStatus++;
    resp.body?.cancel().catch(() => {});
    if (mode === Mode.BACKGROUND) return null;
    return originProblem(c, 502, `origin answered status ${resp.status}\n`, { fwdStatus: resp.status, detail: 'origin-bad-status' });
  }

  // RFC 9111 4.3.4: a 304 freshens the stored entry; the body stays.
  if (resp.status === 304 && stored && validators) {
    const merged = mergeNotModified(stored.originHeaders(), resp.headers, { setCookie: rd.storesSetCookie });
    const sd = eng.store(record, rd.route, stored.status, merged, requestTime, responseTime, c.shieldFetched);
    if (answer !== null) answer.tags = entryTags(rd.tags, merged).join(',');
    const [forClient, forCache] = stored.body ? stored.body.tee() : [null, null];
    if (sd.action === StoreAction.STORE) {
      s.stats.revalidated++;
      ctx.waitUntil(putEntry(s, c, stored.status, stored.statusText, merged, forCache, sd));
    } else {
      forCache?.cancel().catch(() => {});
      ctx.waitUntil(s.storage.deleteEverywhere(c.entryUrl, env));
    }
    if (mode === Mode.BACKGROUND) {
      forClient?.cancel().catch(() => {});
      return null;
    }
    const headers = clientHeaders(merged, {
      removeCdnCacheControl: removesCdnCacheControl(eng, rd.route),
      browserTtl: rd.browserTtl,
      age: sd.age,
      status: afterShield(c, cacheStatus({ fwd: 'stale', fwdStatus: 304, stored: sd.action === StoreAction.STORE, ttl: sd.ttl, key: rd.debug ? rd.key : '' })),
      xcache: shownXCache(eng, 'REVALIDATED'),
      debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
    });
    return fromEntry(s, c, { status: stored.status, statusText: stored.statusText, headers, body: forClient, meta: sd.meta });
  }

  if (stored?.body) stored.body.cancel().catch(() => {});
  const sd = eng.store(record, rd.route, resp.status, resp.headers, requestTime, responseTime, c.shieldFetched);
  if (answer !== null) answer.tags = entryTags(rd.tags, resp.headers).join(',');
  // RFC 9213 2.1: an invalid targeted field is ignored; say so once per
  // route and field, so an operator learns why it has no effect.
  for (const field of sd.ignored) {
    s.log.once(`ignored:${rd.route}:${field}`, { event: 'targeted-field-ignored', field, route: rd.routeName, key: rd.key, value: resp.headers.get(field) });
  }
  // An origin clock behind ours ages every copy on arrival (RFC 9111 4.2.3
  // apparent age): say so once per route, with both clocks, so an operator
  // can fix the clock or set "ageFromDate": false (docs/manifest.md).
  if (sd.clockBehind) {
    s.stats.originClockBehind++;
    s.log.once(`clock:${rd.route}`, { event: 'origin-clock-behind', route: rd.routeName, key: rd.key, date: resp.headers.get('date'), received: new Date(responseTime).toUTCString(), age: sd.age });
  }
  // Every reader (client, tiers, coalesced followers) sees an error, not a
  // clean short body, when the origin does not send the whole body.
  const declared = declaredLength(resp.headers);
  let body = checkedBody(resp.body, declared, (err) => {
    s.stats.incompleteBodies++;
    s.log.log({ event: 'origin-body-incomplete', key: rd.key, message: err.message });
  });
  if (sd.action === StoreAction.STORE) {
    s.stats.stores++;
    let forCache = null;
    if (body) [body, forCache] = body.tee();
    body = framedBody(body, declared);
    s.hitForPass.clear(c.entryUrl);
    ctx.waitUntil(putEntry(s, c, resp.status, resp.statusText, resp.headers, forCache, sd));
  } else {
    bump(s.stats.notStored, sd.reason);
    if (mode !== Mode.BACKGROUND) s.hitForPass.mark(c.entryUrl, requestTime);
    // Nothing usable remains stored once the origin refuses storage.
    if (stored) ctx.waitUntil(s.storage.deleteEverywhere(c.entryUrl, env));
    body = framedBody(body, declared);
  }
  if (mode === Mode.BACKGROUND) {
    body?.cancel().catch(() => {});
    return null;
  }
  const headers = clientHeaders(resp.headers, {
    removeCdnCacheControl: removesCdnCacheControl(eng, rd.route),
    browserTtl: rd.browserTtl,
    status: afterShield(c, cacheStatus({
      fwd: fetchedFwd(mode, c.vary),
      fwdStatus: resp.status,
      stored: sd.action === StoreAction.STORE,
      ttl: sd.action === StoreAction.STORE ? sd.ttl : undefined,
      key: rd.debug ? rd.key : '',
      // Why it was not stored, or why a stored copy is already expired
      // (stale-on-arrival).
      detail: sd.reason === 'stored' ? undefined : sd.reason,
    })),
    xcache: shownXCache(eng, fetchedXCache(mode)),
    debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: sd.reason } : undefined,
  });
  // With a stored response the client's preconditions were not forwarded:
  // answer them against the new response (RFC 9111 4.3.2).
  if (stored && sd.action === StoreAction.STORE) {
    return fromEntry(s, c, { status: resp.status, statusText: resp.statusText, headers, body, meta: sd.meta });
  }
  if (request.method === 'HEAD') {
    body?.cancel().catch(() => {});
    body = null;
  }
  return new Response(body, { status: resp.status, statusText: resp.statusText, headers });
}

/**
 * Stores a response (variants.js putVariant says where). Never throws: a
 * failed or truncated body rejects the put, nothing is stored, and it is
 * counted and logged.
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c
 * @param {object} sd the engine's store decision (meta, platformTtl, omit)
 */
export async function putEntry(s, c, status, statusText, headers, body, sd) {
  const { rd, eng } = c;
  try {
    const cache = s.storage.cacheFor(rd, c.env);
    const stored = omitFields(headersForStorage(headers, sd.meta, sd.platformTtl, rd.tags), sd.omit);
    // "generateEtag": each tier sets a strong ETag from the stored bytes (etag.js).
    if (routeRules(eng, rd.route).generateEtag && !headers.has('etag') && !headers.has('last-modified')) stored.set(ETAG_FLAG, 'generate');
    // The engine stores a response with Set-Cookie only where the route
    // ("setCookie": "store" or "strip") or the deployment allows it. The
    // platform drops puts with Set-Cookie, so kept cookies go aside;
    // "strip" omits them (the engine's omit list says so).
    if (!omitted(sd.omit, 'set-cookie')) keepSetCookies(stored, headers);
    const entry = storableEntry(status, statusText, stored, body, c.now());
    await putVariant(cache, c, sd.vary, entry, sd.platformTtl);
  } catch (err) {
    // A failed or truncated body rejects the put: nothing is stored.
    s.stats.cacheErrors++;
    s.log.log({ event: 'store-failed', key: rd.key, message: String(err?.message ?? err) });
  }
}

/**
 * After a stale hit: one revalidation per entry URL at a time, in
 * ctx.waitUntil (Mode.BACKGROUND).
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c its `stored` a copy the client's answer does not read
 */
export function revalidateInBackground(s, c) {
  const { rd, entryUrl } = c;
  if (s.revalidations.has(entryUrl)) return;
  s.stats.backgroundRevalidations++;
  const p = refresh(s, c.with({ mode: Mode.BACKGROUND }))
    .catch((err) => s.log.log({ event: 'revalidation-failed', key: rd.key, message: String(err?.message ?? err) }))
    .finally(() => s.revalidations.delete(entryUrl));
  s.revalidations.set(entryUrl, p);
  c.ctx.waitUntil(p);
}

/**
 * Coalesced origin fetch: the first request for a key leads, the others
 * wait and then read the leader's entry (or fetch themselves if it stored
 * nothing). GET and HEAD, and POST on routes that key on the body (the
 * only POSTs the engine looks up): a follower's body is still unread.
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c with its mode set
 */
export function coalesced(s, c) {
  const { request, env } = c;
  const go = () => refresh(s, c);
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') return go();
  // Hit-for-pass: the last answer for this key was not storable; do not
  // make this request wait behind another one.
  if (s.hitForPass.active(c.entryUrl, c.now())) {
    s.stats.hitForPass++;
    return go();
  }
  return s.coalescer.run(c.entryUrl, go, (shared) => {
    if (!shared) return go();
    c.stored?.body?.cancel().catch(() => {});
    return s.handle(request, env, c.ctx, null, true, c.started);
  }, { maxWaitMs: leaderBoundMs(c) });
}

/** Slack over a leader's own timeouts before its followers stop waiting. */
export const LEADER_SLACK_MS = 5000;

// The longest a leader takes to answer: its shield's accept and answer
// bounds (shield.js), the route's originTimeout (fetchWithTimeout), slack.
function leaderBoundMs({ eng, rd }) {
  const shield = routeRules(eng, rd.route).shield;
  const shieldMs = shield ? 2 * (shield.timeoutMs ?? 0) : 0;
  return (rd.originTimeoutMs || 30_000) + shieldMs + LEADER_SLACK_MS;
}
