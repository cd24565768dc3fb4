// The memory tier's LRU and caps, and TieredCache's order of tiers, with
// an in-memory stand-in for the platform cache (the real worker's tier
// behaviour is tested in tiers.test.js).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTier, TieredCache, TIER_HEADER, decodeGlobalObject, encodeGlobalObject, intactBytes } from '../../worker/tiers.js';
import { LENGTH_HEADER, checkedBody, declaredLength, intactEntry } from '../../worker/integrity.js';
import { Tier } from '../../worker/abi.js';

const entry = (n, bytes = 10) => ({ status: 200, statusText: 'OK', headers: [['x-n', String(n)]], body: new Uint8Array(bytes) });

describe('MemoryTier', () => {
  test('evicts the least recently used entry past maxEntries', () => {
    const m = new MemoryTier({ maxEntries: 2, maxBytes: 1e6, maxEntryBytes: 1e6 });
    m.set('a', entry(1));
    m.set('b', entry(2));
    m.get('a'); // a is now the most recently used
    m.set('c', entry(3));
    assert.ok(m.get('a'));
    assert.equal(m.get('b'), undefined);
    assert.ok(m.get('c'));
    assert.equal(m.stats().evictions, 1);
  });

  test('stays under maxBytes and refuses bodies over maxEntryBytes', () => {
    const m = new MemoryTier({ maxEntries: 100, maxBytes: 1000, maxEntryBytes: 400 });
    for (let i = 0; i < 10; i++) m.set(`k${i}`, entry(i, 300));
    assert.ok(m.stats().bytes <= 1000, JSON.stringify(m.stats()));
    assert.equal(m.stats().entries, 2);
    assert.equal(m.set('big', entry(0, 500)), false);
    assert.equal(m.get('big'), undefined);
  });

  test('replacing an entry frees its bytes', () => {
    const m = new MemoryTier({ maxEntries: 10, maxBytes: 1e6, maxEntryBytes: 1e6 });
    m.set('a', entry(1, 100));
    const before = m.stats().bytes;
    m.set('a', entry(2, 100));
    assert.equal(m.stats().bytes, before);
    m.delete('a');
    assert.equal(m.stats().bytes, 0);
  });
});

function fakeCache() {
  const store = new Map();
  return {
    store,
    async match(req) {
      const e = store.get(typeof req === 'string' ? req : req.url);
      return e ? new Response(e.body, { status: e.status, headers: e.headers }) : undefined;
    },
    async put(req, res) {
      store.set(req.url, { status: res.status, headers: [...res.headers], body: new Uint8Array(await res.arrayBuffer()) });
    },
    async delete(req) {
      return store.delete(req.url);
    },
  };
}

describe('TieredCache', () => {
  const url = 'https://example.com/__freshet/v2/main/x';
  test('memory in front of the cache: a put fills both, a match prefers memory', async () => {
    const cache = fakeCache();
    const memory = new MemoryTier();
    const pending = [];
    const t = new TieredCache({ cache, memory, tiers: Tier.MEMORY | Tier.CACHE, waitUntil: (p) => pending.push(p) });
    await t.put(new Request(url), new Response('hello', { headers: { 'x-a': '1' } }));
    assert.ok(cache.store.has(url));
    const r = await t.match(new Request(url));
    assert.equal(r.headers.get(TIER_HEADER), 'memory');
    assert.equal(await r.text(), 'hello');
    memory.delete(url);
    const c = await t.match(new Request(url));
    assert.equal(c.headers.get(TIER_HEADER), null, 'from the Cache API');
    await c.text();
    await Promise.all(pending);
    assert.ok(memory.get(url), 'a Cache API hit fills the memory tier');
  });

  test('cache-only routes never touch memory; delete clears every tier', async () => {
    const cache = fakeCache();
    const memory = new MemoryTier();
    const t = new TieredCache({ cache, memory, tiers: Tier.CACHE, waitUntil: () => {} });
    await t.put(new Request(url), new Response('x'));
    assert.equal(memory.stats().entries, 0);
    const both = new TieredCache({ cache, memory, tiers: Tier.MEMORY | Tier.CACHE, waitUntil: () => {} });
    await both.put(new Request(url), new Response('y'));
    await both.delete(new Request(url));
    assert.equal(memory.get(url), undefined);
    assert.equal(cache.store.has(url), false);
  });

  test('a failing body stores nothing in any tier', async () => {
    const cache = fakeCache();
    const memory = new MemoryTier();
    const t = new TieredCache({ cache, memory, tiers: Tier.MEMORY | Tier.CACHE, waitUntil: () => {} });
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('part'));
        c.error(new Error('origin hung up'));
      },
    });
    await assert.rejects(t.put(new Request(url), new Response(body)));
    assert.equal(memory.get(url), undefined);
    assert.equal(cache.store.has(url), false);
  });
});

describe('integrity of stored copies (docs/security.md "Integrity")', () => {
  test('an entry of bytes is intact only at its recorded length', () => {
    assert.equal(intactBytes({ headers: [[LENGTH_HEADER, '10']], body: new Uint8Array(10) }), true);
    assert.equal(intactBytes({ headers: [[LENGTH_HEADER, '10']], body: new Uint8Array(4) }), false);
    assert.equal(intactBytes({ headers: [], body: new Uint8Array(4) }), true, 'no record: nothing to compare');
  });

  test('a platform copy whose Content-Length is not the recorded length is dropped before use', () => {
    const copy = (cl) => new Response('x'.repeat(Number(cl)), { headers: { [LENGTH_HEADER]: '1000', 'content-length': cl } });
    assert.equal(intactEntry(copy('300')), null);
    const whole = copy('1000');
    assert.equal(intactEntry(whole), whole);
  });

  test('a platform copy with no body is intact only when its record says 0 bytes', () => {
    assert.equal(intactEntry(new Response(null, { headers: { [LENGTH_HEADER]: '1000' } })), null);
    const empty = new Response(null, { headers: { [LENGTH_HEADER]: '0' } });
    assert.equal(intactEntry(empty), empty);
    const unrecorded = new Response(null);
    assert.equal(intactEntry(unrecorded), unrecorded);
  });

  test('a platform copy without Content-Length is checked while read', async () => {
    let damaged = 0;
    const stream = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(300)); c.close(); } });
    const r = intactEntry(new Response(stream, { headers: { [LENGTH_HEADER]: '1000' } }), () => damaged++);
    await assert.rejects(r.arrayBuffer(), /ended early after 300 bytes/);
    assert.equal(damaged, 1);
  });

  test('declared lengths: plain decimals, and none under a content coding', () => {
    assert.equal(declaredLength(new Headers({ 'content-length': '12' })), 12);
    assert.equal(declaredLength(new Headers({ 'content-length': '12', 'content-encoding': 'gzip' })), null);
    assert.equal(declaredLength(new Headers({ 'content-length': '12', 'content-encoding': 'identity' })), 12);
    assert.equal(declaredLength(new Headers({ 'content-length': '1e3' })), null);
    assert.equal(declaredLength(new Headers()), null);
  });

  test('checked bodies fail on too many bytes and on a failing source', async () => {
    const of = (chunks, fail) => new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(new Uint8Array(x)); if (fail) c.error(new Error('reset')); else c.close(); } });
    assert.equal((await new Response(checkedBody(of([4, 6]), 10)).arrayBuffer()).byteLength, 10);
    await assert.rejects(new Response(checkedBody(of([4, 7]), 10)).arrayBuffer(), /sent 11/);
    await assert.rejects(new Response(checkedBody(of([4], true), null)).arrayBuffer(), /failed: reset/);
  });

  test('global objects: headers travel with the value, a cut-short object is refused', () => {
    const headers = [['content-security-policy', 'x'.repeat(3000)], ['x-freshet-tags', 't'.repeat(1200)]];
    const obj = encodeGlobalObject({ status: 200, statusText: 'OK', headers, body: new Uint8Array([1, 2, 3]) });
    const back = decodeGlobalObject(obj);
    assert.deepEqual(back.headers, headers);
    assert.deepEqual([...back.body], [1, 2, 3]);
    assert.equal(decodeGlobalObject(obj.subarray(0, obj.byteLength - 1)), null);
    assert.equal(decodeGlobalObject(obj.subarray(0, 10)), null);
    assert.equal(decodeGlobalObject(new Uint8Array([0, 0, 0, 2, 123, 125])), null, 'no status');
  });
});
