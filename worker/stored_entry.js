// A stored entry as a lookup found it: the copy's headers as matched (the
// engine's metadata and the other internal fields still on them), the
// origin's status and the body to read. No Response or Headers is made
// from it until an answer needs one: a hit builds the client's fields from
// the matched headers in one pass (response_headers.js storedClientFields).

import { hasNullBody, storedFields, storedStatus } from './response_headers.js';

export class StoredEntry {
  /**
   * @param {Response} found the copy as matched (storableEntry's layout)
   * @param {ReadableStream|null} [body] the body to read, when not found.body (checked while read)
   */
  constructor(found, body = found.body, bytes = null) {
    /** The copy's fields as matched, internal ones included (META_HEADER, TAGS_HEADER, TIER_HEADER, ...). */
    this.headers = found.headers;
    /** The origin's status (every copy is stored as a 200). */
    this.status = storedStatus(found.headers, found.status);
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
    copy.status = this.status;
    copy.statusText = this.statusText;
    copy.stream = null;
    copy.bytes = this.bytes; // bytes can be read twice
    if (this.bytes === null && this.stream) [this.stream, copy.stream] = this.stream.tee();
    return copy;
  }
}
