// The shared decision corpus (tests/fixtures/decisions.json) against the
// built wasm modules through the C ABI - the same corpus the native
// GoogleTest suite reads (tests/unit/fixtures_test.cc).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Engine, requestRecord } from '../../worker/engine.js';
import { ConditionalAction, InvalidationAction, LookupAction, MissAction, RequestAction, StoreAction, VaryAction } from '../../worker/abi.js';
import { ROOT, wasmPath } from './helpers.js';

const corpus = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/decisions.json'), 'utf8'));
const names = {
  request: { [RequestAction.LOOKUP]: 'lookup', [RequestAction.BYPASS]: 'bypass', [RequestAction.PASS]: 'pass' },
  lookup: { [LookupAction.HIT]: 'hit', [LookupAction.STALE]: 'stale', [LookupAction.REVALIDATE]: 'revalidate' },
  store: { [StoreAction.STORE]: 'store', [StoreAction.NO_STORE]: 'no-store' },
};

function expectFields(expect, actual, label) {
  for (const [k, v] of Object.entries(expect)) assert.deepEqual(actual[k], v, `${label}: ${k}`);
}

// Request records take lower-case names, as a Headers object yields them.
const flatten = (pairs = []) => pairs.flatMap(([n, v]) => [n.toLowerCase(), v]);

const varyNames = { [VaryAction.NONE]: 'none', [VaryAction.SELECT]: 'select', [VaryAction.STAR]: 'star' };

// The optional "invalidate", "vary" and "conditional" parts of a case
// (RFC 9111 4.4, 4.1, 4.3.2); the same checks as tests/unit/fixtures_test.cc.
function checkSemantics(eng, c, record) {
  const { headers = [] } = c.request;
  if (c.invalidate) {
    const d = eng.invalidate(record, c.invalidate.status, c.invalidate.headers ?? []);
    const e = c.invalidate.expect;
    const urls = e.urls?.map((u) => eng.request(requestRecord(['GET', u, ...flatten(headers)])).keyUrl);
    const { urls: _urls, ...rest } = e;
    expectFields(rest, {
      action: d.action === InvalidationAction.INVALIDATE ? 'invalidate' : 'none',
      reason: d.reason,
    }, 'invalidate');
    if (urls) assert.deepEqual(d.keyUrls, urls, 'invalidate: key URLs');
  }
  if (c.vary) {
    const v = eng.vary(record, c.vary.field);
    const e = c.vary.expect;
    expectFields(e, { action: varyNames[v.action], names: v.names, variantId: v.variantId }, 'vary');
  }
  if (c.miss) {
    // The miss decision comes with the request decision (ABI 3).
    const rd = eng.request(record);
    expectFields(c.miss.expect, {
      action: rd.missAction === MissAction.FETCH ? 'fetch' : 'gateway-timeout',
      reason: rd.missReason,
    }, 'miss');
  }
  if (c.conditional) {
    const st = c.conditional.stored;
    const stored = new Headers();
    if (st.etag !== undefined) stored.set('etag', st.etag);
    if (st.lastModified !== undefined) stored.set('last-modified', st.lastModified);
    if (st.date !== undefined) stored.set('date', st.date);
    const d = eng.conditional(record, stored, '');
    expectFields(c.conditional.expect, {
      action: d.action === ConditionalAction.NOT_MODIFIED ? 'not-modified' : 'full',
      reason: d.reason,
    }, 'conditional');
  }
}

for (const build of ['wasi', 'emscripten']) {
  describe(`decision corpus (${build} wasm)`, () => {
    const module = new WebAssembly.Module(readFileSync(wasmPath(build)));
    const engines = Object.fromEntries(
      Object.entries(corpus.manifests).map(([name, m]) => [name, new Engine(module, m)]),
    );
    const t0 = corpus.t0 * 1000;
    for (const c of corpus.cases) {
      test(c.name, () => {
        const eng = engines[c.manifest];
        const { method, url } = c.request;
        const record = requestRecord([method, url, ...flatten(c.request.headers)]);
        const rd = eng.request(record);
        if (c.expectRequest) {
          expectFields(c.expectRequest, {
            action: names.request[rd.action],
            reason: rd.reason,
            key: rd.key,
            route: rd.routeName,
            tags: rd.tags,
          }, 'request');
        }
        checkSemantics(eng, c, record);
        if (!c.response) return;
        assert.equal(rd.action, RequestAction.LOOKUP);
        const r = c.response;
        const sd = eng.store(record, rd.route, r.status, r.headers, t0 + r.requestTime * 1000, t0 + r.responseTime * 1000);
        expectFields(c.expectStore, {
          action: names.store[sd.action],
          reason: sd.reason,
          lifetime: sd.lifetime,
          lifetimeSource: sd.lifetimeSource,
          swr: sd.staleWhileRevalidate,
          sie: sd.staleIfError,
          platformTtl: sd.platformTtl,
          age: sd.age,
          ignored: sd.ignored,
          omit: sd.omit ? sd.omit.split(',') : [],
        }, 'store');
        for (const l of c.lookups ?? []) {
          const rec = l.headers ? requestRecord([method, url, ...flatten(l.headers)]) : record;
          const ld = eng.lookup(rec, rd.route, sd.meta, t0 + l.at * 1000);
          expectFields(l.expect, {
            action: names.lookup[ld.action],
            reason: ld.reason,
            age: ld.age,
            ttl: ld.ttl,
            usableIfError: ld.usableIfError,
          }, `lookup at ${l.at}`);
        }
      });
    }
  });
}
