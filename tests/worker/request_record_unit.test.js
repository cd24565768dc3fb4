// engine.js requestRecordOf: a record that reads the fields its engine
// needs from the request's Headers one by one gives the engine the same
// text, and so the same decisions, as the whole list; the whole list is
// read only when a decision needs every field (Vary).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, headerList, requestRecord, requestRecordOf } from '../../worker/engine.js';
import { hasAnswerField } from '../../worker/serve.js';
import { WASM_BUILD, wasmPath } from './helpers.js';
import { corpus, manifest } from '../../bench/lib/corpus.mjs';

const module = new WebAssembly.Module(readFileSync(wasmPath(WASM_BUILD)));
const plain = (rd) => Object.fromEntries(Object.keys(rd).filter((k) => k !== 'engine' && k !== 'lookups').map((k) => [k, rd[k]]));

// A Headers object that counts how it is read.
function counted(init) {
  const h = new Headers(init);
  const n = { get: 0, has: 0, iterated: 0 };
  return {
    n,
    headers: {
      get: (name) => (n.get++, h.get(name)),
      has: (name) => (n.has++, h.has(name)),
      [Symbol.iterator]: () => (n.iterated++, h[Symbol.iterator]()),
    },
  };
}

test(`decisions from a lazily read record equal those from the whole list (${WASM_BUILD})`, () => {
  const lazy = new Engine(module, manifest(10));
  const whole = new Engine(module, manifest(10));
  for (const c of corpus()) {
    const headers = new Headers(c.request);
    const a = lazy.request(requestRecordOf(c.method, c.url, headers));
    const b = whole.request(requestRecord([c.method, c.url, ...headerList(headers)]));
    assert.deepEqual(plain(a), plain(b), c.url);
  }
});

test('only the fields the manifest reads are read, each once; the whole list waits for a need', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const names = eng.manifestInfo().requestFields;
  const { headers, n } = counted([['user-agent', 'x'], ['accept', 'text/html'], ['cache-control', 'max-age=0'], ['range', 'bytes=0-1']]);
  const record = requestRecordOf('GET', 'https://example.com/a', headers);
  eng.cachedRequest(record);
  assert.equal(n.get, names.length, 'one get() per field the manifest reads');
  assert.equal(n.iterated, 0, 'the list is not read whole');
  // A field read already is answered from the record; another asks once.
  assert.equal(record.has('cache-control'), true);
  assert.equal(record.has('if-none-match'), false);
  assert.equal(n.has, 0, 'both were read with get()');
  assert.equal(hasAnswerField(record), true, 'Range');
  // The whole list: headers in their order, then the pseudo-fields.
  assert.deepEqual(record.list.slice(0, 4), ['GET', 'https://example.com/a', 'accept', 'text/html']);
  assert.equal(n.iterated, 1);
  record.list;
  assert.equal(n.iterated, 1, 'read whole once');
});

test('a record read lazily and one from the list share one kept decision', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const a = eng.cachedRequest(requestRecordOf('GET', 'https://example.com/a', new Headers({ pragma: 'x', 'user-agent': 'y' }), [':key-part', 'v=1']));
  const b = eng.cachedRequest(requestRecord(['GET', 'https://example.com/a', 'pragma', 'x', 'user-agent', 'y', ':key-part', 'v=1']));
  assert.equal(a, b, 'the same text, one decision');
  const c = eng.cachedRequest(requestRecordOf('GET', 'https://example.com/a', new Headers({ pragma: 'x' }), [':key-part', 'v=2']));
  assert.notEqual(c, a, 'pseudo-fields count');
});

test('a Vary decision reads the whole request', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const { headers, n } = counted([['accept-language', 'de'], ['user-agent', 'x']]);
  const record = requestRecordOf('GET', 'https://example.com/a', headers);
  eng.cachedRequest(record);
  const de = eng.vary(record, 'accept-language');
  assert.equal(n.iterated, 1);
  const en = eng.vary(requestRecordOf('GET', 'https://example.com/a', new Headers({ 'accept-language': 'en' })), 'accept-language');
  assert.notEqual(de.variantId, en.variantId);
});
