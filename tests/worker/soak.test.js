// Soak: the real worker in workerd in front of a faulty origin on loopback,
// 32 concurrent clients over 240 keys on every tier, for about a minute
// (FRESHET_SOAK_SECONDS, default 45 of load). The origin answers with 5xx,
// resets before the headers, bodies cut short of their Content-Length,
// slow answers, Set-Cookie and Vary. Every answer a client gets is checked:
//
// - no truncated body: a 200 body is whole (its own length and end marker);
// - no body of another key or variant;
// - no error caused by freshet: every 5xx names the origin's failure, every
//   aborted body is a live origin answer (or one collapsed into it), and the
//   worker logs no handler or engine error;
// - no Set-Cookie shared: every cookie value reaches one client at most.
//
// Three locations: A and B share an R2 global tier, C has a KV one.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorker, WASM_BUILD } from './helpers.js';
import { seeded } from '../../bench/lib/stats.mjs';

const SECONDS = Number(process.env.FRESHET_SOAK_SECONDS ?? 45);
const CLIENTS = 32;
const KEYS_PER_TIER = 80;
const TIERS = ['c', 'm', 'g']; // Cache API, memory (+ Cache API), global (+ Cache API)
const LANGS = ['en', 'fr', 'de', 'en, fr', 'fr, en', 'de;q=0.5, en'];
const HANG_MS = 45_000;

const manifest = {
  defaults: { ttl: 2, staleWhileRevalidate: 2, staleIfError: 30, originTimeout: 3 },
  memory: { maxEntries: 200, maxBytes: 4_000_000, maxEntryBytes: 65536 },
  routes: [
    { pattern: '/*', cache: false },
    { pattern: '/c/*', storage: 'cache' },
    { pattern: '/m/*', storage: ['memory', 'cache'] },
    { pattern: '/g/*', storage: 'global' },
  ],
};

// A small deterministic PRNG (bench/lib/stats.mjs): the same run every time.
const prng = seeded;

/** What a key is: plain, Set-Cookie or Vary (by its number). */
function kindOf(key) {
  const n = Number(key.slice(key.lastIndexOf('k') + 1));
  return n % 10 === 0 ? 'cookie' : n % 10 === 1 ? 'vary' : 'plain';
}

/** The body of one origin answer: self-describing, so a client can check it whole. */
function bodyFor(key, lang, fetchId, size) {
  const head = `key=${key};lang=${encodeURIComponent(lang)};fetch=${fetchId};len=${size};`;
  return head + '.'.repeat(Math.max(0, size - head.length - 4)) + ';end';
}

function parseBody(text) {
  const m = /^key=([^;]*);lang=([^;]*);fetch=(\d+);len=(\d+);/.exec(text);
  if (!m) return null;
  return { key: m[1], lang: decodeURIComponent(m[2]), fetchId: Number(m[3]), len: Number(m[4]), whole: text.length === Number(m[4]) && text.endsWith(';end') };
}

function faultyOrigin() {
  const rand = prng(12);
  const counts = { fetches: 0, ok: 0, error5xx: 0, resetBeforeHeaders: 0, truncated: 0, slow: 0, notModified: 0 };
  let fetchId = 0;
  const server = http.createServer((req, res) => {
    const id = ++fetchId;
    counts.fetches++;
    const key = new URL(req.url, 'http://o').pathname;
    const kind = kindOf(key);
    const lang = kind === 'vary' ? req.headers['accept-language'] ?? '' : '';
    const r = rand();
    if (r < 0.04) {
      counts.resetBeforeHeaders++;
      res.socket.destroy();
      return;
    }
    if (r < 0.08) {
      counts.error5xx++;
      res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end('origin overloaded');
      return;
    }
    const size = 200 + Math.floor(rand() * 3000);
    const etag = `"${key}-${Math.floor(Date.now() / 4000)}-${lang}"`;
    const headers = {
      'content-type': 'text/plain',
      'cache-control': 'public, max-age=2, stale-while-revalidate=2, stale-if-error=30',
      etag,
    };
    if (kind === 'vary') headers.vary = 'Accept-Language';
    if (kind === 'cookie') headers['set-cookie'] = `sid=${id}; Path=/; HttpOnly`;
    const send = () => {
      if (req.headers['if-none-match'] === etag && rand() < 0.5) {
        counts.notModified++;
        res.writeHead(304, { etag, 'cache-control': headers['cache-control'], ...(headers.vary ? { vary: headers.vary } : {}) });
        res.end();
        return;
      }
      const body = bodyFor(key, lang, id, size);
      headers['content-length'] = String(Buffer.byteLength(body));
      res.writeHead(200, headers);
      if (r < 0.13) {
        // Cut short: part of the body, then the connection is reset.
        counts.truncated++;
        res.write(body.slice(0, Math.floor(body.length / 3)));
        setTimeout(() => res.socket.destroy(), 5);
        return;
      }
      counts.ok++;
      res.end(body);
    };
    if (r < 0.2) {
      counts.slow++;
      setTimeout(send, 150 + Math.floor(rand() * 600));
    } else {
      send();
    }
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

describe(`soak: faulty origin, 32 clients, 240 keys, every tier (${WASM_BUILD} build)`, () => {
  let origin;
  const locations = [];
  const dirs = [];
  const workerLog = [];
  const logLines = (stream) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      for (const l of lines) if (l.includes('"freshet":1')) workerLog.push(l);
    });
  };

  before(async () => {
    origin = await faultyOrigin();
    const r2 = mkdtempSync(path.join(tmpdir(), 'freshet-soak-r2-'));
    const kv = mkdtempSync(path.join(tmpdir(), 'freshet-soak-kv-'));
    dirs.push(r2, kv);
    const start = (global) => startWorker({
      origin: origin.url,
      manifest,
      options: { ...global, handleRuntimeStdio: (stdout, stderr) => { logLines(stdout); logLines(stderr); } },
    });
    locations.push(await start({ r2Buckets: ['FRESHET_GLOBAL'], r2Persist: r2 }));
    locations.push(await start({ r2Buckets: ['FRESHET_GLOBAL'], r2Persist: r2 }));
    locations.push(await start({ kvNamespaces: ['FRESHET_GLOBAL'], kvPersist: kv }));
  });
  after(async () => {
    for (const l of locations) await l.dispose();
    await origin?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test(`${SECONDS} s of load: no truncated body, no foreign body, no freshet error, no shared cookie`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const c = {
      requests: 0, ok200: 0, hits: 0, stale: 0, misses: 0, collapsed: 0, originErrors: 0, aborted: 0,
      truncatedServed: 0, foreignServed: 0, freshetErrors: 0, sharedCookies: 0, cookiesSeen: 0, hung: 0,
    };
    const problems = [];
    const cookieOwners = new Map(); // cookie value -> how many clients got it
    const tierOf = new Map(TIERS.map((t) => [t, 0]));
    const deadline = Date.now() + SECONDS * 1000;
    const problem = (what, detail) => {
      if (problems.length < 20) problems.push(`${what}: ${detail}`);
    };

    async function one(rand) {
      const loc = locations[Math.floor(rand() * locations.length)];
      const tier = TIERS[Math.floor(rand() * TIERS.length)];
      const key = `/${tier}/k${Math.floor(rand() * KEYS_PER_TIER)}`;
      const kind = kindOf(key);
      const headers = { 'accept-encoding': 'identity' };
      if (kind === 'vary') headers['accept-language'] = LANGS[Math.floor(rand() * LANGS.length)];
      c.requests++;
      tierOf.set(tier, tierOf.get(tier) + 1);
      // A request that neither answers nor ends within HANG_MS is a hang:
      // counted as freshet's error (the origin's slowest answer is 750 ms, the
      // route's originTimeout 3 s).
      let timer;
      const hang = new Promise((resolve) => { timer = setTimeout(() => resolve('hang'), HANG_MS); });
      const res = await Promise.race([loc.mf.dispatchFetch(`https://example.com${key}`, { headers }), hang]);
      if (res === 'hang') {
        c.freshetErrors++;
        c.hung++;
        problem('no answer', `${key} at location ${locations.indexOf(loc)} within ${HANG_MS} ms`);
        return;
      }
      const xcache = res.headers.get('x-cache') ?? '';
      const status = res.headers.get('cache-status') ?? '';
      let text;
      try {
        text = await Promise.race([res.text(), hang]);
        clearTimeout(timer);
        if (text === 'hang') {
          c.freshetErrors++;
          c.hung++;
          problem('body never ended', `${key} ${xcache} ${status}`);
          return;
        }
      } catch {
        clearTimeout(timer);
        c.aborted++;
        // Only a live origin answer (or one collapsed into it) may abort.
        const live = ['MISS', 'EXPIRED', 'REFRESH'].includes(xcache) || /; collapsed/.test(status);
        if (!live) {
          c.freshetErrors++;
          problem('aborted stored copy', `${key} ${xcache} ${status}`);
        }
        return;
      }
      if (res.status >= 500) {
        // The origin's failure, said so: its status, or unreachable / timeout.
        if (/fwd-status=5\d\d|detail="origin-(unreachable|timeout)"/.test(status)) c.originErrors++;
        else {
          c.freshetErrors++;
          problem('5xx not from the origin', `${key} ${res.status} ${status} ${text.slice(0, 80)}`);
        }
        return;
      }
      if (res.status !== 200) {
        c.freshetErrors++;
        problem('unexpected status', `${key} ${res.status} ${status}`);
        return;
      }
      c.ok200++;
      if (xcache === 'HIT') c.hits++;
      if (xcache === 'STALE') c.stale++;
      if (xcache === 'MISS') c.misses++;
      if (/; collapsed/.test(status)) c.collapsed++;
      const b = parseBody(text);
      if (!b || !b.whole) {
        c.truncatedServed++;
        problem('truncated body', `${key} ${xcache} ${text.length} bytes, cache-status: ${status}, content-length: ${res.headers.get('content-length')}, age: ${res.headers.get('age')}`);
        return;
      }
      if (b.key !== key || (kind === 'vary' && b.lang !== headers['accept-language'])) {
        c.foreignServed++;
        problem('foreign body', `${key} lang=${headers['accept-language'] ?? ''} got key=${b.key} lang=${b.lang} (${xcache})`);
      }
      const cookie = res.headers.get('set-cookie');
      if (cookie) {
        c.cookiesSeen++;
        const n = (cookieOwners.get(cookie) ?? 0) + 1;
        cookieOwners.set(cookie, n);
        if (n > 1) {
          c.sharedCookies++;
          problem('shared Set-Cookie', `${key} ${cookie} (${xcache})`);
        }
        if (!cookie.startsWith(`sid=${b.fetchId};`)) {
          c.sharedCookies++;
          problem('Set-Cookie of another answer', `${key} ${cookie} with fetch ${b.fetchId}`);
        }
      }
    }

    await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
      const rand = prng(1000 + i);
      while (Date.now() < deadline) {
        try {
          await one(rand);
        } catch (err) {
          c.freshetErrors++;
          problem('request failed', String(err?.message ?? err));
        }
      }
    }));

    const workerErrors = workerLog.filter((l) => /"event":"(handler-error|engine-error)"/.test(l));
    const summary = { ...c, perTier: Object.fromEntries(tierOf), origin: origin.counts, workerErrors: workerErrors.length };
    console.log(`# soak: ${JSON.stringify(summary)}`);
    for (const p of problems) console.log(`# soak problem: ${p}`);
    for (const l of workerErrors.slice(0, 5)) console.log(`# worker: ${l}`);

    assert.ok(c.requests >= 1000, `only ${c.requests} requests`);
    assert.ok(origin.counts.truncated > 0 && origin.counts.resetBeforeHeaders > 0 && origin.counts.error5xx > 0, 'every fault was injected');
    assert.ok(c.hits > 0 && c.stale + c.hits > c.misses, 'the cache served');
    assert.ok(c.cookiesSeen > 0, 'Set-Cookie answers reached their clients');
    assert.equal(c.truncatedServed, 0, 'truncated bodies served');
    assert.equal(c.foreignServed, 0, 'bodies of another key or variant');
    assert.equal(c.freshetErrors, 0, 'errors caused by freshet');
    assert.equal(workerErrors.length, 0, 'handler or engine errors logged');
    assert.equal(c.sharedCookies, 0, 'Set-Cookie shared');
  });
});
