// stored_plan.js: a hit of a copy with a copy id is answered from the
// copy's plan (its origin fields as one template, its internal fields read
// once); the answer must be the one the field-by-field path gives, for
// every layout a copy can have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headersForStorage, keepSetCookies, storableEntry } from '../../worker/response_headers.js';
import { META_HEADER, copyIdOf, newCopyId, storedMetaValue } from '../../worker/entry_meta.js';
import { StoredEntry } from '../../worker/stored_entry.js';
import { hitTemplate, keptHitTemplate, planCount, planOf } from '../../worker/stored_plan.js';
import { serveStored } from '../../worker/serve.js';
import { TIER_HEADER, markTier, tierMarkOf } from '../../worker/tier_entry.js';
import { recordLength } from '../../worker/integrity.js';
import { ORIGIN_FIELDS, earlierLayout } from './stored_copies.js';

const sorted = (headers) => [...headers].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));

// A copy as the handler puts it and a platform cache gives it back.
// `earlier`: in the layout freshet stored before (stored_copies.js earlierLayout).
function matched(status, origin, platform = {}, tier = null, earlier = false) {
  const stored = keepSetCookies(headersForStorage(new Headers(origin), '1;t=1;a=0;l=60', 3600, 'tag-a'), new Headers(origin));
  const entry = storableEntry(status, 'S', stored, 'body');
  const headers = new Headers(entry.headers);
  recordLength(headers, 4);
  if (earlier) earlierLayout(headers);
  headers.set('content-length', '4');
  for (const [k, v] of Object.entries(platform)) headers.set(k, v);
  if (tier) headers.set(TIER_HEADER, tier);
  return () => {
    const r = new Response('body', { status: entry.status, statusText: entry.statusText, headers });
    return tier ? markTier(r, tier) : r;
  };
}

const c = (o = {}) => ({ rd: { route: -1, browserTtl: o.browserTtl, debug: false, key: 'k' }, eng: null, plain: true, started: null });
const ld = { age: 7, ttl: 53, reason: 'fresh' };

async function both(make, ctx) {
  const a = make();
  const viaFields = serveStored({}, ctx, new StoredEntry(a), ld, 'HIT');
  const b = make();
  const meta = b.headers.get(META_HEADER);
  const viaPlan = serveStored({}, ctx, new StoredEntry(b, b.body, null, null, planOf(b, meta, tierMarkOf(b))), ld, 'HIT');
  assert.equal(viaPlan.status, viaFields.status);
  assert.equal(await viaPlan.text(), await viaFields.text());
  return [sorted(viaPlan.headers), sorted(viaFields.headers)];
}

// An upstream cache's Cache-Status: freshet's replaces it.
const origin = [...ORIGIN_FIELDS, ['cache-status', 'upstream; hit']];
const platform = { date: 'Wed, 02 Dec 2026 00:00:00 GMT', 'cf-cache-status': 'HIT', warning: '113 - "heuristic"', age: '3' };

test('the plan answers as the fields do: kept fields, platform fields, statuses, tiers, route rules', async () => {
  const layouts = {
    'kept Date, Warning, Set-Cookie': matched(200, origin, platform),
    'another status': matched(203, origin, platform),
    'no Date from the origin: the platform\'s': matched(200, [['content-type', 'text/plain']], platform),
    'no Date at all': matched(200, [['content-type', 'text/plain']]),
    'the earlier layout': matched(200, origin, platform, null, true),
    'memory tier': matched(200, origin, {}, 'memory'),
    'in flight': matched(200, origin, platform, 'in-flight'),
  };
  for (const [name, make] of Object.entries(layouts)) {
    for (const o of [{}, { browserTtl: 30 }, { browserTtl: 0 }]) {
      const [plan, fields] = await both(make, c(o));
      assert.deepEqual(plan, fields, `${name} ${JSON.stringify(o)}`);
    }
  }
});

test('a plan is made once per copy and tier; a new copy of the same entry gets its own', async () => {
  const make = matched(200, origin, platform);
  const before = planCount();
  const a = make();
  const meta = a.headers.get(META_HEADER);
  assert.ok(copyIdOf(meta), 'the copy names itself');
  const p1 = planOf(a, meta, null);
  assert.equal(planOf(make(), meta, null), p1, 'the same copy, the same plan');
  assert.equal(planOf(make(), meta, 'memory'), null, 'marked as a tier its field does not name: no plan');
  const other = matched(200, origin, platform)();
  assert.notEqual(planOf(other, other.headers.get(META_HEADER), null), p1, 'another copy of the same origin answer');
  // The same copy in the memory tier (its field and its mark) has a plan of its own.
  const inMemory = make();
  const h = new Headers(inMemory.headers);
  h.set(TIER_HEADER, 'memory');
  const memoryCopy = markTier(new Response('body', { headers: h }), 'memory');
  const pm = planOf(memoryCopy, meta, tierMarkOf(memoryCopy));
  assert.ok(pm && pm !== p1 && pm.tier === 'memory');
  // A tier's copy that lost its mark is never the platform's plan.
  const unmarked = new Response('body', { headers: h });
  const pu = planOf(unmarked, meta, tierMarkOf(unmarked));
  assert.ok(pu === p1 || pu === null, 'the platform copy\'s plan (its checks) or none');
  assert.equal(planCount(), before + 3);
  // A copy's Date from the platform is read per hit, never kept in the plan.
  const live = matched(200, [['content-type', 'text/plain']], { date: 'Thu, 03 Dec 2026 00:00:00 GMT' });
  const first = serveStored({}, c(), ...entryOf(live()), ld, 'HIT');
  const later = live();
  later.headers.set('date', 'Thu, 03 Dec 2026 00:00:09 GMT');
  const second = serveStored({}, c(), ...entryOf(later), ld, 'HIT');
  assert.equal(first.headers.get('date'), 'Thu, 03 Dec 2026 00:00:00 GMT');
  assert.equal(second.headers.get('date'), 'Thu, 03 Dec 2026 00:00:09 GMT');
});

test('a plain hit reuses its fields for one lookup decision, and makes them anew for the next', () => {
  const make = matched(200, origin, platform);
  const ld1 = { age: 7, ttl: 53, reason: 'fresh' };
  const ld2 = { age: 8, ttl: 52, reason: 'fresh' };
  const a = serveStored({}, c(), ...entryOf(make()), ld1, 'HIT');
  const b = serveStored({}, c(), ...entryOf(make()), ld1, 'HIT');
  const d = serveStored({}, c(), ...entryOf(make()), ld2, 'HIT');
  assert.deepEqual(sorted(b.headers), sorted(a.headers));
  assert.equal(a.headers.get('age'), '7');
  assert.equal(d.headers.get('age'), '8');
  assert.equal(d.headers.get('cache-status'), 'freshet; hit; ttl=52');
  const stale = serveStored({}, c(), ...entryOf(make()), ld2, 'STALE', { detail: 'stale-while-revalidate' });
  assert.equal(stale.headers.get('x-cache'), 'STALE');
  assert.match(stale.headers.get('cache-status'), /detail="stale-while-revalidate"/);
  const again = serveStored({}, c({ browserTtl: 30 }), ...entryOf(make()), ld2, 'HIT');
  assert.equal(again.headers.get('cache-control'), 'public, max-age=30', 'the route\'s rules are part of the key');
});

test('Server-Timing: once per answer, whether the fields are made or copied', () => {
  const make = matched(200, origin, platform);
  const timed = { ...c(), started: Date.now() - 5 };
  const ld1 = { age: 1, ttl: 59, reason: 'fresh' };
  const first = serveStored({}, timed, ...entryOf(make()), ld1, 'HIT');
  const second = serveStored({}, timed, ...entryOf(make()), ld1, 'HIT');
  for (const r of [first, second]) assert.match(r.headers.get('server-timing'), /^freshet;dur=\d+;desc="HIT"$/);
  const without = (r) => sorted(r.headers).filter(([k]) => k !== 'server-timing');
  assert.deepEqual(without(second), without(first));
  // A copy whose Date is the platform's: made per hit, Server-Timing appended.
  const live = matched(200, [['content-type', 'text/plain']], { date: 'Thu, 03 Dec 2026 00:00:00 GMT' });
  const l = serveStored({}, timed, ...entryOf(live()), ld1, 'HIT');
  assert.match(l.headers.get('server-timing'), /^freshet;dur=\d+;desc="HIT"$/);
  assert.equal(l.headers.get('date'), 'Thu, 03 Dec 2026 00:00:00 GMT');
});

test('Server-Timing: the fields of a hit are kept per whole millisecond below 8 ms, made afresh for a slower hit', () => {
  const found = matched(200, origin, platform)();
  const plan = planOf(found, found.headers.get(META_HEADER), null);
  const decision = { age: 2, ttl: 58, reason: 'fresh' };
  const set = [['x-cache', 'HIT']];
  const first = new Map();
  // Durations spread over 0-7 ms, each seen twice: every second look finds
  // the first one's fields (the same object, no copy made).
  for (const round of [0, 1]) {
    for (let ms = 0; ms < 8; ms++) {
      const h = round === 0 ? hitTemplate(plan, false, undefined, decision, set, ms) : keptHitTemplate(plan, false, undefined, decision, ms);
      assert.equal(h.get('server-timing'), `freshet;dur=${ms};desc="HIT"`);
      if (round === 0) first.set(ms, h);
      else assert.equal(h, first.get(ms), `${ms} ms: kept`);
    }
  }
  // 8 ms and more: right, and not kept.
  for (const ms of [8, 250]) {
    const a = keptHitTemplate(plan, false, undefined, decision, ms);
    const b = keptHitTemplate(plan, false, undefined, decision, ms);
    assert.equal(a.get('server-timing'), `freshet;dur=${ms};desc="HIT"`);
    assert.notEqual(a, b);
  }
  // No member at all: the decision's fields as kept, without Server-Timing.
  assert.equal(keptHitTemplate(plan, false, undefined, decision, null).get('server-timing'), null);
  // Another decision makes its fields anew.
  assert.equal(keptHitTemplate(plan, false, undefined, { ...decision }, 0), null);
});

function entryOf(found) {
  const meta = found.headers.get(META_HEADER);
  return [new StoredEntry(found, found.body, null, null, planOf(found, meta, tierMarkOf(found)))];
}

test('copy ids: new for every copy, read only in their place', () => {
  const ids = new Set(Array.from({ length: 100 }, newCopyId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
  const meta = '1;t=1;a=0;l=60';
  assert.equal(copyIdOf(storedMetaValue(meta, 'max-age=60', 'a1b2c3d4e5f6')), 'a1b2c3d4e5f6');
  assert.equal(copyIdOf(storedMetaValue(meta, null, 'a1b2c3d4e5f6')), 'a1b2c3d4e5f6');
  assert.equal(copyIdOf(storedMetaValue(meta, 'max-age=60')), null, 'a copy stored before ids');
  assert.equal(copyIdOf(meta), null);
  assert.equal(copyIdOf(null), null);
  assert.equal(copyIdOf(`${meta} id=a1b2c3d4e5f`), null, 'too short');
  assert.equal(copyIdOf(`${meta} id=a1b2c3d4e5f6a`), null, 'too long');
  assert.equal(copyIdOf(`${meta} cc=x id=a1b2c3d4e5f6`), null, 'inside the origin\'s Cache-Control');
  // A copy without an id has no plan: it is read field by field.
  assert.equal(planOf(new Response('x'), `${meta} cc=max-age=60`, null), null);
  assert.equal(planOf(new Response('x'), null, null), null);
});
