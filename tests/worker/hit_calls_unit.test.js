// A plain hit's runtime calls: every read of a Request's, Response's or
// Headers' property and every method call crosses into the runtime in
// workerd (docs/performance.md "Client headers off: what a hit saves"), so
// a hit makes only those the answer needs: the request's URL, method, body
// and headers once each, the fields the manifest reads, and the matched
// copy's headers once. Counted here in Node by wrapping the prototypes;
// the handler runs over an in-memory Cache API (bench/lib/memory_cache.mjs),
// answering browser requests as the hit benches do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHandler } from '../../worker/handler.js';
import { BROWSER_FIELDS, LEAN_MANIFEST, MANIFEST, URL_HIT, memoryCache, origin } from '../../bench/lib/memory_cache.mjs';
import { wasmPath } from './helpers.js';

const wasm = new WebAssembly.Module(readFileSync(wasmPath()));

// Counts every getter read and method call on the prototypes of `classes`
// while `body` runs; the prototypes are restored afterwards.
async function countCalls(classes, body) {
  const counts = new Map();
  const restore = [];
  for (const cls of classes) {
    const proto = cls.prototype;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      const name = `${cls.name}.${key}`;
      const bump = () => counts.set(name, (counts.get(name) ?? 0) + 1);
      if (d.get) {
        Object.defineProperty(proto, key, { ...d, get() { bump(); return d.get.call(this); } });
      } else if (typeof d.value === 'function') {
        Object.defineProperty(proto, key, { ...d, value: function (...args) { bump(); return d.value.apply(this, args); } });
      } else continue;
      restore.push(() => Object.defineProperty(proto, key, d));
    }
  }
  try {
    await body();
  } finally {
    for (const r of restore) r();
  }
  return counts;
}

// The clock stands still for the whole run: a hit that crosses a second
// (its Age) or takes another millisecond (its Server-Timing member) makes
// that decision's fields once, which a loaded machine would count as an
// extra call per hit.
async function hitCalls(manifest) {
  const realNow = Date.now;
  const frozen = realNow();
  Date.now = () => frozen;
  try {
    return await countedHits(manifest);
  } finally {
    Date.now = realNow;
  }
}

async function countedHits(manifest) {
  const cache = memoryCache();
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p) };
  const handler = createHandler({ wasm, manifest, origin, cache: () => cache, log: () => {} });
  const get = async () => {
    const res = await handler.fetch(new Request(URL_HIT, { headers: BROWSER_FIELDS }), {}, ctx);
    const body = await res.text();
    while (pending.length) await pending.shift();
    return { res, body };
  };
  await get(); // the miss that stores
  for (let i = 0; i < 3; i++) await get(); // hits that make the copy's plan and fields
  const N = 10;
  // The requests are made outside the count; the answers are read inside
  // (one text() each, N in all).
  const requests = Array.from({ length: N }, () => new Request(URL_HIT, { headers: BROWSER_FIELDS }));
  const answers = [];
  const counts = await countCalls([Request, Response, Headers], async () => {
    for (const r of requests) {
      const res = await handler.fetch(r, {}, ctx);
      answers.push(res);
      await res.text();
    }
  });
  return { perHit: Object.fromEntries([...counts].map(([k, v]) => [k, v / N])), answers };
}

for (const [name, manifest] of [['default', MANIFEST], ['clientHeaders off', LEAN_MANIFEST]]) {
  test(`a plain hit makes only the runtime calls its answer needs (${name})`, async () => {
    const { perHit, answers } = await hitCalls(manifest);
    assert.ok(answers.every((r) => /^freshet; hit/.test(r.headers.get('cache-status'))), 'every answer a hit');
    // The request: its URL, method, body and headers read once each.
    for (const k of ['Request.url', 'Request.method', 'Request.body', 'Request.headers']) assert.equal(perHit[k], 1, k);
    // The fields the manifest reads (requestFields less the two framing
    // fields of a bodyless request), plus the copy's metadata and length.
    assert.ok(perHit['Headers.get'] <= 7, `Headers.get ${perHit['Headers.get']}`);
    // freshet-control, then the preconditions and Range a plain hit checks.
    assert.ok(perHit['Headers.has'] <= 4, `Headers.has ${perHit['Headers.has']}`);
    // The matched copy's headers once, and no Headers built per hit (the
    // answer's fields are a kept template, copied by the runtime).
    assert.equal(perHit['Response.headers'], 1, 'Response.headers');
    assert.equal(perHit['Headers.append'] ?? 0, 0, 'Headers.append');
    assert.equal(perHit['Headers.set'] ?? 0, 0, 'Headers.set');
    // Nothing iterates a Headers object on a plain hit.
    assert.equal(perHit['Headers.entries'] ?? 0, 0, 'Headers.entries');
    assert.equal(perHit['Headers.forEach'] ?? 0, 0, 'Headers.forEach');
  });
}
