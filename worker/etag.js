// Validators for origins that send none (manifest "generateEtag",
// docs/manifest.md): a strong ETag (RFC 9110 8.8.3) computed from the
// digest of the stored body, so a client revalidates with If-None-Match and
// gets a 304 instead of the whole body again. Each tier computes it from
// the bytes it stores (the same bytes everywhere, so the same ETag); the
// flag below travels on the stored headers and is never shown to clients.

/** Internal field: "generate" on a response to store, "generated" on a stored copy. */
export const ETAG_FLAG = 'x-freshet-etag';

function base64url(buffer) {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Sets a strong ETag from the SHA-256 of `bytes` on `headers` (a Headers)
 * when the flag asks for one; returns `headers`.
 */
export async function withGeneratedEtag(headers, bytes) {
  if (headers.get(ETAG_FLAG) !== 'generate') return headers;
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  headers.set('etag', `"${base64url(digest).slice(0, 32)}"`);
  headers.set(ETAG_FLAG, 'generated');
  return headers;
}

/** Drops the request for an ETag where the bytes are not in hand (a streamed store). */
export function withoutEtagRequest(headers) {
  if (headers.get(ETAG_FLAG) === 'generate') headers.delete(ETAG_FLAG);
  return headers;
}

/** True when the stored copy's ETag is freshet's own (never sent to the origin). */
export function generatedEtag(headers) {
  return headers.get(ETAG_FLAG) === 'generated';
}
