// The admin route (docs/admin.md): purge, warm, inspect, stats, and the
// per-request controls. It exists only when FRESHET_ADMIN_TOKEN is set (a
// wrangler secret); every call is POST with `Authorization: Bearer <token>`,
// compared in constant time.

import { readBounded } from './bytes.js';
import { RequestAction } from './abi.js';
import { requestRecord } from './engine.js';
import { keyParts } from './keys.js';
import { TAGS_HEADER } from './response_headers.js';
import { entryMetaText, parseEntryMeta } from './entry_meta.js';

export const DEFAULT_ADMIN_PATH = '/__freshet/';
const MAX_BODY = 64 * 1024;
const MAX_ITEMS = 1000;
const MAX_WARM = 100;
const PURGE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const RETRY_AFTER_S = 5;
const encoder = new TextEncoder();

/** Request headers of the per-request controls (stripped before the origin). */
export const CONTROL_HEADER = 'freshet-control';
export const CONTROL_TOKEN_HEADER = 'freshet-token';
const CONTROL_MODES = ['use', 'bypass', 'refresh'];

class BadRequest extends Error {}

function json(body, status = 200, extra = {}) {
  return new Response(JSON.stringify(body, null, 2) + '\n', {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
  });
}

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Constant-time comparison of a presented token with the configured one. */
export async function tokenMatches(presented, expected) {
  if (typeof presented !== 'string' || typeof expected !== 'string' || expected === '') return false;
  // Hashing first gives equal lengths, so the comparison time says nothing
  // about the token's length or content.
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  if (crypto.subtle.timingSafeEqual) return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function bearer(request) {
  const h = request.headers.get('authorization') ?? '';
  return /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, '').trim() : null;
}

async function readJson(request) {
  const declared = Number(request.headers.get('content-length'));
  if (declared > MAX_BODY) throw new BadRequest(`body over ${MAX_BODY} bytes`);
  const bytes = await readBounded(request.body, MAX_BODY);
  if (bytes === null) throw new BadRequest(`body over ${MAX_BODY} bytes`);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest('$: must be a JSON object');
    return value;
  } catch (err) {
    if (err instanceof BadRequest) throw err;
    throw new BadRequest(`invalid JSON: ${err.message}`);
  }
}

function onlyKeys(body, keys) {
  for (const k of Object.keys(body)) {
    if (!keys.includes(k)) throw new BadRequest(`$.${k}: unknown field (expected ${keys.join(', ')})`);
  }
}

function list(body, field, check) {
  const v = body[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new BadRequest(`$.${field}: must be an array`);
  if (v.length > MAX_ITEMS) throw new BadRequest(`$.${field}: at most ${MAX_ITEMS} items`);
  v.forEach((item, i) => check(item, `$.${field}[${i}]`));
  return v;
}

function absoluteUrl(item, path) {
  if (typeof item !== 'string') throw new BadRequest(`${path}: must be a string`);
  let u;
  try {
    u = new URL(item);
  } catch {
    throw new BadRequest(`${path}: "${item}" is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadRequest(`${path}: must be an http(s) URL`);
  return u;
}

function tagValue(item, path) {
  if (typeof item !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(item) || item.includes(',')) {
    throw new BadRequest(`${path}: a tag is 1-128 printable ASCII characters without spaces or commas`);
  }
}

/**
 * @param {object} deps
 * @param {(env: object) => any} deps.getEngine
 * @param {object} deps.stats isolate counters
 * @param {import('./purge.js').PurgeState} deps.purges
 * @param {import('./purge_sync.js').PurgeSync} deps.sync
 * @param {(request: Request, env: object) => () => number} deps.clock
 * @param {(rd: object, record: string, eng: object, env: object) => Promise<{stored?: import('./stored_entry.js').StoredEntry}>} deps.lookupEntry
 * @param {(request: Request, env: object, ctx: object) => Promise<Response>} deps.fetchThrough
 */
export function createAdmin(deps) {
  const startedAt = new Date().toISOString();

  function adminPath(env) {
    const p = env?.FRESHET_ADMIN_PATH || DEFAULT_ADMIN_PATH;
    return p.endsWith('/') ? p : `${p}/`;
  }

  function enabled(env) {
    return typeof env?.FRESHET_ADMIN_TOKEN === 'string' && env.FRESHET_ADMIN_TOKEN !== '';
  }

  /** Whether this request is for the admin route (which exists only with a token). */
  function matches(request, env) {
    if (!enabled(env)) return false;
    // The path of an absolute URL starts at the first '/' after "//".
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    if (start < 0) return false;
    const base = adminPath(env);
    if (!url.startsWith(base.slice(0, -1), start)) return false;
    const after = url[start + base.length - 1];
    return after === undefined || after === '/' || after === '?' || after === '#';
  }

  function keyOf(eng, url, headers = []) {
    const rd = eng.request(requestRecord(['GET', url, ...headers]));
    return rd;
  }

  async function purge(request, env, body, now) {
    onlyKeys(body, ['urls', 'prefixes', 'tags', 'all', 'soft', 'id']);
    if (body.id !== undefined && (typeof body.id !== 'string' || !PURGE_ID.test(body.id))) {
      throw new BadRequest('$.id: 1-64 characters of A-Z a-z 0-9 . _ : -');
    }
    const urls = list(body, 'urls', absoluteUrl);
    const prefixes = list(body, 'prefixes', (item, path) => {
      if (typeof item !== 'string' || item === '') throw new BadRequest(`${path}: must be a non-empty string`);
      if (!item.startsWith('/')) absoluteUrl(item, path);
    });
    const tags = list(body, 'tags', tagValue);
    if (body.all !== undefined && typeof body.all !== 'boolean') throw new BadRequest('$.all: must be true or false');
    if (body.soft !== undefined && typeof body.soft !== 'boolean') throw new BadRequest('$.soft: must be true or false');
    if (!urls.length && !prefixes.length && !tags.length && !body.all) {
      throw new BadRequest('$: nothing to purge: give urls, prefixes, tags or "all": true');
    }
    const soft = body.soft === true;
    const at = now();
    const eng = deps.getEngine(env);
    const records = [];
    const answer = { urls: [], prefixes: [], tags, all: body.all === true };
    for (const raw of urls) {
      const u = new URL(raw);
      const rd = eng ? keyOf(eng, u.href) : null;
      let value;
      if (rd && rd.action === RequestAction.LOOKUP) {
        const { base, pathBase } = keyParts(rd.key);
        value = u.search ? base : pathBase;
      } else {
        value = `${u.protocol}//${u.host}${u.pathname}${u.search}`;
      }
      records.push({ kind: 'url', value, soft, at });
      answer.urls.push({ url: raw, key: value, variants: u.search ? 'this query, every variant' : 'every query and variant' });
    }
    for (const p of prefixes) {
      const value = p.startsWith('/') ? p : (() => {
        const u = new URL(p);
        return `${u.protocol}//${u.host}${u.pathname}`;
      })();
      records.push({ kind: 'prefix', value, soft, at });
      answer.prefixes.push(value);
    }
    for (const t of tags) records.push({ kind: 'tag', value: t, soft, at });
    if (body.all) records.push({ kind: 'all', soft, at });
    for (const r of records) deps.purges.apply(r);
    deps.stats.purges = (deps.stats.purges ?? 0) + records.length;
    // Success only once the purge log holds the records (purge_sync.js).
    const logged = await deps.sync.submit(env, records, { id: body.id, nowMs: at });
    let propagation;
    let status = 200;
    const headers = {};
    if (logged.durable) {
      propagation = { log: 'purge log', durable: true, seq: logged.seq, duplicate: logged.duplicate, everywhereWithinMs: deps.sync.maxLagMs };
    } else if (logged.none) {
      propagation = { log: 'none (no FRESHET_PURGE_LOG binding): this isolate only', durable: false };
    } else if (logged.queued) {
      status = 202;
      headers['retry-after'] = String(RETRY_AFTER_S);
      propagation = {
        log: 'queued', durable: false, error: logged.error,
        note: 'applied in this isolate; the purge log could not be reached, so this isolate retries it in the background. Send the same request with the same id to confirm: 200 once the log holds it.',
      };
    } else {
      status = 503;
      headers['retry-after'] = String(RETRY_AFTER_S);
      propagation = { log: 'unreachable', durable: false, error: logged.error, note: 'not recorded: retry with the same id' };
    }
    return json({
      id: logged.id,
      purged: answer,
      mode: soft ? 'soft: entries are stale, served while one revalidation runs' : 'hard: entries are gone',
      at: new Date(at).toISOString(),
      effective: { thisIsolate: 'now', ...propagation },
    }, status, headers);
  }

  async function warm(request, env, ctx, body) {
    onlyKeys(body, ['urls']);
    const urls = list(body, 'urls', absoluteUrl);
    if (!urls.length) throw new BadRequest('$.urls: give at least one URL');
    if (urls.length > MAX_WARM) throw new BadRequest(`$.urls: at most ${MAX_WARM} URLs per call`);
    return json({ warmed: await warmUrls(urls, env, ctx, request) });
  }

  async function warmUrls(urls, env, ctx, request) {
    const results = [];
    for (const url of urls) {
      const headers = new Headers();
      const clockHeader = request?.headers.get('x-freshet-test-now');
      if (clockHeader && env?.FRESHET_TEST_MODE === '1') headers.set('x-freshet-test-now', clockHeader);
      try {
        const res = await deps.fetchThrough(new Request(url, { headers }), env, ctx);
        await res.arrayBuffer();
        // `cache`: x-cache (null where "clientHeaders" turned it off); Cache-Status always.
        results.push({ url, status: res.status, cache: res.headers.get('x-cache'), cacheStatus: res.headers.get('cache-status') });
      } catch (err) {
        results.push({ url, error: String(err?.message ?? err) });
      }
    }
    return results;
  }

  async function inspect(request, env, body, now) {
    // Reads through the route's tiers: which tier answered shows in entry.tier.
    onlyKeys(body, ['url', 'headers']);
    const u = absoluteUrl(body.url, '$.url');
    const headers = [];
    if (body.headers !== undefined) {
      if (typeof body.headers !== 'object' || body.headers === null || Array.isArray(body.headers)) {
        throw new BadRequest('$.headers: must be an object of header names to values');
      }
      for (const [k, v] of Object.entries(body.headers)) {
        if (typeof v !== 'string') throw new BadRequest(`$.headers.${k}: must be a string`);
        headers.push(k.toLowerCase(), v);
      }
    }
    const eng = deps.getEngine(env);
    if (!eng) return json({ url: u.href, decision: 'pass', reason: 'invalid-manifest' });
    const record = requestRecord(['GET', u.href, ...headers]);
    const rd = eng.request(record);
    const out = { url: u.href, decision: rd.action === RequestAction.LOOKUP ? 'cache' : 'bypass', reason: rd.reason };
    if (rd.route >= 0) out.route = eng.routeInfo(rd.route);
    if (rd.action !== RequestAction.LOOKUP) return json(out);
    Object.assign(out, { key: rd.key, keyUrl: rd.keyUrl, routeTags: rd.tags ? rd.tags.split(',') : [] });
    const { stored } = await deps.lookupEntry(rd, record, eng, env);
    out.stored = Boolean(stored);
    if (stored) {
      const tags = (stored.headers.get(TAGS_HEADER) ?? '').split(',').filter(Boolean);
      const floors = deps.purges.floors(rd.key, tags);
      floors.unproven = deps.sync.unprovenFor(env, now());
      const metaText = entryMetaText(stored.headers);
      const ld = eng.lookup(record, rd.route, metaText, now(), floors);
      const meta = parseEntryMeta(metaText);
      out.entry = {
        tier: stored.headers.get('x-freshet-tier') ?? 'cache',
        status: stored.status,
        storedAt: meta ? new Date(meta.responseTimeMs).toISOString() : null,
        // When its request left for the origin: purges from then on cover it.
        requestedAt: meta ? new Date(meta.responseTimeMs - meta.fetchMs).toISOString() : null,
        age: ld.age,
        ttlLeft: ld.ttl,
        lifetime: ld.lifetime,
        staleWhileRevalidate: ld.staleWhileRevalidate,
        staleIfError: ld.staleIfError,
        tags,
        purges: floors,
      };
      out.now = { action: ['', 'HIT', 'STALE', 'REVALIDATE', 'MISS'][ld.action], reason: ld.reason, usableIfError: ld.usableIfError };
      await stored.body?.cancel();
    } else {
      out.now = { action: 'MISS', reason: 'not stored' };
    }
    return json(out);
  }

  async function stats(request, env, body) {
    onlyKeys(body, ['scope']);
    const scope = body.scope ?? new URL(request.url).searchParams.get('scope') ?? 'isolate';
    if (scope !== 'isolate' && scope !== 'fleet') throw new BadRequest('$.scope: "isolate" or "fleet"');
    const isolate = {
      startedAt,
      ...deps.stats,
      coalescing: deps.coalescingStats?.(), // leaders, followers (coalesced waits), shared
      purgeState: deps.purges.size(),
      purgePlane: deps.sync.status(),
      memoryTier: deps.memoryStats?.(),
    };
    if (scope === 'isolate') return json({ isolate });
    // Every isolate's and location's counters, as the purge log adds them up.
    try {
      const fleet = await deps.sync.fleet(env);
      if (!fleet) return json({ fleet: null, note: 'no FRESHET_PURGE_LOG binding: fleet stats come from the purge log', isolate });
      return json({ ...fleet, isolate });
    } catch (err) {
      return json({ error: `the purge log could not be reached: ${err?.message ?? err}`, isolate }, 503, { 'retry-after': String(RETRY_AFTER_S) });
    }
  }

  /** Answers an admin request. */
  async function handle(request, env, ctx) {
    if (!(await tokenMatches(bearer(request), env.FRESHET_ADMIN_TOKEN))) {
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' } });
    }
    const base = adminPath(env);
    const { pathname } = new URL(request.url);
    const endpoint = pathname.startsWith(base) ? pathname.slice(base.length) : '';
    const endpoints = ['purge', 'warm', 'inspect', 'stats'];
    if (!endpoints.includes(endpoint)) return json({ error: `unknown endpoint; POST to ${base}{${endpoints.join(',')}}` }, 404);
    if (request.method !== 'POST') return json({ error: `${request.method} not allowed: use POST` }, 405, { allow: 'POST' });
    const now = deps.clock(request, env);
    try {
      const body = await readJson(request);
      if (endpoint === 'purge') return await purge(request, env, body, now);
      if (endpoint === 'warm') return await warm(request, env, ctx, body);
      if (endpoint === 'inspect') return await inspect(request, env, body, now);
      return await stats(request, env, body);
    } catch (err) {
      if (err instanceof BadRequest) return json({ error: err.message }, 400);
      throw err;
    }
  }

  /**
   * Per-request controls for authenticated callers: `freshet-control: use |
   * bypass | refresh`, and/or `debug` (comma-separated, e.g. "refresh,
   * debug"), with `freshet-token: <token>`. Returns { request, mode, debug }
   * (mode null without one of the three), or a 401 Response.
   */
  async function control(request, env) {
    const value = request.headers.get(CONTROL_HEADER);
    if (value === null) return { request, mode: null, debug: false };
    const words = value.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
    const modes = words.filter((w) => CONTROL_MODES.includes(w));
    const debug = words.includes('debug');
    const token = request.headers.get(CONTROL_TOKEN_HEADER);
    const wellFormed = words.length > 0 && modes.length <= 1 && words.every((w) => w === 'debug' || CONTROL_MODES.includes(w));
    if (!enabled(env) || !(await tokenMatches(token, env.FRESHET_ADMIN_TOKEN)) || !wellFormed) {
      return new Response(null, { status: 401, headers: { 'cache-control': 'no-store' } });
    }
    const mode = modes[0] ?? null;
    const headers = new Headers(request.headers);
    headers.delete(CONTROL_HEADER);
    headers.delete(CONTROL_TOKEN_HEADER);
    if (mode === 'use') {
      // Decide as an anonymous visitor would: credentials and cookies out.
      headers.delete('authorization');
      headers.delete('cookie');
    }
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : request.body;
    return { request: new Request(request.url, { method: request.method, headers, body, redirect: request.redirect }), mode, debug };
  }

  return { matches, handle, control, warmUrls };
}
