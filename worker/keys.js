// The formats of the keys the engine makes (src/cache_key.h, docs/manifest.md
// "Keys"), in one place on the JavaScript side: what the worker reads out of
// a key URL or a readable key, and the names it derives from them.
//
//   key URL        https://<key host>/__freshet/v2/<namespace>/<readable key, percent-encoded>
//   readable key   <scheme>://<host><path>[?<query>][ <kind>:<name>=<value>]...
//   variant URL    <key URL>/v/<generation>/<variant id>
//   global object  freshet/v2/<namespace>/<readable key, percent-encoded>
//
// The key host is the manifest's "keyHost", else the request's own host
// (the zone's hostname, as the Cache API docs ask). The engine bypasses
// every client request under "/__freshet/" (reason "reserved-path").

/** The path every key URL's path starts with (src/cache_key.h kKeyPathPrefix). */
export const KEY_PATH_PREFIX = '/__freshet/v2/';
/** The reserved prefix of every key grammar version (kReservedPathPrefix). */
export const RESERVED_PATH_PREFIX = '/__freshet/';
const GLOBAL_PREFIX = 'freshet/';

// Where the key path starts in a key URL: after "https://<host>"; -1 if
// this is no key URL.
function keyPathAt(keyUrl) {
  if (!keyUrl || !keyUrl.startsWith('https://')) return -1;
  const at = keyUrl.indexOf('/', 8);
  return at > 0 && keyUrl.startsWith(KEY_PATH_PREFIX, at) ? at : -1;
}

/** The readable key a key URL encodes ('' for another URL). */
export function readableKey(keyUrl) {
  const at = keyPathAt(keyUrl);
  if (at < 0) return '';
  try {
    return decodeURIComponent(keyUrl.slice(keyUrl.indexOf('/', at + KEY_PATH_PREFIX.length) + 1));
  } catch {
    return '';
  }
}

/** Splits a readable key into its base ("scheme://host/path[?query]"), path base and path. */
export function keyParts(key) {
  const space = key.indexOf(' ');
  const base = space < 0 ? key : key.slice(0, space);
  const q = base.indexOf('?');
  const pathBase = q < 0 ? base : base.slice(0, q);
  const scheme = pathBase.indexOf('://');
  const slash = scheme < 0 ? -1 : pathBase.indexOf('/', scheme + 3);
  const path = slash < 0 ? '/' : pathBase.slice(slash);
  return { base, pathBase, path };
}

/** The key URL of one variant (docs/architecture.md "Variants"). */
export function variantUrl(keyUrl, generation, variantId) {
  return `${keyUrl}/v/${generation}/${variantId}`;
}

/** The object name of a key URL (or variant URL) in the global tier: the same in every location and for every key host. */
export function globalObjectKey(keyUrl) {
  return GLOBAL_PREFIX + keyUrl.slice(keyPathAt(keyUrl) + RESERVED_PATH_PREFIX.length);
}
