// Engine.cachedRequest: the request decision is a pure function of the
// manifest, the options and the fields the manifest reads, so identical
// records share one decision and skip the wasm call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, MEMO_KEY_MAX, MEMO_MAX, requestRecord } from '../../worker/engine.js';
import { SetCookiePolicy } from '../../worker/abi.js';
import { WASM_BUILD, wasmPath } from './helpers.js';
import { corpus, manifest } from '../../bench/lib/corpus.mjs';

const module = new WebAssembly.Module(readFileSync(wasmPath(WASM_BUILD)));
const list = (c) => [c.method, c.url, ...c.request.flat()];
const plain = (rd) => Object.fromEntries(Object.keys(rd).filter((k) => k !== 'engine').map((k) => [k, rd[k]]));

test(`cachedRequest answers as request does, and once per distinct record (${WASM_BUILD})`, () => {
  const eng = new Engine(module, manifest(10));
  const fresh = new Engine(module, manifest(10));
  const cases = corpus();
  for (const c of cases) assert.deepEqual(plain(eng.cachedRequest(requestRecord(list(c)))), plain(fresh.request(requestRecord(list(c)))), c.url);
  const calls = eng.memoHits;
  const again = cases.map((c) => eng.cachedRequest(requestRecord(list(c))));
  // Eight paths, each with the same request fields: every repeat is known.
  assert.equal(eng.memoHits - calls, cases.length);
  assert.equal(again[0], eng.cachedRequest(requestRecord(list(cases[0]))), 'the same object');
});

test('a field the manifest reads makes another decision; one it does not read does not', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const a = eng.cachedRequest(requestRecord(['GET', 'https://example.com/a']));
  const ua = eng.cachedRequest(requestRecord(['GET', 'https://example.com/a', 'user-agent', 'x']));
  assert.equal(ua, a, 'User-Agent is not read by this manifest');
  const auth = eng.cachedRequest(requestRecord(['GET', 'https://example.com/a', 'authorization', 'Bearer t']));
  assert.notEqual(auth, a);
  assert.notEqual(auth.action, a.action, 'authorization bypasses');
});

test('options clear the kept decisions; long records are decided every time; the count is bounded', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const rec = () => requestRecord(['GET', 'https://example.com/c']);
  const before = eng.cachedRequest(rec());
  assert.equal(before.setCookie, SetCookiePolicy.REFUSE);
  eng.setOptions({ storeSetCookie: true });
  assert.equal(eng.memoSize, 0);
  assert.equal(eng.cachedRequest(rec()).setCookie, SetCookiePolicy.STORE);
  const long = `https://example.com/${'l'.repeat(MEMO_KEY_MAX)}`;
  const hits = eng.memoHits;
  eng.cachedRequest(requestRecord(['GET', long]));
  eng.cachedRequest(requestRecord(['GET', long]));
  assert.equal(eng.memoHits, hits, 'not kept');
  for (let i = 0; i < MEMO_MAX + 10; i++) eng.cachedRequest(requestRecord(['GET', `https://example.com/n${i}`]));
  assert.equal(eng.memoSize, MEMO_MAX);
});

test('a shared decision is copied, never changed, for debug', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const rd = eng.cachedRequest(requestRecord(['GET', 'https://example.com/d']));
  const dbg = rd.withDebug();
  assert.equal(dbg.debug, true);
  assert.equal(rd.debug, false);
  assert.equal(dbg.keyUrl, rd.keyUrl);
  assert.equal(dbg.key, rd.key);
});

test('cachedLookup reuses a lookup only inside the span the engine declares, for the same entry and floors', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 10, staleWhileRevalidate: 5 }] });
  const rec = () => requestRecord(['GET', 'https://example.com/l']);
  const rd = eng.cachedRequest(rec());
  const t = 1_800_000_000_000;
  const meta = eng.store(rec(), rd.route, 200, [['cache-control', 'max-age=10']], t, t).meta;
  const d1 = eng.cachedLookup(rd, rec(), meta, t + 1500);
  assert.equal(d1.validFromMs, t + 1000);
  assert.equal(d1.validUntilMs, t + 2000);
  assert.equal(eng.cachedLookup(rd, rec(), meta, t + 1999), d1, 'the same second: the same decision');
  assert.equal(eng.cachedLookup(rd, rec(), meta, t + 1000), d1);
  const d2 = eng.cachedLookup(rd, rec(), meta, t + 2000);
  assert.notEqual(d2, d1);
  assert.equal(d2.age, d1.age + 1);
  assert.equal(d2.ttl, d1.ttl - 1);
  const back = eng.cachedLookup(rd, rec(), meta, t + 1200);
  assert.deepEqual(back, d1, 'a clock that goes back is asked again');
  const purged = eng.cachedLookup(rd, rec(), meta, t + 1300, { hard: t + 100, soft: 0, unproven: 0 });
  assert.notEqual(purged.action, d1.action, 'other floors: another decision');
  const stale = eng.cachedLookup(rd, rec(), meta, t + 12_000);
  assert.equal(stale.reason, 'stale-while-revalidate');
  // Every answer equals a fresh engine's for the same input.
  const ref = new Engine(module, { routes: [{ pattern: '/*', ttl: 10, staleWhileRevalidate: 5 }] });
  for (let now = t - 1500; now < t + 20_000; now += 333) {
    const { ...a } = eng.cachedLookup(rd, rec(), meta, now);
    assert.deepEqual(a, ref.lookup(rec(), rd.route, meta, now), String(now - t));
  }
});
