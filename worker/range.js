// Range requests answered from a stored complete response (RFC 9110
// section 14; RFC 9111 section 3.3 lets a cache satisfy a range request
// from a stored complete response). One byte range per request; anything
// else (several ranges, other units, a failed If-Range) gets the full
// response, which RFC 9110 14.2 allows.

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

// If-Range (RFC 9110 13.1.5): a strong entity-tag equal to the stored one,
// or exactly the stored Last-Modified date.
function ifRangeHolds(ifRange, headers) {
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    const etag = headers.get('etag');
    return etag !== null && !etag.startsWith('W/') && !v.startsWith('W/') && etag === v;
  }
  const lm = headers.get('last-modified');
  return lm !== null && lm === v;
}

/**
 * A 206 (or 416) for `request` from a stored 200 response, or null when the
 * full response applies. Reads the body only when it answers with a range.
 * @param {Request} request
 * @param {number} status the stored response's status
 * @param {Headers} headers the client's response headers (modified in place for 206/416)
 * @param {ReadableStream|null} body
 */
export async function rangeResponse(request, status, headers, body) {
  const range = request.headers.get('range');
  if (range === null || status !== 200 || request.method !== 'GET' || !body) return null;
  const ifRange = request.headers.get('if-range');
  if (ifRange !== null && !ifRangeHolds(ifRange, headers)) return null;
  const m = SINGLE_RANGE.exec(range);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] !== '' && m[2] !== '' && Number(m[2]) < Number(m[1])) return null; // invalid: ignored (14.1.2)
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  const size = bytes.length;
  let start;
  let end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2])); // suffix range: the last N bytes
    end = size - 1;
    if (Number(m[2]) === 0) start = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size) {
    // 15.5.17: 416 with the current length.
    headers.set('content-range', `bytes */${size}`);
    headers.delete('content-length');
    return new Response(null, { status: 416, headers });
  }
  headers.set('content-range', `bytes ${start}-${end}/${size}`);
  headers.set('content-length', String(end - start + 1));
  return new Response(bytes.slice(start, end + 1), { status: 206, headers });
}
