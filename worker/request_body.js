// POST routes key on the request body (docs/manifest.md "POST"): the body
// is read once, up to the route's limit, hashed with SHA-256 and the
// engine is asked again with the digest. Larger bodies bypass the cache
// with reason body-too-big and still reach the origin whole.

import { readUpTo } from './bytes.js';
import { requestRecord } from './engine.js';

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads at most `limit + 1` bytes. Returns { bytes } when the body fits,
 * else { stream } that replays what was read followed by the rest.
 */
async function readOrReplay(body, limit) {
  const r = await readUpTo(body, limit);
  if (!r.over) return r;
  const { chunks, size, reader } = r.over;
  const stream = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { stream, size };
}

/**
 * Asks the engine again with the body's size and digest.
 * @returns {Promise<{request: Request, record: Uint8Array, rd: object}>} the
 *   request to forward (its body re-readable), the new record and decision
 */
export async function keyOnBody(engine, request, list, rd) {
  const read = await readOrReplay(request.body, rd.bodyLimit);
  const init = { method: request.method, headers: request.headers, redirect: request.redirect };
  if (read.stream) {
    // Over the limit: the engine answers body-too-big; the origin still
    // gets the whole body, streamed.
    const record = requestRecord([...list, ':body-size', String(read.size)]);
    return { request: new Request(request.url, { ...init, body: read.stream, duplex: 'half' }), record, rd: engine.request(record) };
  }
  const digest = hex(await crypto.subtle.digest('SHA-256', read.bytes));
  const record = requestRecord([...list, ':body-size', String(read.bytes.length), ':body-sha256', digest]);
  return { request: new Request(request.url, { ...init, body: read.bytes }), record, rd: engine.request(record) };
}
