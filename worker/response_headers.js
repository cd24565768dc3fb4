// Header work on responses going to the client or into the platform cache.

/** Headers the engine keeps on stored entries; never shown to clients. */
export const META_HEADER = 'x-freshet-meta';
export const ORIGIN_CC_HEADER = 'x-freshet-origin-cc';
const INTERNAL = [META_HEADER, ORIGIN_CC_HEADER];

/** Targeted fields meant for the CDN tier (RFC 9213 section 2); stripped before the client. */
export const CDN_ONLY = ['freshet-cache-control', 'cdn-cache-control', 'surrogate-control'];

/** Request header through which tests set the clock (only with FRESHET_TEST_MODE=1). */
export const TEST_NOW_HEADER = 'x-freshet-test-now';
/** Request header that waits for background work first (only with FRESHET_TEST_MODE=1). */
export const TEST_SETTLE_HEADER = 'x-freshet-test-settle';

// Hop-by-hop fields (RFC 9110 section 7.6.1) are not stored.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

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
  return v;
}

/** Headers for the platform cache: original fields plus the engine's metadata. */
export function headersForStorage(headers, meta, platformTtl) {
  const out = new Headers(headers);
  for (const h of HOP_BY_HOP) out.delete(h);
  out.delete('set-cookie');
  const cc = headers.get('cache-control');
  out.delete(ORIGIN_CC_HEADER);
  if (cc !== null) out.set(ORIGIN_CC_HEADER, cc);
  // The platform honours only its own view of freshness and never returns
  // expired entries: give it the whole window in which the engine may still
  // use the entry (fresh + stale windows + time to revalidate).
  out.set('cache-control', `public, max-age=${Math.max(1, Math.trunc(platformTtl))}`);
  out.set(META_HEADER, meta);
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

/** Final touches on any response leaving freshet. */
export function clientHeaders(headers, { browserTtl, age, status, xcache, debug }) {
  const out = new Headers(headers);
  for (const h of CDN_ONLY) out.delete(h);
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
 * Fields of a 304 that update a stored entry (RFC 9111 section 3.2): all,
 * except those that describe the 304 message itself.
 */
export function mergeNotModified(storedHeaders, notModifiedHeaders) {
  const out = new Headers(storedHeaders);
  const keep = new Set(['set-cookie', 'content-length', 'content-encoding', 'content-type', 'content-range', ...HOP_BY_HOP]);
  for (const [name, value] of notModifiedHeaders) {
    if (keep.has(name)) continue;
    out.set(name, value);
  }
  return out;
}
