// Reading request and response bodies with a bound: the admin route's JSON,
// POST bodies hashed into keys, entries kept in the memory and global
// tiers. Nothing is ever read whole without a limit.

/** Joins chunks of `size` bytes in total. */
export function concat(chunks, size) {
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Reads `stream` (may be null) up to `limit` bytes. Returns { bytes } when
 * it fits; otherwise { over: { chunks, size, reader } }: what was read so
 * far and the open reader, for the caller to resume or cancel.
 */
export async function readUpTo(stream, limit) {
  if (!stream) return { bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(chunks, size) };
    chunks.push(value);
    size += value.length;
    if (size > limit) return { over: { chunks, size, reader } };
  }
}

/** The bytes of `stream` if at most `limit`, else null (the rest is cancelled). */
export async function readBounded(stream, limit) {
  const r = await readUpTo(stream, limit);
  if (r.over) {
    await r.over.reader.cancel();
    return null;
  }
  return r.bytes;
}
