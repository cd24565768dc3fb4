// Engine results are read whole before a reason code is named: naming a
// code the first time calls into the engine (fr_reason), which reuses the
// result record. A decision read by an engine that has never seen its
// reason must equal the same decision read by one that has.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, requestRecord } from '../../worker/engine.js';
import { WASM_BUILD, wasmPath } from './helpers.js';
import { corpus, manifest, T1, T2 } from '../../bench/lib/corpus.mjs';

const module = new WebAssembly.Module(readFileSync(wasmPath(WASM_BUILD)));
const list = (c) => [c.method, c.url, ...c.request.flat()];

test(`store and lookup decisions read the same whether their reason is new or known (${WASM_BUILD})`, () => {
  const warm = new Engine(module, manifest(10));
  const decide = (eng, c, meta) => {
    const record = requestRecord(list(c));
    const rd = eng.request(record);
    const sd = eng.store(record, rd.route, c.status, c.response, T1 - 40, T1);
    const ld = eng.lookup(record, rd.route, meta ?? sd.meta, T2);
    return { sd, ld };
  };
  const cases = corpus().filter((c) => c.method === 'GET');
  // Every reason code of the corpus named once.
  const metas = cases.map((c) => decide(warm, c, '1;t=1700000000040;a=0;l=60;w=0;e=0;f=0;r=0').sd.meta || '1;t=1700000000040;a=0;l=60;w=0;e=0;f=0;r=0');
  let checked = 0;
  cases.forEach((c, i) => {
    const fresh = new Engine(module, manifest(10)); // no reason named yet
    const first = decide(fresh, c, metas[i]);
    const known = decide(warm, c, metas[i]);
    assert.deepEqual(first, known, c.url);
    if (first.sd.lifetime > 0 || first.ld.age > 0) checked++;
  });
  assert.ok(checked > 0, 'some decisions carry numbers that a reused record would spoil');
});

test(`a store decision reads response fields named in any case from [name, value] pairs (${WASM_BUILD})`, () => {
  const eng = new Engine(module, manifest(10));
  const lower = (pairs) => pairs.map(([n, v]) => [n.toLowerCase(), v]);
  const upper = (pairs) => pairs.map(([n, v]) => [n.toUpperCase(), v]);
  const title = (pairs) => pairs.map(([n, v]) => [n.replace(/(^|-)[a-z]/g, (m) => m.toUpperCase()), v]);
  let stored = 0;
  for (const c of corpus()) {
    const decide = (pairs) => {
      const record = requestRecord(list(c));
      const rd = eng.request(record);
      return eng.store(record, rd.route, c.status, pairs, T1 - 40, T1);
    };
    const want = decide(lower(c.response));
    assert.deepEqual(decide(upper(c.response)), want, `${c.url} upper case`);
    assert.deepEqual(decide(title(c.response)), want, `${c.url} title case`);
    if (want.lifetime > 0) stored++;
  }
  assert.ok(stored > 0, 'the corpus has answers whose fields set a lifetime');
});
