// Answers from a stored (or just freshened) entry: the client's headers
// (Age, Cache-Status, x-cache, debug fields), its preconditions (304), a
// Range (206), HEAD; and the 504 of only-if-cached.

import { ConditionalAction, MissAction } from './abi.js';
import { rangeResponse } from './range.js';
import { IN_FLIGHT, TIER_HEADER } from './tiers.js';
import { TAGS_HEADER, cacheStatus, clientFields, clientHeaders, notModifiedHeaders, responseWithFields, markServerTimed, serverTiming, shownXCache, storedClientFields } from './response_headers.js';
import { removesCdnCacheControl } from './pass.js';
import { hitTemplate, keptHitTemplate } from './stored_plan.js';
import { parseEntryMeta } from './entry_meta.js';
import { markFetched } from './shield.js';

const PRECONDITIONS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since'];

/** Request fields that make an answer from a stored entry other than the entry as stored (fromEntry). */
export const ANSWER_FIELDS = new Set([...PRECONDITIONS, 'range']);

/**
 * True when the request of `record` (engine.js RequestRecord) carries a
 * precondition or a Range: its answer is not the entry as stored.
 */
export function hasAnswerField(record) {
  for (const h of ANSWER_NAMES) if (record.has(h)) return true;
  return false;
}

const ANSWER_NAMES = [...ANSWER_FIELDS];

/** True when `headers` (a request's) carry a precondition (RFC 9110 13.1). */
export function hasPrecondition(headers) {
  for (const h of PRECONDITIONS) if (headers.has(h)) return true;
  return false;
}

/**
 * The client's response built from a stored (or just freshened) entry:
 * its preconditions are answered with 304 (RFC 9111 4.3.2), a Range with
 * 206 (RFC 9110 14.2), HEAD without a body.
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c
 * @param {{status: number, statusText: string, headers: Headers, body: ReadableStream|null, meta: string}} entry
 *   `headers`: the client's, finished (clientHeaders)
 */
export async function fromEntry(s, c, { status, statusText, headers, body, meta }) {
  const { request, eng, record } = c;
  // Only a request with a precondition (RFC 9110 13.1) can be answered
  // 304 or 412: skip the engine call for the others (most hits).
  if (status >= 200 && status < 300 && hasPrecondition(request.headers)) {
    let cd;
    try {
      cd = eng.conditional(record, headers, meta);
    } catch (err) {
      s.engines.failed(err);
    }
    if (cd?.action === ConditionalAction.NOT_MODIFIED) {
      s.stats.notModified++;
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

/**
 * Serves `stored` with the engine's lookup decision `ld`.
 * @param {import('./request_context.js').Services} s
 * @param {import('./request_context.js').RequestContext} c
 * @param {import('./stored_entry.js').StoredEntry} stored
 * @param {object} ld engine.js lookup decision (age, ttl, reason)
 * @param {'HIT'|'STALE'} xcache
 * @param {object} [extra] more Cache-Status parameters (fwd, fwdStatus, detail, collapsed)
 */
export function serveStored(s, c, stored, ld, xcache, extra = {}) {
  if (!s.shieldNode) return answerStored(s, c, stored, ld, xcache, extra);
  // The shield's answers say when their content left the origin (shield.js
  // markFetched): when this copy's request did (entry_meta.js).
  const meta = parseEntryMeta(stored.engineMeta());
  const at = meta === null ? null : meta.responseTimeMs - meta.fetchMs;
  const answer = answerStored(s, c, stored, ld, xcache, extra);
  const tags = stored.field(TAGS_HEADER) ?? '';
  return answer instanceof Promise ? answer.then((r) => markFetched(r, at, tags)) : markFetched(answer, at, tags);
}

function answerStored(s, c, stored, ld, xcache, extra) {
  const { rd } = c;
  const removeCdn = removesCdnCacheControl(c.eng, rd.route);
  const { status, statusText } = stored;
  // Most hits: a GET without preconditions or Range (c.plain), answered as
  // stored: what fromEntry would answer, without its Headers object.
  if (c.plain) {
    const ms = c.started !== null ? Date.now() - c.started : null;
    let response;
    const plan = stored.plan;
    if (plan !== null && !rd.debug) {
      // The copy's plan (stored_plan.js): the origin's fields copied in
      // the runtime from its template, then what this answer sets; a plain
      // HIT copies those too, made once per lookup decision.
      if (xcache === 'HIT' && extra.collapsed === undefined) {
        // A plain HIT: every field in one copy (Server-Timing too), but
        // the platform's Date where the copy kept none.
        // The fields kept from an earlier hit with the same decision, else made.
        const headers = keptHitTemplate(plan, removeCdn, rd.browserTtl, ld, ms) ?? hitTemplate(plan, removeCdn, rd.browserTtl, ld, clientFields(storedOptions(c, stored, ld, xcache, extra, removeCdn)), ms);
        response = new Response(stored.content, { status, statusText, headers });
        if (plan.liveDate) {
          const date = stored.headers.get('date');
          if (date !== null) response.headers.append('date', date);
        }
      } else {
        const set = clientFields(storedOptions(c, stored, ld, xcache, extra, removeCdn));
        response = new Response(stored.content, { status, statusText, headers: plan.template(removeCdn, set) });
        const out = response.headers;
        for (let i = 0; i < set.length; i++) out.append(set[i][0], set[i][1]);
        if (plan.liveDate) {
          const date = stored.headers.get('date');
          if (date !== null) out.append('date', date);
        }
        if (ms !== null) out.append('server-timing', serverTiming(ms, xcache));
      }
    } else {
      // The client's fields in one pass over the stored copy's.
      const fields = storedClientFields(stored.fields, storedOptions(c, stored, ld, xcache, extra, removeCdn));
      if (ms !== null) fields.push(['server-timing', serverTiming(ms, xcache)]);
      response = responseWithFields(stored.content, status, statusText, fields);
    }
    if (ms !== null) markServerTimed(response);
    return response;
  }
  return fromEntry(s, c, { status, statusText, headers: new Headers(storedClientFields(stored.fields, storedOptions(c, stored, ld, xcache, extra, removeCdn))), body: stored.body, meta: stored.engineMeta() });
}

// The clientFields options of an answer from `stored` (serveStored's).
function storedOptions(c, stored, ld, xcache, extra, removeCdn) {
  const { rd } = c;
  const tier = stored.field(TIER_HEADER);
  return {
    removeCdnCacheControl: removeCdn,
    browserTtl: rd.browserTtl,
    age: ld.age,
    status: cacheStatus({ hit: true, ttl: ld.ttl, key: rd.debug ? rd.key : '', tier, collapsed: tier === IN_FLIGHT || undefined, ...extra }),
    xcache: shownXCache(c.eng, xcache),
    debug: rd.debug ? { key: rd.key, route: rd.routeName, reason: extra.detail ?? ld.reason } : undefined,
  };
}

/**
 * RFC 9111 5.2.1.7: a request with only-if-cached that no stored response
 * can answer gets a 504 without contacting the origin; null otherwise.
 * @param {import('./request_context.js').RequestContext} c
 */
export function onlyIfCached({ rd, eng }) {
  // The engine decided it with the request (RequestDecision.missAction).
  if (rd.missAction !== MissAction.GATEWAY_TIMEOUT) return null;
  const headers = clientHeaders(new Headers({ 'content-type': 'text/plain' }), {
    status: cacheStatus({ detail: rd.missReason }),
    xcache: shownXCache(eng, 'MISS'),
  });
  return new Response('not cached (only-if-cached)\n', { status: 504, headers });
}
