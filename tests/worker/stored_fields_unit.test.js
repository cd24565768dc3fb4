// A stored copy's fields (worker/response_headers.js storedFields,
// storedClientFields; worker/stored_entry.js): what the client of a hit
// sees, built in one pass, is what the step-by-step header work gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientHeaders, headersForStorage, keepSetCookies, META_HEADER, responseWithFields, storableEntry, storedClientFields, storedFields } from '../../worker/response_headers.js';
import { entryMetaText, metaOf, originCcOf, storedMetaValue } from '../../worker/entry_meta.js';
import { StoredEntry } from '../../worker/stored_entry.js';
import { ORIGIN_FIELDS } from './stored_copies.js';

const sorted = (pairs) => [...new Headers(pairs)].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));

// A copy as storableEntry puts it and a platform cache gives it back.
function matched(status, origin, platform = {}) {
  const stored = keepSetCookies(headersForStorage(new Headers(origin), '1;t=1;a=0;l=60', 3600, 'tag-a'), new Headers(origin));
  const entry = storableEntry(status, 'S', stored, status === 204 ? null : 'body');
  const headers = new Headers(entry.headers);
  for (const [k, v] of Object.entries(platform)) headers.set(k, v);
  return new Response(entry.body, { status: entry.status, statusText: entry.statusText, headers });
}

// x-listed: named by the platform's Connection below.
const origin = [...ORIGIN_FIELDS.slice(0, -1), ['x-listed', 'gone'], ORIGIN_FIELDS.at(-1)];
// The platform rewrites Date, adds its own fields and Warning.
const platform = { date: 'Wed, 02 Dec 2026 00:00:00 GMT', 'cf-cache-status': 'HIT', warning: '113 - "heuristic"', 'cache-control': 'public, max-age=3600', connection: 'x-listed' };

test('the origin\'s fields of a stored copy: kept ones restored, internal and platform ones out', () => {
  const e = new StoredEntry(matched(203, origin, platform));
  assert.equal(e.status, 203);
  const h = e.originHeaders();
  assert.equal(h.get('date'), 'Mon, 30 Nov 2026 00:00:00 GMT');
  assert.equal(h.get('warning'), '110 - "stale"');
  assert.equal(h.get('cache-control'), 'public, max-age=60');
  assert.deepEqual(h.getSetCookie(), ['a=1, with comma', 'b=2']);
  assert.equal(h.get('cf-cache-status'), null);
  for (const [name] of h) assert.ok(!name.startsWith('x-freshet-') || name === 'x-freshet-key', name);
});

test('a copy without kept Date keeps the platform\'s; without a kept Warning it has none', () => {
  const raw = new Headers({ date: 'Wed, 02 Dec 2026 00:00:00 GMT', warning: '113 - "heuristic"', 'x-freshet-meta': '1;t=1;a=0;l=1' });
  assert.deepEqual(storedFields(raw), [['date', 'Wed, 02 Dec 2026 00:00:00 GMT']]);
});

test('the client fields of a hit in one pass equal clientHeaders over the origin\'s fields', () => {
  const raw = matched(200, origin, platform).headers;
  const options = [
    { status: 'freshet; hit', xcache: 'HIT', age: 3.7 },
    { status: 'freshet; hit', xcache: 'STALE', age: 0, browserTtl: 0, removeCdnCacheControl: true },
    { status: 'freshet; hit', xcache: 'HIT', age: 10, browserTtl: 30, debug: { key: 'k', route: 'r', reason: '' } },
  ];
  for (const o of options) {
    const expected = clientHeaders(new Headers(storedFields(raw)), o);
    assert.deepEqual(sorted(storedClientFields(raw, o)), sorted(expected), JSON.stringify(o));
  }
});

test('a stored 204 has no body; clone() gives a second reader', async () => {
  assert.equal(new StoredEntry(matched(204, [['cache-control', 'max-age=60']])).body, null);
  const e = new StoredEntry(matched(200, origin));
  const c = e.clone();
  assert.equal(c.headers, e.headers);
  assert.equal(await new Response(c.body).text(), 'body');
  assert.equal(await new Response(e.body).text(), 'body');
});

test('the origin\'s Cache-Control travels in the metadata field, and the engine gets only its own text', () => {
  const meta = '1;t=1;a=0;l=60';
  for (const cc of ['public, max-age=60', 'max-age=60, x cc=1, private="a b"', '']) {
    const stored = headersForStorage(new Headers({ 'cache-control': cc, 'x-freshet-origin-cc': 'forged' }), meta, 3600);
    assert.equal(stored.get('x-freshet-origin-cc'), null, 'one field, and an origin cannot set it');
    assert.equal(stored.get('cache-control'), 'public, max-age=3600');
    assert.equal(entryMetaText(stored), meta);
    assert.equal(metaOf(stored.get(META_HEADER)), meta);
    assert.equal(originCcOf(stored.get(META_HEADER)), cc);
    assert.equal(new Headers(storedFields(stored)).get('cache-control'), cc);
  }
  // No Cache-Control from the origin: none restored, and the value is the engine's text alone.
  const none = headersForStorage(new Headers({ 'content-type': 'text/plain' }), meta, 3600);
  assert.match(none.get(META_HEADER), /^1;t=1;a=0;l=60 id=[0-9a-f]{12}$/, 'the engine\'s text and the copy id');
  assert.equal(metaOf(none.get(META_HEADER)), meta);
  assert.equal(originCcOf(none.get(META_HEADER)), undefined);
  assert.equal(new Headers(storedFields(none)).get('cache-control'), null);
  assert.equal(storedMetaValue(meta, null), meta);
});

test('a copy stored with the earlier layout (x-freshet-origin-cc beside the metadata) reads the same', () => {
  const legacy = new Headers({ 'cache-control': 'public, max-age=3600', 'x-freshet-meta': '1;t=1;a=0;l=60', 'x-freshet-origin-cc': 'max-age=60, must-revalidate', 'content-type': 'text/html' });
  assert.equal(entryMetaText(legacy), '1;t=1;a=0;l=60');
  const h = new Headers(storedFields(legacy));
  assert.equal(h.get('cache-control'), 'max-age=60, must-revalidate');
  assert.equal(h.get('x-freshet-origin-cc'), null);
  const fields = new Headers(storedClientFields(legacy, { status: 'freshet; hit', xcache: 'HIT', age: 1 }));
  assert.equal(fields.get('cache-control'), 'max-age=60, must-revalidate');
  // Without either, the copy shows no Cache-Control.
  assert.equal(new Headers(storedFields(new Headers({ 'x-freshet-meta': '1;t=1;a=0;l=60' }))).get('cache-control'), null);
});

test('responseWithFields: the response the constructor gives for the same pairs', async () => {
  const fields = [['content-type', 'text/html'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-cache', 'HIT']];
  for (const body of [null, new Uint8Array([104, 105]), new Response('hi').body, 'hi']) {
    const r = responseWithFields(body, 203, 'S', fields);
    const expected = new Response(typeof body === 'string' ? body : null, { status: 203, statusText: 'S', headers: fields });
    assert.equal(r.status, 203);
    assert.equal(r.statusText, 'S');
    assert.deepEqual([...r.headers], [...expected.headers], String(body));
    assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(await r.text(), body === null ? '' : 'hi');
  }
  // A string body brings no second Content-Type.
  assert.equal(responseWithFields('x', 200, '', [['content-type', 'text/html']]).headers.get('content-type'), 'text/html');
});

test('a response stored without Date gets one saying when it arrived (RFC 9110 6.6.1); one with Date keeps its own', () => {
  const at = Date.UTC(2026, 11, 3, 8, 0, 0);
  const none = storableEntry(200, '', new Headers({ 'content-type': 'text/plain' }), 'x', at);
  assert.equal(new Headers(storedFields(none.headers)).get('date'), 'Thu, 03 Dec 2026 08:00:00 GMT');
  const own = storableEntry(200, '', new Headers({ date: 'Mon, 30 Nov 2026 00:00:00 GMT' }), 'x', at);
  assert.equal(new Headers(storedFields(own.headers)).get('date'), 'Mon, 30 Nov 2026 00:00:00 GMT');
  const unknown = storableEntry(200, '', new Headers({ 'content-type': 'text/plain' }), 'x');
  assert.equal(new Headers(storedFields(unknown.headers)).get('date'), null, 'no time given: none made up');
});
