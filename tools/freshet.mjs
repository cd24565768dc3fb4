#!/usr/bin/env node
// The freshet CLI: validates manifests and explains what the engine would
// do for a URL, with the same wasm module the worker runs (docs/cli.md).
//
//   freshet validate <manifest.json>... [--strict]
//   freshet explain <manifest.json> <url> [-X METHOD] [-H 'Name: value']...
//                   [--status N] [-R 'Name: value']... [--json]
//   freshet stats <admin URL> [--fleet] [--token TOKEN] [--json]
//   freshet purge <admin URL> (--url U | --prefix P | --tag T | --all)... [--soft] [--id ID]
//   freshet inspect <admin URL> <url> [-H 'Name: value']... [--json]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, ManifestError, requestRecord } from '../worker/engine.js';
import { LookupAction, RequestAction, StoreAction } from '../worker/abi.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage:
  freshet validate <manifest.json>... [--strict]
      Checks manifests; prints each problem with its JSON path. Exit 1 on an
      error (with --strict, on a warning too).
  freshet explain <manifest.json> <url> [options]
      What the engine decides for a request to <url>: route, key, TTLs, tags,
      bypass and why.
      -X, --method METHOD        request method (default GET)
      -H, --header 'Name: value' a request header (repeatable)
      --status N                 also decide on an origin response with this status
      -R, --response-header 'Name: value'
                                 a response header for --status (repeatable)
      --json                     machine-readable output
  freshet stats <admin URL> [--fleet] [--token TOKEN] [--json]
      A deployment's counters through its admin route (e.g.
      https://example.com/__freshet/): this isolate's, or with --fleet every
      isolate's and location's as the purge log adds them up. The token is
      --token or the FRESHET_ADMIN_TOKEN environment variable.
  freshet purge <admin URL> (--url URL | --prefix PREFIX | --tag TAG | --all)... [--soft] [--id ID]
      Purges through the admin route: URLs (every variant), prefixes (a URL
      prefix, or a path prefix "/blog/" for every host), tags, or everything;
      --soft marks stale (served while revalidating) instead of evicting.
      --url, --prefix and --tag repeat. --id makes a retry idempotent. Exit 0
      once recorded durably, 3 when accepted and queued for retry (202).
  freshet inspect <admin URL> <url> [-H 'Name: value']... [--json]
      One URL as the deployment sees it: route, key, stored entry, age, TTL
      left, and what a request would get now.
  The admin commands (stats, purge, inspect) take the token from --token or
  the FRESHET_ADMIN_TOKEN environment variable.
  common options:
      --wasm PATH                the engine module (default dist/freshet.wasm)`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { positional: [], headers: [], responseHeaders: [], method: 'GET', strict: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    const header = (v) => {
      const colon = v.indexOf(':');
      if (colon <= 0) throw new UsageError(`header "${v}" must look like 'Name: value'`);
      return [v.slice(0, colon).trim().toLowerCase(), v.slice(colon + 1).trim()];
    };
    if (a === '--strict') opts.strict = true;
    else if (a === '--fleet') opts.fleet = true;
    else if (a === '--url') (opts.urls ??= []).push(next());
    else if (a === '--prefix') (opts.prefixes ??= []).push(next());
    else if (a === '--tag') (opts.tags ??= []).push(next());
    else if (a === '--all') opts.all = true;
    else if (a === '--soft') opts.soft = true;
    else if (a === '--id') opts.id = next();
    else if (a === '--token') opts.token = next();
    else if (a === '--json') opts.json = true;
    else if (a === '-X' || a === '--method') opts.method = next().toUpperCase();
    else if (a === '-H' || a === '--header') opts.headers.push(header(next()));
    else if (a === '-R' || a === '--response-header') opts.responseHeaders.push(header(next()));
    else if (a === '--status') opts.status = Number(next());
    else if (a === '--wasm') opts.wasm = next();
    else if (a === '-h' || a === '--help') opts.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else opts.positional.push(a);
  }
  return opts;
}

function loadModule(opts) {
  const file = opts.wasm ?? path.join(ROOT, 'dist', 'freshet.wasm');
  try {
    return new WebAssembly.Module(readFileSync(file));
  } catch (err) {
    throw new Error(`cannot load the engine from ${file} (run npm run build first): ${err.message}`);
  }
}

function readManifest(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err.message}`);
  }
}

// Returns [engine | null, diagnostics].
function load(module, text) {
  try {
    const engine = new Engine(module, text);
    return [engine, engine.warnings];
  } catch (err) {
    if (err instanceof ManifestError) return [null, err.diagnostics];
    throw err;
  }
}

function validate(opts, out) {
  if (opts.positional.length === 0) throw new UsageError('validate needs a manifest file');
  const module = loadModule(opts);
  let failed = false;
  for (const file of opts.positional) {
    const [engine, diagnostics] = load(module, readManifest(file));
    for (const d of diagnostics) out(`${file}: ${d.severity}: ${d.path}: ${d.message}`);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    if (engine) {
      const bad = opts.strict && warnings > 0;
      out(`${file}: ${bad ? 'rejected (strict)' : 'ok'}: ${engine.routeCount} routes, ${warnings} warning(s)`);
      failed ||= bad;
    } else {
      out(`${file}: invalid: ${errors} error(s), ${warnings} warning(s)`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

const ACTIONS = {
  request: { [RequestAction.LOOKUP]: 'cache (look the key up)', [RequestAction.BYPASS]: 'bypass', [RequestAction.PASS]: 'pass (caching off)' },
  lookup: { [LookupAction.HIT]: 'hit', [LookupAction.STALE]: 'stale', [LookupAction.REVALIDATE]: 'revalidate' },
  store: { [StoreAction.STORE]: 'store', [StoreAction.NO_STORE]: 'do not store' },
};

function secondsText(v) {
  if (v === null || v === undefined) return '-';
  return v === 'forever' ? 'forever (until purged)' : `${v}s`;
}

function explain(opts, out) {
  if (opts.positional.length !== 2) throw new UsageError('explain needs a manifest file and a URL');
  const [file, url] = opts.positional;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not an absolute URL (e.g. https://example.com/blog/hello)`);
  }
  const normalized = new URL(url).href; // what the runtime hands the worker
  const [engine, diagnostics] = load(loadModule(opts), readManifest(file));
  if (!engine) {
    for (const d of diagnostics) out(`${file}: ${d.severity}: ${d.path}: ${d.message}`);
    out(`${file}: invalid manifest: the worker would pass every request to the origin untouched`);
    return 1;
  }
  const headers = opts.headers.flat();
  let record = requestRecord([opts.method, normalized, ...headers]);
  let rd = engine.request(record);
  const result = { url: normalized, method: opts.method, action: rd.action, decision: ACTIONS.request[rd.action], reason: rd.reason };
  if (rd.needsBody) {
    // Explain a POST as if its body were empty.
    record = requestRecord([opts.method, normalized, ...headers, ':body-size', '0', ':body-sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
    rd = engine.request(record);
    result.note = 'POST bodies are part of the key; explained with an empty body';
    Object.assign(result, { action: rd.action, decision: ACTIONS.request[rd.action], reason: rd.reason });
  }
  if (rd.route >= 0) result.route = engine.routeInfo(rd.route);
  if (rd.action === RequestAction.LOOKUP) {
    Object.assign(result, { key: rd.key, keyUrl: rd.keyUrl, tags: rd.tags ? rd.tags.split(',') : [] });
  }
  if (opts.status !== undefined && rd.action === RequestAction.LOOKUP) {
    const now = Date.now();
    const sd = engine.store(record, rd.route, opts.status, opts.responseHeaders, now, now);
    result.response = {
      status: opts.status,
      decision: ACTIONS.store[sd.action],
      reason: sd.reason,
      lifetime: sd.lifetime,
      lifetimeSource: sd.lifetimeSource,
      staleWhileRevalidate: sd.staleWhileRevalidate,
      staleIfError: sd.staleIfError,
      platformTtl: sd.platformTtl,
      ignored: sd.ignored,
    };
  }
  if (opts.json) {
    out(JSON.stringify(result, null, 2));
    return 0;
  }
  out(`request:   ${opts.method} ${normalized}`);
  out(`decision:  ${result.decision}${rd.reason !== 'none' ? ` - reason: ${rd.reason}` : ''}`);
  if (result.note) out(`note:      ${result.note}`);
  const r = result.route;
  if (r) {
    out(`route:     #${r.index} ${r.name === r.pattern ? r.pattern : `${r.name} (${r.pattern})`}${r.cache ? '' : ' [cache: false]'}`);
    out(`ttl:       ${secondsText(r.ttl)}   stale-while-revalidate: ${r.staleWhileRevalidate}s   stale-if-error: ${r.staleIfError}s`);
    out(`browser:   ${r.browserTtl === null ? "origin's Cache-Control" : `public, max-age=${r.browserTtl}`}`);
    out(`cdn:       CDN-Cache-Control ${r.cdnCacheControl === 'remove' ? 'used, removed before the client' : 'used and passed on (RFC 9213)'}`);
    out(`origin:    headers ${r.originHeaders}; request directives ${r.requestDirectives}; heuristic ${r.heuristic ? 'on' : 'off'}${r.ageFromDate ? '' : '; age from Age only (not Date)'}` +
      `${r.minTtl !== null ? `; minTtl ${r.minTtl}s` : ''}${r.maxTtl !== null ? `; maxTtl ${secondsText(r.maxTtl)}` : ''}`);
    out(`storage:   ${r.storage.length ? r.storage.join(', ') : 'off'}${r.shield ? `; shield (misses and revalidations, waits ${r.shield.timeoutMs} ms for it)` : ''}` +
      `${r.generateEtag ? '; ETags generated where the origin sends no validator' : ''}; Set-Cookie: ${r.setCookie}`);
    if (r.invalidates.length) out(`writes:    a successful unsafe request invalidates ${r.invalidates.join(', ')}${r.invalidateSoft ? ' (soft)' : ''}`);
  }
  if (result.key) {
    out(`key:       ${result.key}`);
    out(`key URL:   ${result.keyUrl}`);
    out(`tags:      ${result.tags.length ? result.tags.join(', ') : '-'}`);
  }
  if (result.response) {
    const s = result.response;
    out(`response:  ${s.status} -> ${s.decision} (${s.reason})` +
      (s.decision === 'store' ? `: fresh ${s.lifetime}s from ${s.lifetimeSource}, stale-while-revalidate ${s.staleWhileRevalidate}s, stale-if-error ${s.staleIfError}s` : ''));
    for (const f of s.ignored) out(`ignored:   ${f} (not a valid Structured Field Dictionary of cache directives, RFC 9213 2.1)`);
  }
  return 0;
}

const pct = (r) => (r === null || r === undefined ? '-' : `${(r * 100).toFixed(1)} %`);

/** An admin call failed in a way the operator should read as is. */
class AdminError extends Error {}

/**
 * POSTs `body` to `endpoint` of the admin route at opts.positional[0].
 * Resolves to { status, body }; rejects with AdminError (401, no admin
 * route, unreachable, not JSON) or UsageError.
 */
async function adminCall(opts, endpoint, body) {
  const [base] = opts.positional;
  if (!base) throw new UsageError(`${endpoint} needs the admin URL (e.g. https://example.com/__freshet/)`);
  const token = opts.token ?? process.env.FRESHET_ADMIN_TOKEN;
  if (!token) throw new UsageError(`${endpoint} needs --token or FRESHET_ADMIN_TOKEN`);
  let url;
  try {
    url = new URL(endpoint, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new UsageError(`"${base}" is not a URL`);
  }
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const why = err?.name === 'TimeoutError' ? 'no answer within 10 s' : String(err?.cause?.code ?? err?.cause?.message ?? err?.message ?? err);
    throw new AdminError(`cannot reach ${url.href}: ${why}`);
  }
  const text = await res.text();
  if (res.status === 401) throw new AdminError(`${url.href} refused the token (401): check FRESHET_ADMIN_TOKEN against the deployment's secret`);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    if (res.status === 404) throw new AdminError(`no admin route at ${url.href} (404): is FRESHET_ADMIN_TOKEN set on the deployment, and the path right?`);
    throw new AdminError(`${url.href} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  if (res.status >= 400 && res.status !== 503) throw new AdminError(`${url.href} answered ${res.status}: ${json.error ?? text.slice(0, 200)}`);
  return { status: res.status, body: json, url };
}

/** `freshet stats`: the admin route's stats, isolate or fleet. Resolves to the exit status. */
async function stats(opts, out) {
  const { status, body, url } = await adminCall(opts, 'stats', { scope: opts.fleet ? 'fleet' : 'isolate' });
  if (status >= 400) throw new AdminError(`${url.href} answered ${status}: ${body.error ?? ''}`);
  if (opts.json) {
    out(JSON.stringify(opts.fleet ? body.fleet : body.isolate, null, 2));
    return 0;
  }
  const c = opts.fleet ? body.fleet : body.isolate;
  if (!c) {
    out(`freshet: no fleet stats: ${body.note ?? 'none'}`);
    return 1;
  }
  const served = (x) => x.hits + x.staleHits + x.misses + x.expired + x.revalidated;
  const row = (name, x) => out(`${name.padEnd(16)} ${String(x.requests).padStart(9)} ${pct(x.hitRatio ?? (served(x) ? (x.hits + x.staleHits) / served(x) : null)).padStart(9)} ${String(x.originFetches).padStart(9)} ${String(x.coalescedWaits ?? x.coalescing?.followers ?? 0).padStart(9)} ${String(x.purges ?? 0).padStart(9)}`);
  out(`${'scope'.padEnd(16)} ${'requests'.padStart(9)} ${'hit ratio'.padStart(9)} ${'origin'.padStart(9)} ${'coalesced'.padStart(9)} ${'purges'.padStart(9)}`);
  row(opts.fleet ? 'fleet' : 'this isolate', c);
  if (opts.fleet) {
    for (const [name, loc] of Object.entries(c.locations ?? {})) row(`  ${name}`, loc);
    out(`active isolates: ${c.activeIsolates}; purge log at seq ${body.log?.seq ?? '?'}`);
  }
  return 0;
}

/** `freshet purge`: 0 when recorded durably, 3 when queued for retry (202), 1 otherwise. */
async function purge(opts, out) {
  const body = {};
  if (opts.urls) body.urls = opts.urls;
  if (opts.prefixes) body.prefixes = opts.prefixes;
  if (opts.tags) body.tags = opts.tags;
  if (opts.all) body.all = true;
  if (!Object.keys(body).length) throw new UsageError('purge needs --url, --prefix, --tag or --all');
  if (opts.soft) body.soft = true;
  if (opts.id) body.id = opts.id;
  const { status, body: answer } = await adminCall(opts, 'purge', body);
  if (opts.json) out(JSON.stringify(answer, null, 2));
  const what = [
    ...(opts.urls ?? []).map((u) => `url ${u}`),
    ...(opts.prefixes ?? []).map((p) => `prefix ${p}`),
    ...(opts.tags ?? []).map((t) => `tag ${t}`),
    ...(opts.all ? ['everything'] : []),
  ].join(', ');
  const kind = opts.soft ? 'soft purge' : 'purge';
  if (status === 202) {
    if (!opts.json) out(`freshet: ${kind} of ${what} accepted but not yet recorded (the purge log is unreachable); the deployment retries it${answer.id ? ` (id ${answer.id}: resend with --id ${answer.id} to be sure)` : ''}`);
    return 3;
  }
  if (status >= 400) {
    out(`freshet: ${kind} refused (${status}): ${answer.error ?? 'try again later'}`);
    return 1;
  }
  if (!opts.json) out(`freshet: ${kind} of ${what} recorded${answer.id ? ` (id ${answer.id})` : ''}${answer.duplicate ? ', already recorded before' : ''}`);
  return 0;
}

/** `freshet inspect`: one URL as the deployment sees it. */
async function inspect(opts, out) {
  const [, target] = opts.positional;
  if (!target) throw new UsageError('inspect needs the admin URL and the URL to inspect');
  const body = { url: target };
  if (opts.headers.length) body.headers = Object.fromEntries(opts.headers);
  const { status, body: answer, url } = await adminCall(opts, 'inspect', body);
  if (status >= 400) throw new AdminError(`${url.href} answered ${status}: ${answer.error ?? ''}`);
  if (opts.json) {
    out(JSON.stringify(answer, null, 2));
    return 0;
  }
  out(`url:       ${answer.url ?? target}`);
  out(`decision:  ${answer.decision}${answer.reason && answer.reason !== 'none' ? ` - reason: ${answer.reason}` : ''}`);
  if (answer.route) out(`route:     #${answer.route.index} ${answer.route.name === answer.route.pattern ? answer.route.pattern : `${answer.route.name} (${answer.route.pattern})`}`);
  if (answer.key) out(`key:       ${answer.key}`);
  if (answer.entry) {
    const e = answer.entry;
    out(`entry:     ${e.tier} tier, status ${e.status}, stored ${e.storedAt ?? '?'}, age ${e.age} s, ttl left ${e.ttlLeft} s${e.tags.length ? `, tags ${e.tags.join(', ')}` : ''}`);
  } else if (answer.decision === 'cache') {
    out('entry:     none stored');
  }
  if (answer.now) out(`now:       ${answer.now.action}${answer.now.reason ? ` (${answer.now.reason})` : ''}`);
  return 0;
}

const ADMIN_COMMANDS = { stats, purge, inspect };

export function main(argv, out = console.log) {
  let opts;
  try {
    opts = parseArgs(argv.slice(1));
    if (opts.help || argv.length === 0) {
      out(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === 'validate') return validate(opts, out);
    if (argv[0] === 'explain') return explain(opts, out);
    if (Object.hasOwn(ADMIN_COMMANDS, argv[0])) {
      return ADMIN_COMMANDS[argv[0]](opts, out).catch((err) => {
        out(err instanceof UsageError ? `freshet: ${err.message}\n\n${USAGE}` : `freshet: ${err.message}`);
        return err instanceof UsageError ? 2 : 1;
      });
    }
    throw new UsageError(`unknown command "${argv[0]}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`freshet: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    out(`freshet: ${err.message}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  Promise.resolve(main(process.argv.slice(2))).then((code) => { process.exitCode = code; });
}
