// An entry as the byte-keeping tiers (memory, global) hold it:
// { status, statusText, headers: [[name, value]...], body: Uint8Array },
// with the byte length of the body recorded beside the headers, so a read
// can tell a damaged copy (docs/security.md "Integrity").

import { LENGTH_HEADER, recordedLengthOf } from './integrity.js';
import { LENGTH_ITEM, META_HEADER, withMetaItem } from './entry_meta.js';
import { responseWithFields } from './response_headers.js';

/** Internal header on a matched response: which tier answered. */
export const TIER_HEADER = 'x-freshet-tier';
/** Its value on an entry read from a store still in progress (coalesce.js). */
export const IN_FLIGHT = 'in-flight';

/**
 * An entry of bytes with its body's length recorded: in its metadata
 * field (entry_meta.js LENGTH_ITEM), or in LENGTH_HEADER where it has none.
 */
export function recorded(status, statusText, headers, body) {
  const h = headers.filter(([k]) => k !== LENGTH_HEADER && k !== 'content-length');
  const meta = h.findIndex(([k]) => k === META_HEADER);
  if (meta >= 0) h[meta] = [META_HEADER, withMetaItem(h[meta][1], LENGTH_ITEM, body.byteLength)];
  else h.push([LENGTH_HEADER, String(body.byteLength)]);
  return { status, statusText, headers: h, body };
}

/** True when an entry's body has the length its tier recorded (entries without a record pass). */
export function intactBytes(entry) {
  const value = (name) => entry.headers.find(([k]) => k === name)?.[1] ?? null;
  const rec = recordedLengthOf(value(META_HEADER), value(LENGTH_HEADER));
  return rec === null || rec === (entry.body?.byteLength ?? 0);
}

// The tier of a Response a tier made, on the object itself as well as in
// TIER_HEADER: a hit reads it without asking the runtime for a field
// (stored_plan.js keys plans by it).
const TIER_MARK = Symbol('freshet.tier');

/** Marks `response` (whose TIER_HEADER is `tier`) with its tier. */
export function markTier(response, tier) {
  response[TIER_MARK] = tier;
  return response;
}

/** The tier markTier gave `response`, or null (the platform's cache). */
export function tierMarkOf(response) {
  return response[TIER_MARK] ?? null;
}

/** A matched entry as a Response, marked with the tier that answered. */
export function toResponse(entry, tier) {
  const body = entry.body && entry.body.byteLength ? entry.body.slice() : null;
  const response = responseWithFields(body, entry.status, entry.statusText, entry.headers);
  response.headers.set(TIER_HEADER, tier);
  return markTier(response, tier);
}
