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
