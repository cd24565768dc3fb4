// Header work on responses going to the client or into the platform cache.

import { LENGTH_HEADER } from './integrity.js';
import { ETAG_FLAG } from './etag.js';
import { META_HEADER } from './entry_meta.js';

/** Headers the engine keeps on stored entries; never shown to clients. */
export { META_HEADER };
export const ORIGIN_CC_HEADER = 'x-freshet-origin-cc';
/** On a variant marker (docs/architecture.md "Variants"): the Vary field names and the generation. */
export const VARY_HEADER = 'x-freshet-vary';
export const VARY_GEN_HEADER = 'x-freshet-vary-gen';
/** The entry's purge tags: the route's, plus the origin's Cache-Tag / Surrogate-Key. */
export const TAGS_HEADER = 'x-freshet-tags';
/** The origin's status of a stored entry (the platform stores every entry as a 200). */
export const STATUS_HEADER = 'x-freshet-status';
const INTERNAL = [META_HEADER, ORIGIN_CC_HEADER, VARY_HEADER, VARY_GEN_HEADER, TAGS_HEADER, STATUS_HEADER, 'x-freshet-tier', LENGTH_HEADER, ETAG_FLAG];

/**
 * Fields the platform's cache adds to a matched entry about that internal
 * entry (not the origin's answer), removed from every stored copy:
 * CF-Cache-Status (Cloudflare and Miniflare). The platform's Age and Date
 * are replaced too (the engine's Age; the origin's Date, kept aside), and
 * so is Miniflare's heuristic Warning (see KEPT below).
 */
export const PLATFORM_ENTRY_FIELDS = ['cf-cache-status'];

/** Fields addressed to freshet alone (its targeted field, Surrogate-Control, tags); stripped before the client. */
export const CDN_ONLY = ['freshet-cache-control', 'surrogate-control', 'cache-tag', 'surrogate-key'];

const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 128;

/**
 * Tags of an entry: the route's (comma-separated, from the engine) merged
 * with the origin's Cache-Tag (comma-separated) and Surrogate-Key
 * (space-separated). Deduplicated, at most 64 tags of at most 128 bytes.
 */
export function entryTags(routeTags, headers) {
  const all = [
    ...(routeTags ? routeTags.split(',') : []),
    ...(headers.get('cache-tag') ?? '').split(','),
    ...(headers.get('surrogate-key') ?? '').split(/\s+/),
  ];
  const out = new Set();
  for (const raw of all) {
    const tag = raw.trim();
    if (tag && tag.length <= MAX_TAG_LENGTH && /^[\x21-\x7e]+$/.test(tag) && !tag.includes(',')) out.add(tag);
    if (out.size >= MAX_TAGS) break;
  }
  return [...out];
}

/** Request header through which tests set the clock (only with FRESHET_TEST_MODE=1). */
export const TEST_NOW_HEADER = 'x-freshet-test-now';
/** Request header that waits for background work first (only with FRESHET_TEST_MODE=1). */
export const TEST_SETTLE_HEADER = 'x-freshet-test-settle';

// Hop-by-hop fields (RFC 9110 section 7.6.1) are not stored.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Removes hop-by-hop fields and the fields Connection names (RFC 9110 7.6.1), on requests and responses alike. */
export function dropHopByHop(out) {
  const listed = out.get('connection');
  if (listed) for (const name of listed.split(',')) if (name.trim()) out.delete(name.trim());
  for (const h of HOP_BY_HOP) out.delete(h);
}

// An sf-string (RFC 8941 section 3.3.3).
function sfString(s) {
  return '"' + String(s).replace(/[\\"]/g, (c) => '\\' + c).replace(/[^\x20-\x7e]/g, '?') + '"';
}

/**
 * Cache-Status (RFC 9211 section 2): one member for this cache.
 * @param {object} p hit, fwd, fwdStatus, stored, ttl, collapsed, key, detail
 */
export function cacheStatus(p) {
  let v = 'freshet';
  if (p.hit) v += '; hit';
  if (p.fwd) v += `; fwd=${p.fwd}`;
  if (p.fwdStatus) v += `; fwd-status=${p.fwdStatus}`;
  if (p.stored) v += '; stored';
  if (p.collapsed) v += '; collapsed';
  if (Number.isFinite(p.ttl)) v += `; ttl=${Math.trunc(p.ttl)}`;
  if (p.key) v += `; key=${sfString(p.key)}`;
  if (p.detail) v += `; detail=${sfString(p.detail)}`;
  // Extension parameter: which storage tier answered, when not the Cache API.
  if (p.tier === 'memory' || p.tier === 'global') v += `; tier=${p.tier}`;
  return v;
}

/** Headers for the platform cache: original fields plus the engine's metadata. */
export function headersForStorage(headers, meta, platformTtl, routeTags = '') {
  const out = new Headers(headers);
  dropHopByHop(out);
  out.delete('set-cookie');
  // Internal fields are freshet's alone: an origin cannot set them.
  for (const h of INTERNAL) out.delete(h);
  // The engine keeps the age in the metadata (RFC 9111 4.2.3); a stored Age
  // would also make the platform shorten its own lifetime.
  out.delete('age');
  const cc = headers.get('cache-control');
  out.delete(ORIGIN_CC_HEADER);
  if (cc !== null) out.set(ORIGIN_CC_HEADER, cc);
  // The platform honours only its own view of freshness and never returns
  // expired entries: give it the whole window in which the engine may still
  // use the entry (fresh + stale windows + time to revalidate).
  out.set('cache-control', `public, max-age=${Math.max(1, Math.trunc(platformTtl))}`);
  out.set(META_HEADER, meta);
  const tags = entryTags(routeTags, headers);
  if (tags.length) out.set(TAGS_HEADER, tags.join(','));
  return out;
}

/** The origin's own fields of a stored entry (internal fields removed). */
export function storedOriginHeaders(headers) {
  const out = new Headers(headers);
  const cc = headers.get(ORIGIN_CC_HEADER);
  if (cc !== null) out.set('cache-control', cc);
  else out.delete('cache-control');
  for (const h of INTERNAL) out.delete(h);
  return out;
}

/**
 * Final touches on any response leaving freshet. With `inPlace`, `headers`
 * (a copy the caller owns) is changed instead of copied again;
 * `removeCdnCacheControl` is the route's "cdnCacheControl": "remove".
 */
export function clientHeaders(headers, { browserTtl, age, status, xcache, debug, removeCdnCacheControl = false, inPlace = false }) {
  const out = inPlace ? headers : new Headers(headers);
  dropHopByHop(out);
  for (const h of CDN_ONLY) out.delete(h);
  // RFC 9213: CDN-Cache-Control addresses every CDN in the chain and is
  // passed on, unless the route says "cdnCacheControl": "remove".
  if (removeCdnCacheControl) out.delete('cdn-cache-control');
  for (const h of INTERNAL) out.delete(h);
  if (browserTtl !== undefined && browserTtl >= 0) {
    out.set('cache-control', browserTtl === 0 ? 'no-cache' : `public, max-age=${Math.trunc(browserTtl)}`);
  }
  if (age !== undefined) out.set('age', String(Math.max(0, Math.trunc(age))));
  out.set('cache-status', status);
  out.set('x-cache', xcache);
  if (debug) {
    for (const [k, v] of Object.entries(debug)) if (v !== undefined && v !== '') out.set(`x-freshet-${k}`, String(v));
  }
  return out;
}

/**
 * A stored entry freshened by a 304 (RFC 9111 sections 3.2 and 4.3.4): every
 * field of the 304 replaces the stored one, except
 * - fields that describe the stored content itself and must stay true to the
 *   stored bytes (3.2 "the Content-Length header field" and fields "necessary
 *   to assure integrity of the stored response"): Content-Length,
 *   Content-Encoding, Content-Range, Content-MD5, Digest;
 * - the stored validator: the 304 answered our If-None-Match for the stored
 *   ETag, so that ETag stays the entry's (4.3.4);
 * - fields never stored (Set-Cookie) and hop-by-hop fields (3.1).
 */
export function mergeNotModified(storedHeaders, notModifiedHeaders, { setCookie = false } = {}) {
  const out = new Headers(storedHeaders);
  // Where Set-Cookie responses are stored (FRESHET_STORE_SET_COOKIE), the
  // 304's cookies replace the stored ones like any other field.
  const cookies = setCookie ? new Headers(notModifiedHeaders).getSetCookie() : [];
  if (cookies.length) {
    out.delete('set-cookie');
    for (const c of cookies) out.append('set-cookie', c);
  }
  const keep = new Set(['set-cookie', 'content-length', 'content-encoding', 'content-range', 'content-md5', 'digest', 'etag', ...HOP_BY_HOP]);
  const fresh = new Headers(notModifiedHeaders);
  dropHopByHop(fresh);
  for (const [name, value] of fresh) {
    if (keep.has(name)) continue;
    out.set(name, value);
  }
  return out;
}

/** Fields of a 304 the cache generates from a stored response (RFC 9110 15.4.5). */
export function notModifiedHeaders(headers) {
  const out = new Headers(headers);
  for (const h of ['content-length', 'content-type', 'content-encoding', 'content-language', 'content-range', 'content-md5', 'digest', 'transfer-encoding']) out.delete(h);
  return out;
}

/** The marker kept at a key URL whose responses vary (docs/architecture.md "Variants"). */
export function varyMarkerHeaders(names, generation, platformTtl) {
  return new Headers({
    [VARY_HEADER]: names,
    [VARY_GEN_HEADER]: generation,
    'cache-control': `public, max-age=${Math.max(1, Math.trunc(platformTtl))}`,
  });
}

// Statuses whose responses never carry content (RFC 9110 15.3.5, 15.3.6, 15.4.5).
const NULL_BODY = new Set([204, 205, 304]);

// Origin fields the platform's cache rewrites on match (Miniflare: Date set
// to its own clock, a heuristic Warning added): kept under KEPT_PREFIX and
// restored, so a stored response keeps its own Date (RFC 9110 6.6.1).
const KEPT = ['date', 'warning'];
const KEPT_PREFIX = 'x-freshet-kept-';
// Set-Cookie values, percent-encoded and comma-joined (they may hold commas).
const KEPT_SET_COOKIE = 'x-freshet-kept-set-cookie';

/** Keeps the Set-Cookie fields of `from` in `storage` (the platform drops them). */
export function keepSetCookies(storage, from) {
  const cookies = new Headers(from).getSetCookie();
  if (cookies.length) storage.set(KEPT_SET_COOKIE, cookies.map(encodeURIComponent).join(','));
  return storage;
}

/**
 * The platform's cache keeps only some statuses (Miniflare: those
 * http-cache-semantics understands; 204 not at all), whatever freshness the
 * engine granted. Every entry is therefore stored as a 200 with the origin's
 * status in STATUS_HEADER; storedEntry() restores it and the KEPT fields.
 */
export function storableEntry(status, statusText, headers, body) {
  for (const f of KEPT) {
    const v = headers.get(f);
    if (v !== null) headers.set(KEPT_PREFIX + f, v);
  }
  if (status === 200) return new Response(body, { status, statusText, headers });
  headers.set(STATUS_HEADER, String(status));
  return new Response(NULL_BODY.has(status) ? null : body, { status: 200, statusText, headers });
}

/** A matched entry as the origin sent it again (see storableEntry). */
export function storedEntry(resp) {
  if (!resp) return resp;
  const headers = new Headers(resp.headers);
  for (const f of PLATFORM_ENTRY_FIELDS) headers.delete(f);
  for (const f of KEPT) {
    const v = headers.get(KEPT_PREFIX + f);
    headers.delete(KEPT_PREFIX + f);
    if (v !== null) headers.set(f, v);
    else if (f !== 'date') headers.delete(f);
  }
  const cookies = headers.get(KEPT_SET_COOKIE);
  headers.delete(KEPT_SET_COOKIE);
  if (cookies) for (const c of cookies.split(',')) headers.append('set-cookie', decodeURIComponent(c));
  const coded = Number(resp.headers.get(STATUS_HEADER));
  headers.delete(STATUS_HEADER);
  const status = Number.isInteger(coded) && coded >= 200 && coded <= 599 ? coded : resp.status;
  if (NULL_BODY.has(status)) resp.body?.cancel().catch(() => {});
  return new Response(NULL_BODY.has(status) ? null : resp.body, { status, statusText: resp.statusText, headers });
}

/** Removes the comma-separated fields the engine says a stored copy omits. */
export function omitFields(headers, list) {
  if (list) for (const name of list.split(',')) if (name) headers.delete(name);
  return headers;
}
