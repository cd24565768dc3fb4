// What a hit derives from a stored copy's fields, kept for the next hit of
// the same copy (docs/performance.md "Hit path, fourth step").
//
// Reading a copy's fields one by one is the dearest part of a hit in
// workerd: each field a Headers iteration yields crosses into the runtime
// (~1-2 us per field of a freshly matched copy), and so does each field
// appended to the client's answer. A copy never changes once put, and its
// metadata field names it (entry_meta.js: the copy id, new for every put),
// so a plan is made from its fields once per isolate: the internal fields
// it carries (metadata, recorded length, status, tags), and per route
// rules the origin's fields as the client gets them, as one Headers object
// the client's Response copies inside the runtime. A hit then reads two
// fields (metadata, Content-Length) instead of every one, and a plain HIT
// copies its whole answer (Age, Cache-Status, x-cache, Server-Timing),
// made once per lookup decision.
//
// A plan is keyed by the metadata value and the tier's mark on the
// Response (tier_entry.js markTier): the tiers hold the same copy with the
// same metadata. What the platform adds to a copy per match (Age,
// CF-Cache-Status, its own Date) is never in a plan: Age and
// CF-Cache-Status are not the origin's, and a copy without a kept Date
// (stored before freshet added one) takes the platform's per hit.

import { fieldOf, fieldPairs } from './stored_entry.js';
import { META_HEADER, copyIdOf, keptDateOf, metaOf } from './entry_meta.js';
import { LENGTH_HEADER, recordedLengthOf } from './integrity.js';
import { TIER_HEADER } from './tier_entry.js';
import { KEPT_DATE_HEADER, STATUS_HEADER, serverTiming, storedOriginPart } from './response_headers.js';

/** Plans one isolate keeps (the oldest made is dropped first). */
export const PLANS_MAX = 1024;
// Client field sets of one plan (per route rules: Cache-Control for the
// browser, CDN-Cache-Control removed or not).
const TEMPLATES_MAX = 4;

const plans = new Map();

export class StoredPlan {
  /**
   * @param {[string, string][]} fields the copy's fields as first matched (fieldPairs)
   */
  constructor(fields) {
    /** The copy's fields as first matched: for its internal fields, which no match changes. */
    this.fields = fields;
    /** The engine's metadata text (one string per copy: the lookup memo hashes it once). */
    const metaValue = fieldOf(fields, META_HEADER);
    this.meta = metaOf(metaValue);
    this.tier = fieldOf(fields, TIER_HEADER);
    /** The body length recorded at store time (null: none). */
    this.recorded = recordedLengthOf(metaValue, fieldOf(fields, LENGTH_HEADER));
    this.status = fieldOf(fields, STATUS_HEADER);
    /** No kept Date: the client gets the platform's Date of each match. */
    this.liveDate = keptDateOf(metaValue) === null && fieldOf(fields, KEPT_DATE_HEADER) === null;
    this.templates = new Map();
    this.lastHit = null;
  }

  /** The value of the copy's internal field `name`, or null. */
  field(name) {
    return fieldOf(this.fields, name);
  }

  /**
   * The origin's fields as the client gets them for these rules, as a
   * Headers object to copy (never to change): storedOriginPart without
   * the fields `set` names, and without Date where it is the platform's.
   * @param {boolean} removeCdn the route's "cdnCacheControl": "remove"
   * @param {[string, string][]} set clientFields of this answer (names used)
   */
  template(removeCdn, set) {
    const browserCc = set.length > 0 && set[0][0] === 'cache-control';
    const key = (removeCdn ? 1 : 0) + (browserCc ? 2 : 0) + set.length * 4;
    let headers = this.templates.get(key);
    if (headers === undefined) {
      let out = storedOriginPart(this.fields, removeCdn, set);
      if (this.liveDate) out = out.filter(([name]) => name !== 'date');
      headers = new Headers();
      for (const [name, value] of out) headers.append(name, value);
      if (this.templates.size >= TEMPLATES_MAX) this.templates.clear();
      this.templates.set(key, headers);
    }
    return headers;
  }
}

/**
 * A plain hit's fields (but a platform Date): the template of these rules
 * with the client's fields `set()` gives, and the Server-Timing member
 * of `ms` (null: none), appended. Reused for the next hit with the same
 * lookup decision `ld`: the engine's lookup memo hands out the same
 * decision while Age and the TTL left stay the same (up to a second,
 * worker/engine.js cachedLookup), and Server-Timing's duration is a whole
 * number of milliseconds, the same for most hits; so a popular copy builds
 * these a few times a second, and each hit copies them in one go, without
 * an append of its own (in workerd the client's headers are then never
 * touched from JavaScript).
 * @param {StoredPlan} plan
 * @param {boolean} removeCdn
 * @param {number|undefined} browserTtl the route's browser TTL (part of the key)
 * @param {object} ld the lookup decision
 * @param {[string, string][] | (() => [string, string][])} set clientFields of this answer
 *   (a function: called only when the fields are not kept already)
 * @param {number|null} ms the Server-Timing duration (null: no member);
 *   the member is looked up by this number, built once per value
 */
export function hitTemplate(plan, removeCdn, browserTtl, ld, set, ms) {
  let last = plan.lastHit;
  if (!sameHit(last, ld, removeCdn, browserTtl)) {
    const fields = typeof set === 'function' ? set() : set;
    const base = new Headers(plan.template(removeCdn, fields));
    for (const [name, value] of fields) base.append(name, value);
    last = plan.lastHit = { ld, removeCdn, browserTtl, base, timed: [] };
  }
  return timedFields(last, ms);
}

/**
 * What hitTemplate answers when it keeps the fields of this hit already,
 * else null (the caller then makes the client's fields and asks
 * hitTemplate): a hit that finds them makes no closure and no fields.
 */
export function keptHitTemplate(plan, removeCdn, browserTtl, ld, ms) {
  const last = plan.lastHit;
  return sameHit(last, ld, removeCdn, browserTtl) ? timedFields(last, ms) : null;
}

function sameHit(last, ld, removeCdn, browserTtl) {
  return last !== null && last.ld === ld && last.removeCdn === removeCdn && last.browserTtl === browserTtl;
}

// The kept fields of one lookup decision, with the Server-Timing member of
// `ms`: kept per whole millisecond below TIMED_MS (an array slot each), so
// hits whose durations spread over a few milliseconds (a loaded isolate; a
// runtime under a profiler) find theirs instead of making a Headers copy
// each. A hit of TIMED_MS ms or more, already slow, has its fields made
// afresh and not kept.
function timedFields(last, ms) {
  if (ms === null) return last.base;
  if (!(ms >= 0 && ms < TIMED_MS)) return withTimingMember(last.base, ms);
  return (last.timed[ms] ??= withTimingMember(last.base, ms));
}

function withTimingMember(base, ms) {
  const headers = new Headers(base);
  headers.append('server-timing', serverTiming(ms, 'HIT'));
  return headers;
}

// Server-Timing durations (whole ms) one decision's fields are kept for.
const TIMED_MS = 8;

/**
 * The plan of the copy `found`, whose metadata field is `metaValue` and
 * whose tier is `tier` (the tier's mark, tier_entry.js tierMarkOf; null: the
 * platform's cache); null when the metadata names no copy (a copy stored
 * before copy ids, or none) or its tier field says another tier.
 * @param {Response} found
 * @param {string|null} metaValue
 * @param {string|null} tier
 * @returns {StoredPlan|null}
 */
export function planOf(found, metaValue, tier) {
  if (metaValue === null) return null;
  const key = tier === null ? metaValue : metaValue + '\n' + tier;
  let plan = plans.get(key);
  if (plan === undefined) {
    if (copyIdOf(metaValue) === null) return null;
    plan = new StoredPlan(fieldPairs(found.headers));
    // `tier` is the tier's mark on the Response (tier_entry.js markTier); a
    // copy whose field says another tier is read field by field, so a plan
    // of the platform's copies is only ever made from one.
    if (plan.tier !== tier) return null;
    if (plans.size >= PLANS_MAX) plans.delete(plans.keys().next().value);
    plans.set(key, plan);
  }
  return plan;
}

/** Plans kept now (for tests). */
export function planCount() {
  return plans.size;
}
