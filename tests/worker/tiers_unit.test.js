// The memory tier's LRU and caps, and TieredCache's order of tiers, with
// an in-memory stand-in for the platform cache (the real worker's tier
// behaviour is tested in tiers.test.js).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTier, TieredCache, TIER_HEADER } from '../../worker/tiers.js';
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
      const e = store.get(req.url);
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
  const url = 'https://cache.freshet.internal/v1/main/x';
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
