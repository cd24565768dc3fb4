// A stored entry as a lookup found it: the copy's headers as matched (the
// engine's metadata and the other internal fields still on them), the
// origin's status and the body to read. No Response or Headers is made
// from it until an answer needs one: a hit builds the client's fields from
// the matched headers in one pass (response_headers.js storedClientFields).

import { hasNullBody, storedFields, storedStatusValue, STATUS_HEADER } from './response_headers.js';
import { META_HEADER, metaOf } from './entry_meta.js';

/**
 * The fields of a matched copy as [name, value] pairs, read in one pass
 * (a Headers object's iteration: lower-case names, combined values). A hit
 * reads every field it needs from these, not from the Headers object: one
 * iteration costs less than the several get() calls it replaces.
 * @param {Headers} headers
 * @returns {[string, string][]}
 */
export function fieldPairs(headers) {
  const out = [];
  for (const field of headers) out.push(field);
  return out;
}

/** The value of `name` (lower case) in fieldPairs' pairs, or null. */
export function fieldOf(pairs, name) {
  for (let i = 0; i < pairs.length; i++) if (pairs[i][0] === name) return pairs[i][1];
  return null;
}

export class StoredEntry {
  /**
   * @param {Response} found the copy as matched (storableEntry's layout)
   * @param {ReadableStream|null} [body] the body to read, when not found.body (checked while read)
   * @param {Uint8Array|null} [bytes] the body already read and checked whole
   * @param {[string, string][]|null} [fields] fieldPairs(found.headers), when already read
   * @param {import('./stored_plan.js').StoredPlan|null} [plan] the copy's plan
   *   (stored_plan.js): its internal fields are read from it, the others only
   *   when asked for
   * @param {Headers} [headers] `found.headers`, when the caller read it already
   */
  constructor(found, body = found.body, bytes = null, fields = null, plan = null, headers = found.headers) {
    /** The copy's fields as matched, internal ones included (META_HEADER, TAGS_HEADER, TIER_HEADER, ...). */
    this.headers = headers;
    this.read = fields;
    this.plan = plan;
    /** The origin's status (every copy is stored as a 200). */
    this.status = storedStatusValue(plan !== null ? plan.status : fieldOf(this.fields, STATUS_HEADER), found.status);
    this.statusText = found.statusText;
    if (hasNullBody(this.status)) {
      body?.cancel().catch(() => {});
      body = null;
      bytes = null;
    }
    /** The body already read and checked whole (integrity.js wholeIntactBytes), or null. */
    this.bytes = bytes;
    this.stream = body;
  }

  /** The copy's fields as [name, value] pairs (fieldPairs), read when first asked for. */
  get fields() {
    return (this.read ??= fieldPairs(this.headers));
  }

  /** The value of the copy's internal field `name` (lower case), or null. */
  field(name) {
    return fieldOf(this.plan !== null ? this.plan.fields : this.fields, name);
  }

  /** The engine's metadata text of the copy (what fr_lookup is given; '' when it has none). */
  engineMeta() {
    return this.plan !== null ? this.plan.meta : metaOf(this.field(META_HEADER));
  }

  /** @type {ReadableStream|null} the body to read (made from `bytes` when first asked for) */
  get body() {
    if (this.stream === null && this.bytes !== null) {
      this.stream = new Response(this.bytes).body;
      this.bytes = null;
    }
    return this.stream;
  }

  set body(stream) {
    this.stream = stream;
    this.bytes = null;
  }

  /** What a Response can be built from: the bytes read whole, else the stream. */
  get content() {
    return this.bytes ?? this.stream;
  }

  /** The origin's fields, as a new Headers (internal fields out, kept ones restored). */
  originHeaders() {
    return new Headers(storedFields(this.headers));
  }

  /** A second reader of the same entry: the body is teed, this one keeps one branch. */
  clone() {
    const copy = Object.create(StoredEntry.prototype);
    copy.headers = this.headers;
    copy.read = this.read;
    copy.plan = this.plan;
    copy.status = this.status;
    copy.statusText = this.statusText;
    copy.stream = null;
    copy.bytes = this.bytes; // bytes can be read twice
    if (this.bytes === null && this.stream) [this.stream, copy.stream] = this.stream.tee();
    return copy;
  }
}
