// Fixture shared by the stored-copy unit tests: an origin's answer with
// every kind of field a stored copy treats on its own (kept Date, Warning
// and Set-Cookie, CDN-only fields, a field named like freshet's own).
export const ORIGIN_FIELDS = [
  ['content-type', 'text/html'],
  ['cache-control', 'public, max-age=60'],
  ['date', 'Mon, 30 Nov 2026 00:00:00 GMT'],
  ['warning', '110 - "stale"'],
  ['set-cookie', 'a=1, with comma'],
  ['set-cookie', 'b=2'],
  ['etag', '"e"'],
  ['cdn-cache-control', 'max-age=5'],
  ['surrogate-control', 'max-age=9'],
  ['x-freshet-key', 'from the origin'],
];

/**
 * `headers` (a copy as freshet stores it now) changed in place to the
 * layout freshet stored before: the body's length and the origin's Date in
 * fields of their own (x-freshet-length, x-freshet-kept-date) instead of
 * the metadata's n= and d= items. Copies stored then must read the same.
 */
export function earlierLayout(headers) {
  let meta = headers.get('x-freshet-meta');
  const item = (key) => {
    const m = new RegExp(` ${key}=(\\d+)`).exec(meta.split(' cc=')[0]);
    if (m) meta = meta.replace(m[0], '');
    return m ? Number(m[1]) : null;
  };
  const n = item('n');
  const d = item('d');
  headers.set('x-freshet-meta', meta);
  if (n !== null) headers.set('x-freshet-length', String(n));
  if (d !== null) headers.set('x-freshet-kept-date', new Date(d * 1000).toUTCString());
  return headers;
}
