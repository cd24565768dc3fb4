// engine.js requestRecordOf: a record that reads the fields its engine
// needs from the request's Headers one by one gives the engine the same
// text, and so the same decisions, as the whole list; the whole list is
// never read for a decision: a Vary decision reads the fields it names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, FieldSet, encodeRecord, headerList, requestRecord, requestRecordOf, varyFieldNames } from '../../worker/engine.js';
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
  assert.equal(record.has('if-none-match'), false);
  assert.equal(n.has, 0, 'read with get()');
  // Cache-Control is not read where no route honours request directives.
  assert.equal(names.includes('cache-control'), false);
  assert.equal(record.has('cache-control'), true);
  assert.equal(n.has, 1, 'asked once');
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

test('a Vary decision reads the fields the Vary names, never the whole request', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const { headers, n } = counted([['accept-language', 'de'], ['user-agent', 'x']]);
  const record = requestRecordOf('GET', 'https://example.com/a', headers);
  eng.cachedRequest(record);
  const gets = n.get;
  const de = eng.vary(record, 'Accept-Language, "x,y", accept-language');
  assert.equal(n.iterated, 0, 'no iteration');
  assert.equal(n.get, gets + 1, 'one get(): the field named (once, lower case; no quoted name)');
  const en = eng.vary(requestRecordOf('GET', 'https://example.com/a', new Headers({ 'accept-language': 'en' })), 'accept-language');
  assert.notEqual(de.variantId, en.variantId);
  eng.vary(record, 'accept-language');
  assert.equal(n.get, gets + 1, 'the record keeps what it read for the names');
});

test('varyFieldNames: the field names of a Vary beyond the known ones', () => {
  const known = new Set(['cache-control']);
  assert.deepEqual(varyFieldNames('Accept-Encoding, cache-control,, X-Foo ,accept-encoding', known), ['accept-encoding', 'x-foo']);
  assert.deepEqual(varyFieldNames('*', known), []);
  assert.deepEqual(varyFieldNames('"a,b", c d, ü', known), [], 'no field names');
});

// Variant ids from the fields sent for a Vary equal those from the whole
// request, over the bench corpus and a few Vary values (repeated lines,
// absent fields, names in capitals).
test(`variant ids from the named fields equal those from the whole list (${WASM_BUILD})`, () => {
  const named = new Engine(module, manifest(10));
  const varies = ['accept-encoding', 'Accept-Language, User-Agent', 'cookie, x-absent', 'accept, accept-encoding, sec-ch-ua-mobile', '*', ''];
  const lists = corpus().map((c) => [c.method, c.url, ...c.request.flat(), 'accept-language', 'fr']);
  // An engine whose manifest reads every field of the corpus sends the
  // whole list for every call: the variant ids the engine gave before.
  const names = [...new Set(lists.flatMap((l) => l.filter((_, i) => i >= 2 && i % 2 === 0)))].filter((n) => n !== 'cookie');
  const whole = new Engine(module, { routes: [{ pattern: '/*', ttl: 60, key: { headers: names, cookies: ['theme'] } }] });
  for (const list of lists) {
    for (const vary of varies) {
      const a = named.vary(requestRecordOf(list[0], list[1], new Headers(list.slice(2).reduce((o, v, i, l) => (i % 2 === 0 && o.push([v, l[i + 1]]), o), []))), vary);
      const b = named.vary(requestRecord(list), vary);
      const c = whole.vary(requestRecord(list), vary);
      assert.deepEqual(b, c, `${list[1]} ${vary}`);
      assert.deepEqual(a, c, `${list[1]} ${vary} (Headers)`);
    }
  }
});

test('a request without a body is not asked for its framing fields, and is decided the same', () => {
  const eng = new Engine(module, { routes: [{ pattern: '/*', ttl: 60 }] });
  const names = eng.manifestInfo().requestFields;
  assert.ok(names.includes('content-length') && names.includes('transfer-encoding'));
  const init = [['accept', 'text/html'], ['content-length', '0']];
  const { headers, n } = counted(init);
  const record = requestRecordOf('GET', 'https://example.com/a', headers, undefined, true);
  const rd = eng.request(record);
  assert.equal(n.get, names.length - 2, 'Transfer-Encoding and Content-Length are not read');
  assert.equal(record.has('content-length'), false, 'taken as absent');
  const full = eng.request(requestRecord(['GET', 'https://example.com/a', ...init.flat()]));
  assert.deepEqual(plain(rd), plain(full));
  // With a body (a "fat GET"), they are read and decide.
  const fat = counted([['content-length', '5']]);
  const withBody = eng.request(requestRecordOf('GET', 'https://example.com/a', fat.headers, undefined, false));
  assert.equal(fat.n.get, names.length);
  assert.notEqual(withBody.action, rd.action, 'a GET with a body is not looked up');
});

test('FieldSet: holds exactly its names; its first test never rules one of them out', () => {
  const names = ['authorization', 'cache-control', 'content-length', 'if-none-match', 'pragma', 'a', 'x'.repeat(40), '0-digit'];
  const set = new FieldSet(names);
  assert.equal(set.size, names.length);
  assert.deepEqual([...set], names);
  for (const name of names) {
    assert.equal(set.has(name), true, name);
    assert.equal(set.mayHold(name), true, name);
    assert.equal(set.mayHold(name.toUpperCase()), true, `${name} in upper case`);
    assert.equal(set.has(name.toUpperCase()), name === name.toUpperCase(), 'has() is exact');
  }
  // Same slot (length, first character), not in the set: the Set decides.
  for (const other of ['authorizatioN', 'cache-controls'.slice(0, 13).replace('l', 'x'), 'pragmb', 'b', '', 'x'.repeat(8)]) {
    assert.equal(set.has(other), false, other);
  }
  // A browser's fields, none of them read: each ruled out.
  for (const other of ['accept', 'cookie', 'host', 'referer', 'user-agent', 'sec-fetch-mode']) assert.equal(set.has(other), false, other);
});

test('encodeRecord: the same text with a FieldSet as with a Set of the same names', () => {
  const eng = new Engine(module, manifest(10));
  const names = eng.manifestInfo().requestFields;
  for (const c of corpus()) {
    const list = [c.method, c.url, ...c.request.flat(), 'cache-control', 'no-cache', 'pragma', 'no-cache', ':key-part', 'x'];
    assert.equal(encodeRecord(list, new FieldSet(names)), encodeRecord(list, new Set(names)));
  }
});
