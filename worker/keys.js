// The formats of the keys the engine makes (src/cache_key.h, docs/manifest.md
// "Keys"), in one place on the JavaScript side: what the worker reads out of
// a key URL or a readable key, and the names it derives from them.
//
//   key URL        https://cache.freshet.internal/v1/<namespace>/<readable key, percent-encoded>
//   readable key   <scheme>://<host><path>[?<query>][ <kind>:<name>=<value>]...
//   variant URL    <key URL>/v/<generation>/<variant id>
//   global object  freshet/v1/<namespace>/<readable key, percent-encoded>

/** Where every key URL starts (a namespace has no "/"). */
export const KEY_URL_PREFIX = 'https://cache.freshet.internal/v1/';
const GLOBAL_PREFIX = 'freshet/';

/** The readable key a key URL encodes ('' for another URL). */
export function readableKey(keyUrl) {
  if (!keyUrl || !keyUrl.startsWith(KEY_URL_PREFIX)) return '';
  try {
    return decodeURIComponent(keyUrl.slice(keyUrl.indexOf('/', KEY_URL_PREFIX.length) + 1));
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

/** The object name of a key URL (or variant URL) in the global tier. */
export function globalObjectKey(keyUrl) {
  return GLOBAL_PREFIX + keyUrl.slice(keyUrl.indexOf('/v1/') + 1);
}
