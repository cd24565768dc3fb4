// Body integrity (docs/security.md "Integrity"): nothing the origin did not
// finish sending is stored or served as whole.
//
// - Every origin body freshet may store is read through checkedBody(): a
//   body that yields fewer or more bytes than its Content-Length, or whose
//   source errors (a reset, a stream cut short), errors the stream. Every
//   reader of it (the client, the tiers, coalesced followers) then sees an
//   error instead of a clean short body, and no tier keeps it.
// - Each tier records the byte count of what it stored (the metadata's
//   LENGTH_ITEM, or LENGTH_HEADER on a copy without metadata) and
//   checks it on read: an entry whose body length differs is dropped.

import { LENGTH_ITEM, META_HEADER, metaItemOf, withMetaItem } from './entry_meta.js';

/**
 * Internal field on a stored entry: the byte length of the stored body,
 * where it has no metadata field (which holds the length otherwise, its
 * LENGTH_ITEM: entry_meta.js). Copies stored before kept it here.
 */
export const LENGTH_HEADER = 'x-freshet-length';

/** A body that did not arrive whole. */
export class IncompleteBody extends Error {
  /**
   * @param {number|null} expected the declared length (null: none declared)
   * @param {number} received bytes received before the stream ended or failed
   * @param {unknown} [cause] the source's error, if it failed
   */
  constructor(expected, received, cause) {
    const why = cause === undefined ? 'ended early' : `failed: ${String(cause?.message ?? cause)}`;
    super(expected === null ? `body ${why} after ${received} bytes` : `body of ${expected} bytes ${received > expected ? `sent ${received}` : why} after ${received} bytes`);
    this.name = 'IncompleteBody';
    this.expected = expected;
    this.received = received;
  }
}

/**
 * The byte count a response body must have, or null when none can be
 * checked: Content-Length (RFC 9110 8.6) as a plain decimal, unless a
 * content coding is applied - fetch() decodes gzip and br, so the decoded
 * bytes are not the ones Content-Length counts; a cut-short coded body
 * fails in the decoder instead.
 */
export function declaredLength(headers) {
  const cl = headers.get('content-length');
  if (cl === null) return null;
  const coding = headers.get('content-encoding');
  if (coding !== null && coding.trim() !== '' && coding.trim().toLowerCase() !== 'identity') return null;
  const v = cl.trim();
  return /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/**
 * `stream` (may be null), checked as it is read: it errors with
 * IncompleteBody when the source errors, yields more than `expected` bytes,
 * or ends before `expected` (null: any length, only source errors count).
 * `onFail(err)` is called once when that happens.
 */
export function checkedBody(stream, expected, onFail = () => {}) {
  if (!stream) return stream;
  const reader = stream.getReader();
  let received = 0;
  let failed = false;
  const fail = (controller, cause) => {
    const err = new IncompleteBody(expected, received, cause);
    if (!failed) {
      failed = true;
      try {
        onFail(err);
      } catch {
        // A counter or log that throws must not change what the reader sees.
      }
    }
    controller.error(err);
  };
  return new ReadableStream({
    async pull(controller) {
      let r;
      try {
        r = await reader.read();
      } catch (err) {
        fail(controller, err ?? new Error('source failed'));
        return;
      }
      if (r.done) {
        if (expected !== null && received !== expected) fail(controller);
        else controller.close();
        return;
      }
      received += r.value.byteLength;
      if (expected !== null && received > expected) {
        reader.cancel().catch(() => {});
        fail(controller);
        return;
      }
      controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * The byte length recorded on a stored entry (headers), or null: the
 * metadata's LENGTH_ITEM (entry_meta.js), or, on copies stored before,
 * LENGTH_HEADER.
 */
export function recordedLength(headers) {
  return recordedLengthOf(headers.get(META_HEADER), headers.get(LENGTH_HEADER));
}

/** recordedLength from the META_HEADER and LENGTH_HEADER values (null: none). */
export function recordedLengthOf(metaValue, lengthField) {
  return metaItemOf(metaValue, LENGTH_ITEM) ?? lengthValue(lengthField);
}

/**
 * Records `n` as the byte length of the body `headers` go with: in the
 * metadata field where there is one (no field of its own), else in
 * LENGTH_HEADER.
 * @param {Headers} headers
 * @param {number} n
 */
export function recordLength(headers, n) {
  const meta = headers.get(META_HEADER);
  headers.delete(LENGTH_HEADER);
  if (meta === null) headers.set(LENGTH_HEADER, String(n));
  else headers.set(META_HEADER, withMetaItem(meta, LENGTH_ITEM, n));
}

/** A LENGTH_HEADER value (null: none) as a byte count, or null. */
export function lengthValue(v) {
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/**
 * The body of a matched entry checked against the length its tier
 * recorded: its body as is (nothing recorded, or a Content-Length that
 * matches), the body checked while read (the platform gave no
 * Content-Length), or false when the entry is known to be damaged.
 * `onDamaged(err)` is called when the damage shows only while reading.
 * `recorded` and `cl`: the recorded length and the Content-Length value,
 * when the caller has read them already.
 * @param {Response} response
 * @returns {ReadableStream|null|false}
 */
export function intactBody(response, onDamaged, recorded = recordedLength(response.headers), cl = undefined) {
  // A copy handed over without a body is whole only when nothing was
  // recorded or the record says it is empty.
  // The body read once: each read of a host object's property is a call into the runtime.
  const body = response.body;
  if (body === null) return recorded === null || recorded === 0 ? null : false;
  if (recorded === null) return body;
  if (cl === undefined) cl = response.headers.get('content-length');
  if (cl !== null) return Number(cl) === recorded ? body : false;
  return framedBody(checkedBody(body, recorded, onDamaged), recorded);
}

/**
 * Entries up to this many recorded bytes that the platform hands over
 * without Content-Length are read whole and compared before anything is
 * served (a damaged one is then a miss, not an aborted answer), instead of
 * being checked while read: one read costs less than a checking stream.
 */
export const READ_WHOLE_MAX = 65536;

/**
 * The bytes of a matched entry when it should be read whole to be checked
 * (see READ_WHOLE_MAX): a Uint8Array of exactly the recorded length, or
 * false when it is damaged (short, long, or its body failed); null when
 * the entry is not one to read whole (intactBody decides).
 * @param {Response} response
 * @returns {Promise<Uint8Array|false|null>}
 */
export async function wholeIntactBytes(response) {
  if (response.body === null || response.headers.has('content-length')) return null;
  const recorded = recordedLength(response.headers);
  if (recorded === null || recorded > READ_WHOLE_MAX) return null;
  let bytes;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    return false;
  }
  return bytes.byteLength === recorded ? bytes : false;
}

/**
 * Checks a matched entry against the length its tier recorded. Returns the
 * response to use (its body checked while read where the platform gave no
 * Content-Length), or null when the entry is known to be damaged.
 * `onDamaged(err)` is called when the damage shows only while reading.
 */
export function intactEntry(response, onDamaged) {
  if (!response) return response;
  const body = intactBody(response, onDamaged);
  if (body === false) return null;
  if (body === response.body) return response;
  return new Response(body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
}

/**
 * `stream` framed by its declared length for the client, through workerd's
 * FixedLengthStream: the response carries Content-Length, and a body cut
 * short ends as an aborted response in every HTTP client, never as a clean
 * short one. Unchanged where the length is unknown or the runtime has no
 * FixedLengthStream.
 */
export function framedBody(stream, length) {
  // eslint-disable-next-line no-undef
  if (!stream || length === null || typeof FixedLengthStream !== 'function') return stream;
  // eslint-disable-next-line no-undef
  const framed = new FixedLengthStream(length);
  stream.pipeTo(framed.writable).catch(() => {});
  return framed.readable;
}

