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

const infoCache = new WeakMap(); // engine -> Map(route -> effective rules)
const ruleCache = new WeakMap(); // engine -> Map(route -> forwarding rule | null)

function perEngine(cache, engine) {
  let m = cache.get(engine);
  if (!m) {
    m = new Map();
    cache.set(engine, m);
  }
  return m;
}

/** A route's effective rules (engine.routeInfo), read once per engine. */
export function routeRules(engine, route) {
  const m = perEngine(infoCache, engine);
  let info = m.get(route);
  if (!info) {
    info = engine.routeInfo(route);
    m.set(route, info);
  }
  return info;
}

/**
 * The forwarding rule of a route, read once per engine: null when the route
 * forwards every header ("forwardHeaders": "all").
 */
export function forwardingRule(engine, route) {
  const m = perEngine(ruleCache, engine);
  let rule = m.get(route);
  if (rule === undefined) {
    const info = routeRules(engine, route);
    if (info.forwardHeaders === 'all') {
      rule = null;
    } else {
      const headers = new Set([...SAFE_REQUEST_HEADERS, ...info.key.headers]);
      if (info.key.device) headers.add('user-agent');
      rule = { headers, cookies: new Set(info.key.cookies) };
    }
    m.set(route, rule);
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
