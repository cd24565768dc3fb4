// Entry metadata: what the engine keeps with every stored entry, in the
// META_HEADER field of the stored copy (never shown to clients). The engine
// writes it (fr_store) and judges it (fr_lookup, fr_conditional); the worker
// hands it over as text and reads it only for display (the admin route's
// inspect). Format (docs/abi.md "Entry metadata", src/entry_meta.cc):
//
//   1;t=<response_time_ms>;a=<corrected_initial_age_s>;l=<lifetime_s>;w=<swr_s>;e=<sie_s>;f=<flags>;r=<route>[;q=<fetch_ms>]
//
// q: from sending the request to the answer's arrival, in ms, when not 0
// (a purge made in that time covers the entry: src/purge_policy.cc).
// The leading 1 is the format version. Each item is a one-letter key, '='
// and 1 to 18 decimal digits; t, a and l are required, unknown keys are
// ignored (newer writers stay readable).

/** The stored entry's field holding the metadata. */
export const META_HEADER = 'x-freshet-meta';

/** Bits of the `f` item. */
export const EntryFlag = Object.freeze({
  MUST_REVALIDATE: 1, // RFC 9111 5.2.2.2 / 5.2.2.8
  NO_CACHE: 2, // RFC 9111 5.2.2.4: revalidate every use
  IMMUTABLE: 4, // RFC 8246
  HAS_VALIDATOR: 8, // ETag or Last-Modified: can revalidate
});

const FIELDS = { t: 'responseTimeMs', a: 'initialAge', l: 'lifetime', w: 'staleWhileRevalidate', e: 'staleIfError', f: 'flags', r: 'route', q: 'fetchMs' };
const REQUIRED = ['t', 'a', 'l'];
const ITEM = /^([^;])=(\d{1,18})$/;

// A stored copy's META_HEADER value is the engine's text, then " id=" and
// the copy's id (12 hex digits, new for every copy put), then, where the
// origin sent Cache-Control, " cc=" and that field's value: the copy's own
// Cache-Control is the platform's (response_headers.js headersForStorage),
// and one field costs less on every hit than two. The engine's text holds
// no space, so the first space ends it. The id names one copy as put, in
// every tier that holds it, so what a hit derives from a copy's fields can
// be kept for the next hit of the same copy (stored_plan.js). Copies stored
// before carry no id (they are read field by field, as then), and copies
// stored before that kept the origin's field in x-freshet-origin-cc
// (ORIGIN_CC_HEADER), still read.
//
// Between the id and " cc=", two more items may follow, each a space, a
// one-letter key, '=' and decimal digits: " n=" the byte length of the body
// as put (integrity.js; copies stored before kept it in LENGTH_HEADER) and
// " d=" the origin's Date as whole seconds since the epoch, where that
// field is an IMF-fixdate (response_headers.js storableEntry; copies
// stored before, and Dates in another form, keep it in x-freshet-kept-date).
// Every field a copy carries costs each match of it in the runtime; these
// two cost none of their own.
const ORIGIN_CC_MARK = ' cc=';
const COPY_ID_MARK = ' id=';
const COPY_ID = /^[0-9a-f]{12}$/;
/** The metadata value's item of the body length as put. */
export const LENGTH_ITEM = 'n';
/** The metadata value's item of the origin's Date (seconds since the epoch). */
export const DATE_ITEM = 'd';
const DIGITS = /^\d{1,15}$/;

/**
 * The META_HEADER value to store: the engine's metadata `meta`, the copy's
 * id (newCopyId; null: none) and the origin's Cache-Control `originCc`
 * (null: the origin sent none).
 * @param {string} meta
 * @param {string|null} originCc
 * @param {string|null} [copyId]
 */
export function storedMetaValue(meta, originCc, copyId = null) {
  const withId = copyId === null ? meta : meta + COPY_ID_MARK + copyId;
  return originCc === null ? withId : withId + ORIGIN_CC_MARK + originCc;
}

/** A new copy id: 12 hex digits from the platform's random source. */
export function newCopyId() {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** The copy id in a META_HEADER value, or null (a copy stored before ids, or none). */
export function copyIdOf(value) {
  if (value === null || value === undefined) return null;
  const space = value.indexOf(' ');
  if (space < 0 || !value.startsWith(COPY_ID_MARK, space)) return null;
  const id = value.slice(space + COPY_ID_MARK.length, space + COPY_ID_MARK.length + 12);
  const end = space + COPY_ID_MARK.length + 12;
  return COPY_ID.test(id) && (end === value.length || value[end] === ' ') ? id : null;
}

// Where the items before " cc=" end in `value`.
function itemsEnd(value) {
  const at = value.indexOf(ORIGIN_CC_MARK);
  return at < 0 ? value.length : at;
}

/**
 * The digits of item `key` (LENGTH_ITEM, DATE_ITEM) in a META_HEADER value,
 * as a number, or null (no such item, not 1 to 15 digits, or no value).
 * @param {string|null|undefined} value
 * @param {string} key
 * @returns {number|null}
 */
export function metaItemOf(value, key) {
  if (value === null || value === undefined) return null;
  const end = itemsEnd(value);
  const mark = ' ' + key + '=';
  const at = value.indexOf(mark);
  if (at < 0 || at >= end) return null;
  const from = at + mark.length;
  const space = value.indexOf(' ', from);
  const digits = value.slice(from, space < 0 || space > end ? end : space);
  return DIGITS.test(digits) ? Number(digits) : null;
}

/**
 * `value` (a META_HEADER value) with item `key` set to `n` (a whole number
 * >= 0), before the origin's Cache-Control, which stays last; an item of
 * the same key is replaced.
 * @param {string} value
 * @param {string} key
 * @param {number} n
 */
export function withMetaItem(value, key, n) {
  const end = itemsEnd(value);
  const mark = ' ' + key + '=';
  let head = value.slice(0, end);
  const at = head.indexOf(mark);
  if (at >= 0) {
    const space = head.indexOf(' ', at + mark.length);
    head = head.slice(0, at) + (space < 0 ? '' : head.slice(space));
  }
  return head + mark + String(n) + value.slice(end);
}

/** The origin's Date kept in a META_HEADER value (DATE_ITEM) as an IMF-fixdate, or null. */
export function keptDateOf(value) {
  const s = metaItemOf(value, DATE_ITEM);
  return s === null ? null : new Date(s * 1000).toUTCString();
}

/**
 * The seconds since the epoch of a Date field value that DATE_ITEM can
 * keep exactly (an IMF-fixdate, RFC 9110 5.6.7, as toUTCString writes it,
 * from 1970 on), or null.
 * @param {string} date
 */
export function fixdateSeconds(date) {
  const ms = Date.parse(date);
  if (!Number.isFinite(ms) || ms < 0 || ms % 1000 !== 0) return null;
  return new Date(ms).toUTCString() === date ? ms / 1000 : null;
}

/** The engine's metadata in a META_HEADER value (null: none) - what fr_lookup is given. */
export function metaOf(value) {
  if (value === null || value === undefined) return '';
  const space = value.indexOf(' ');
  return space < 0 ? value : value.slice(0, space);
}

/** The origin's Cache-Control kept in a META_HEADER value, or undefined where it kept none. */
export function originCcOf(value) {
  if (value === null || value === undefined) return undefined;
  const at = value.indexOf(ORIGIN_CC_MARK);
  return at < 0 ? undefined : value.slice(at + ORIGIN_CC_MARK.length);
}

/**
 * The metadata text of a stored entry ('' when it has none: the engine
 * then answers "bad-entry").
 * @param {Headers} headers the stored copy's
 * @returns {string}
 */
export function entryMetaText(headers) {
  return metaOf(headers.get(META_HEADER));
}

/**
 * The metadata decoded as the engine decodes it, or null when the engine
 * would reject it (another version, a malformed item, t, a or l missing).
 * @param {string} text
 * @returns {{responseTimeMs: number, initialAge: number, lifetime: number, staleWhileRevalidate: number,
 *   staleIfError: number, flags: number, route: number, fetchMs: number}|null} ages and lifetimes in seconds
 */
export function parseEntryMeta(text) {
  if (typeof text !== 'string' || !text.startsWith('1;')) return null;
  const out = { responseTimeMs: 0, initialAge: 0, lifetime: 0, staleWhileRevalidate: 0, staleIfError: 0, flags: 0, route: 0, fetchMs: 0 };
  const seen = new Set();
  // One ';' may end the text, as after any item.
  const items = text.endsWith(';') && text.length > 2 ? text.slice(2, -1) : text.slice(2);
  if (items === '') return null;
  for (const item of items.split(';')) {
    const m = ITEM.exec(item);
    if (!m) return null;
    const name = FIELDS[m[1]];
    if (name === undefined) continue;
    out[name] = Number(m[2]);
    seen.add(m[1]);
  }
  return REQUIRED.every((k) => seen.has(k)) ? out : null;
}
