// Poisoning hygiene (docs/security.md): on a cacheable route the origin
// receives only the request headers that are part of the key, plus a
// documented safe list, so an unkeyed header (X-Forwarded-Host,
// X-Original-URL, X-HTTP-Method-Override, ...) can never shape a response
// that is then served to everyone.

/**
 * Request headers always forwarded on cacheable routes. Each either cannot
 * change the representation, or is one an origin declares in Vary (which
 * freshet then keys on).
 */
export const SAFE_REQUEST_HEADERS = Object.freeze([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'pragma',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'origin',
  'content-type',
  'content-length',
  'surrogate-capability',
]);

const routeCache = new WeakMap(); // engine -> Map(route -> { headers: Set, cookies: Set|null })

/** The forwarding rule of a route, read once per engine from its rules. */
export function forwardingRule(engine, route) {
  let perEngine = routeCache.get(engine);
  if (!perEngine) {
    perEngine = new Map();
    routeCache.set(engine, perEngine);
  }
  let rule = perEngine.get(route);
  if (!rule) {
    const info = engine.routeInfo(route);
    const headers = new Set([...SAFE_REQUEST_HEADERS, ...info.key.headers]);
    if (info.key.device) headers.add('user-agent');
    rule = { headers, cookies: new Set(info.key.cookies) };
    perEngine.set(route, rule);
  }
  return rule;
}

/** Removes every header the rule does not allow; keeps only keyed cookies. */
export function applyForwardingRule(headers, rule) {
  for (const name of [...headers.keys()]) {
    if (name === 'cookie' || rule.headers.has(name)) continue;
    headers.delete(name);
  }
  const cookie = headers.get('cookie');
  if (cookie === null) return;
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => {
      const eq = c.indexOf('=');
      return rule.cookies.has((eq < 0 ? c : c.slice(0, eq)).trim());
    });
  if (kept.length) headers.set('cookie', kept.join('; '));
  else headers.delete('cookie');
}
