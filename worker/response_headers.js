// Header work on responses going to the client or into the platform cache.

import { LENGTH_HEADER } from './integrity.js';
import { ETAG_FLAG } from './etag.js';
import { DATE_ITEM, META_HEADER, fixdateSeconds, keptDateOf, newCopyId, originCcOf, storedMetaValue, withMetaItem } from './entry_meta.js';
import { SHIELD_FETCHED_HEADER } from './shield.js';

/** Headers the engine keeps on stored entries; never shown to clients. */
export { META_HEADER };
/** Where copies stored before the origin's Cache-Control moved into META_HEADER kept it (read, never written). */
export const ORIGIN_CC_HEADER = 'x-freshet-origin-cc';
/** On a variant marker (docs/architecture.md "Variants"): the Vary field names and the generation. */
export const VARY_HEADER = 'x-freshet-vary';
export const VARY_GEN_HEADER = 'x-freshet-vary-gen';
/** The entry's purge tags: the route's, plus the origin's Cache-Tag / Surrogate-Key. */
export const TAGS_HEADER = 'x-freshet-tags';
/** The origin's status of a stored entry (the platform stores every entry as a 200). */
export const STATUS_HEADER = 'x-freshet-status';
const INTERNAL = [META_HEADER, ORIGIN_CC_HEADER, VARY_HEADER, VARY_GEN_HEADER, TAGS_HEADER, STATUS_HEADER, 'x-freshet-tier', LENGTH_HEADER, ETAG_FLAG, SHIELD_FETCHED_HEADER];

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
  // The origin's Cache-Control travels in the metadata field (entry_meta.js
  // storedMetaValue): the platform honours only its own view of freshness
  // and never returns expired entries, so its Cache-Control gives the whole
  // window in which the engine may still use the entry (fresh + stale
  // windows + time to revalidate).
  const cc = headers.get('cache-control');
  out.set('cache-control', `public, max-age=${Math.max(1, Math.trunc(platformTtl))}`);
  out.set(META_HEADER, storedMetaValue(meta, cc, newCopyId()));
  const tags = entryTags(routeTags, headers);
  if (tags.length) out.set(TAGS_HEADER, tags.join(','));
  return out;
}

// Fields no client sees: hop-by-hop, CDN-only and internal ones.
const CLIENT_DROPPED = new Set([...HOP_BY_HOP, ...CDN_ONLY, ...INTERNAL]);

/**
 * The fields freshet sets on a response leaving it, as [name, value] pairs
 * (see clientHeaders for the options).
 */
export function clientFields({ browserTtl, age, status, xcache, debug }) {
  const out = [];
  if (browserTtl !== undefined && browserTtl >= 0) {
    out.push(['cache-control', browserTtl === 0 ? 'no-cache' : `public, max-age=${Math.trunc(browserTtl)}`]);
  }
  if (age !== undefined) out.push(['age', String(Math.max(0, Math.trunc(age)))]);
  out.push(['cache-status', status]);
  // null: the manifest's "clientHeaders" turned x-cache off (shownXCache).
  if (xcache !== null && xcache !== undefined) out.push(['x-cache', xcache]);
  if (debug) {
    for (const [k, v] of Object.entries(debug)) if (v !== undefined && v !== '') out.push([`x-freshet-${k}`, String(v)]);
  }
  return out;
}

/**
 * Final touches on any response leaving freshet. With `inPlace`, `headers`
 * (a copy the caller owns) is changed instead of copied again;
 * `removeCdnCacheControl` is the route's "cdnCacheControl": "remove".
 */
export function clientHeaders(headers, { removeCdnCacheControl = false, inPlace = false, ...fields }) {
  const out = inPlace ? headers : new Headers(headers);
  // Hop-by-hop fields, CDN-only fields (RFC 9213: CDN-Cache-Control
  // addresses every CDN in the chain and is passed on, unless the route
  // says "cdnCacheControl": "remove") and internal ones.
  dropHopByHop(out);
  if (removeCdnCacheControl) out.delete('cdn-cache-control');
  for (const h of CLIENT_DROPPED) out.delete(h);
  for (const [name, value] of clientFields(fields)) out.set(name, value);
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

/**
 * A Server-Timing (W3C) member: how long freshet took (ms) and what it did
 * (the x-cache value; without one, no desc).
 */
export function serverTiming(ms, what) {
  return what ? `freshet;dur=${ms};desc="${what}"` : `freshet;dur=${ms}`;
}

/**
 * The x-cache value `value` as the manifest of `eng` lets it out: null
 * (no field) under "clientHeaders": {"xCache": false}; `value` when there
 * is no engine to ask.
 * @param {{ xCacheHeader?: boolean } | null | undefined} eng
 * @param {string} value
 */
export function shownXCache(eng, value) {
  return eng?.xCacheHeader === false ? null : value;
}

// Responses built with their Server-Timing member already (the handler adds
// none): marked with a property of their own, which costs a hit less than
// a WeakSet entry (in workerd, ~1 us to add one for a Response).
const SERVER_TIMED = Symbol('freshet.serverTimed');

/** Marks `response` as carrying freshet's Server-Timing member. */
export function markServerTimed(response) {
  response[SERVER_TIMED] = true;
  return response;
}

/** Whether markServerTimed marked `response`. */
export function isServerTimed(response) {
  return response[SERVER_TIMED] === true;
}

// Origin fields the platform's cache rewrites on match (Miniflare: Date set
// to its own clock, a heuristic Warning added): kept under KEPT_PREFIX and
// restored, so a stored response keeps its own Date (RFC 9110 6.6.1).
const KEPT = ['date', 'warning'];
const KEPT_PREFIX = 'x-freshet-kept-';
// Set-Cookie values, percent-encoded and comma-joined (they may hold commas).
const KEPT_SET_COOKIE = 'x-freshet-kept-set-cookie';
const KEPT_DATE = KEPT_PREFIX + 'date';
/** Where a stored copy keeps the origin's Date when its metadata cannot (the platform's cache rewrites Date; see keepDate). */
export const KEPT_DATE_HEADER = KEPT_DATE;
const KEPT_WARNING = KEPT_PREFIX + 'warning';

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
 * `receivedMs`: when the response arrived, for a Date where it has none.
 */
export function storableEntry(status, statusText, headers, body, receivedMs = null) {
  // An internal field is freshet's alone: an origin cannot set one.
  for (const f of KEPT) headers.delete(KEPT_PREFIX + f);
  keepDate(headers, receivedMs);
  const warning = headers.get('warning');
  if (warning !== null) headers.set(KEPT_WARNING, warning);
  if (status === 200) return new Response(body, { status, statusText, headers });
  headers.set(STATUS_HEADER, String(status));
  return new Response(NULL_BODY.has(status) ? null : body, { status: 200, statusText, headers });
}

// The origin's Date of a copy to store, kept aside from the platform's: as
// seconds in the metadata field (entry_meta.js DATE_ITEM: no field of its
// own) where it is an IMF-fixdate and the copy has metadata, else in
// KEPT_DATE. RFC 9110 6.6.1: a recipient with a clock that caches a
// response without Date records when it was received (`receivedMs`) and
// adds a Date saying so.
function keepDate(headers, receivedMs) {
  let date = headers.get('date');
  if (date === null && receivedMs !== null) date = new Date(receivedMs).toUTCString();
  if (date === null) return;
  const meta = headers.get(META_HEADER);
  const seconds = meta === null ? null : fixdateSeconds(date);
  if (seconds === null) headers.set(KEPT_DATE, date);
  else headers.set(META_HEADER, withMetaItem(meta, DATE_ITEM, seconds));
}

/** The origin's status of a stored copy (see storableEntry); `fallback` when it is not recorded. */
export function storedStatus(raw, fallback) {
  return storedStatusValue(raw.get(STATUS_HEADER), fallback);
}

/** storedStatus from the STATUS_HEADER value (null: none). */
export function storedStatusValue(value, fallback) {
  if (value === null) return fallback;
  const coded = Number(value);
  return Number.isInteger(coded) && coded >= 200 && coded <= 599 ? coded : fallback;
}

/** Whether a response of `status` carries no content (RFC 9110 15.3.5, 15.3.6, 15.4.5). */
export function hasNullBody(status) {
  return NULL_BODY.has(status);
}

// Fields of a stored copy that are not the origin's as they stand: the
// platform's, the internal ones, and those storableEntry put aside (restored
// from KEPT_PREFIX), and Cache-Control (the platform's; the origin's is in
// the metadata field, entry_meta.js storedMetaValue).
const STORED_ONLY = new Set([...PLATFORM_ENTRY_FIELDS, ...INTERNAL, ...KEPT.map((f) => KEPT_PREFIX + f), KEPT_SET_COOKIE, 'warning', 'cache-control']);

// Fields of a stored copy read aside in storedPass: the kept ones, the
// metadata (with the origin's Cache-Control; copies stored before kept that
// in ORIGIN_CC_HEADER) and the platform's Date.
const READ_ASIDE = new Set([KEPT_DATE, KEPT_WARNING, KEPT_SET_COOKIE, META_HEADER, ORIGIN_CC_HEADER, 'date']);

// One pass over a stored copy's fields (see storedFields): the origin's
// fields as pairs, less those `drop` names, and the copy's Connection value.
function storedPass(raw, drop) {
  const aside = {};
  let connection = null;
  const out = [];
  for (const field of raw) {
    const name = field[0];
    if (READ_ASIDE.has(name)) {
      aside[name] = field[1];
      continue;
    }
    if (name === 'connection') connection = field[1];
    if (STORED_ONLY.has(name) || (drop && drop(name))) continue;
    out.push(field);
  }
  const restore = (name, value) => {
    if (value !== undefined && (!drop || !drop(name))) out.push([name, value]);
  };
  // The origin's Date where it was kept, else the platform's.
  restore('date', keptDateOf(aside[META_HEADER]) ?? aside[KEPT_DATE] ?? aside.date);
  restore('warning', aside[KEPT_WARNING]);
  if (aside[KEPT_SET_COOKIE]) for (const c of aside[KEPT_SET_COOKIE].split(',')) restore('set-cookie', decodeURIComponent(c));
  restore('cache-control', originCcOf(aside[META_HEADER]) ?? aside[ORIGIN_CC_HEADER]);
  return { out, connection };
}

/**
 * The origin's fields of a stored copy, as [name, value] pairs, from the
 * copy's headers as matched (`raw`): the platform's and the internal fields
 * out, the kept Date, Warning and Set-Cookie and the origin's Cache-Control
 * back (see storableEntry, headersForStorage).
 * @param {Headers} raw
 * @returns {[string, string][]}
 */
export function storedFields(raw) {
  return storedPass(raw).out;
}

/**
 * The client's fields for an answer from a stored copy in one pass, as
 * [name, value] pairs: storedFields(raw), then what clientHeaders(...)
 * does with `o` (the same options).
 * @param {Headers|[string, string][]} raw the stored copy's fields as matched
 */
export function storedClientFields(raw, o) {
  const set = clientFields(o);
  const out = storedOriginPart(raw, o.removeCdnCacheControl === true, set);
  for (let i = 0; i < set.length; i++) out.push(set[i]);
  return out;
}

/**
 * The origin's part of storedClientFields(raw, o): every field of it but
 * those clientFields(o) sets (`set`: the names, as [name, ...] entries).
 */
export function storedOriginPart(raw, removeCdn, set) {
  const drop = (name) => {
    if (CLIENT_DROPPED.has(name) || (removeCdn && name === 'cdn-cache-control')) return true;
    for (let i = 0; i < set.length; i++) if (set[i][0] === name) return true;
    return false;
  };
  let { out, connection } = storedPass(raw, drop);
  // Fields the Connection field names are hop-by-hop too (RFC 9110 7.6.1).
  if (connection) {
    const listed = connection.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
    out = out.filter(([name]) => !listed.includes(name));
  }
  return out;
}

/**
 * new Response(body, { status, statusText, headers: fields }) for
 * [name, value] pairs, with the fields appended to the new response's own
 * headers one by one: the same response (the constructor appends them the
 * same way, after converting the whole list), and in Node about 1 us
 * cheaper for a hit's seven fields (docs/performance.md). Only for a body
 * that brings no Content-Type of its own (null, bytes or a stream); any
 * other goes through the constructor.
 * @param {ReadableStream|Uint8Array|ArrayBuffer|null} body
 * @param {[string, string][]} fields
 */
export function responseWithFields(body, status, statusText, fields) {
  if (body !== null && !(body instanceof ReadableStream) && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
    return new Response(body, { status, statusText, headers: fields });
  }
  const response = new Response(body, { status, statusText });
  const headers = response.headers;
  for (let i = 0; i < fields.length; i++) headers.append(fields[i][0], fields[i][1]);
  return response;
}

/** Removes the comma-separated fields the engine says a stored copy omits. */
export function omitFields(headers, list) {
  if (list) for (const name of list.split(',')) if (name) headers.delete(name);
  return headers;
}
