// The layout of a stored copy (docs/abi.md "Entry layout in the platform
// cache"): the body's recorded length and the origin's Date travel in the
// metadata field (n= and d= items, entry_meta.js) instead of fields of
// their own, so a match carries two fields fewer; copies in the earlier
// layout (x-freshet-length, x-freshet-kept-date) read the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATE_ITEM, LENGTH_ITEM, META_HEADER, copyIdOf, fixdateSeconds, keptDateOf, metaItemOf, metaOf, originCcOf, withMetaItem } from '../../worker/entry_meta.js';
import { LENGTH_HEADER, recordLength, recordedLength } from '../../worker/integrity.js';
import { KEPT_DATE_HEADER, headersForStorage, storableEntry, storedFields } from '../../worker/response_headers.js';
import { intactBytes, recorded } from '../../worker/tier_entry.js';
import { StoredPlan } from '../../worker/stored_plan.js';
import { fieldPairs } from '../../worker/stored_entry.js';
import { earlierLayout } from './stored_copies.js';

const META = '1;t=1;a=0;l=60';
const DATE = 'Mon, 30 Nov 2026 00:00:00 GMT';
const SECONDS = Date.UTC(2026, 10, 30) / 1000;

// A copy as the handler stores it: headersForStorage, storableEntry, then
// the length the coalescer records (coalesce.js putWhole).
function stored(origin, receivedMs = null, length = 4) {
  const entry = storableEntry(200, 'OK', headersForStorage(new Headers(origin), META, 3600), 'body', receivedMs);
  const headers = new Headers(entry.headers);
  recordLength(headers, length);
  return headers;
}

test('items before the origin\'s Cache-Control: set, replaced, read; the rest of the value unchanged', () => {
  const value = `${META} id=0123456789ab cc=public, max-age=60, x n=5 d=7`;
  let v = withMetaItem(value, LENGTH_ITEM, 2048);
  v = withMetaItem(v, DATE_ITEM, SECONDS);
  assert.equal(v, `${META} id=0123456789ab n=2048 d=${SECONDS} cc=public, max-age=60, x n=5 d=7`);
  assert.equal(withMetaItem(v, LENGTH_ITEM, 3), `${META} id=0123456789ab d=${SECONDS} n=3 cc=public, max-age=60, x n=5 d=7`, 'replaced, never doubled');
  assert.equal(metaItemOf(v, LENGTH_ITEM), 2048);
  assert.equal(metaItemOf(v, DATE_ITEM), SECONDS);
  assert.equal(keptDateOf(v), DATE);
  assert.equal(copyIdOf(v), '0123456789ab');
  assert.equal(originCcOf(v), 'public, max-age=60, x n=5 d=7');
  assert.equal(metaOf(v), META, 'the engine gets its own text alone');
  // The origin's Cache-Control is never read as items.
  assert.equal(metaItemOf(value, LENGTH_ITEM), null);
  assert.equal(metaItemOf(`${META} id=0123456789ab n=12x`, LENGTH_ITEM), null, 'not digits');
  assert.equal(metaItemOf(`${META} id=0123456789ab n=`, LENGTH_ITEM), null);
  assert.equal(metaItemOf(null, LENGTH_ITEM), null);
  assert.equal(withMetaItem(`${META} id=0123456789ab`, LENGTH_ITEM, 0), `${META} id=0123456789ab n=0`);
});

test('a Date the metadata can keep exactly is an IMF-fixdate from 1970 on', () => {
  assert.equal(fixdateSeconds(DATE), SECONDS);
  assert.equal(fixdateSeconds('Monday, 30-Nov-26 00:00:00 GMT'), null, 'RFC 850 form: kept as sent');
  assert.equal(fixdateSeconds('Mon Nov 30 00:00:00 2026'), null, 'asctime form: kept as sent');
  assert.equal(fixdateSeconds('Wed, 31 Dec 1969 23:59:59 GMT'), null);
  assert.equal(fixdateSeconds('mon, 30 nov 2026 00:00:00 gmt'), null, 'not as toUTCString writes it');
  assert.equal(fixdateSeconds('soon'), null);
});

test('a new copy: its Date and length in the metadata field, no field of their own', () => {
  const h = stored({ 'content-type': 'text/plain', date: DATE, 'cache-control': 'max-age=60' });
  assert.equal(h.get(KEPT_DATE_HEADER), null);
  assert.equal(h.get(LENGTH_HEADER), null);
  const meta = h.get(META_HEADER);
  assert.match(meta, new RegExp(`^${META.replace(/[;]/g, '\\;')} id=[0-9a-f]{12} d=${SECONDS} n=4 cc=max-age=60$`));
  assert.equal(recordedLength(h), 4);
  assert.equal(new Headers(storedFields(h)).get('date'), DATE);
  // The copy's internal fields are the metadata alone.
  assert.deepEqual([...h.keys()].filter((k) => k.startsWith('x-freshet-')), [META_HEADER]);
  // What the platform's Date says on a match changes nothing.
  h.set('date', 'Wed, 02 Dec 2026 00:00:00 GMT');
  assert.equal(new Headers(storedFields(h)).get('date'), DATE);
  const plan = new StoredPlan(fieldPairs(h));
  assert.equal(plan.recorded, 4);
  assert.equal(plan.liveDate, false);
});

test('no Date from the origin: the time it was received (RFC 9110 6.6.1), in the metadata', () => {
  const h = stored({ 'content-type': 'text/plain' }, Date.UTC(2026, 10, 30, 0, 0, 0, 750));
  assert.equal(metaItemOf(h.get(META_HEADER), DATE_ITEM), SECONDS);
  assert.equal(new Headers(storedFields(h)).get('date'), DATE);
  // Neither a Date nor a clock: the platform's Date of each match.
  const live = stored({ 'content-type': 'text/plain' });
  assert.equal(metaItemOf(live.get(META_HEADER), DATE_ITEM), null);
  assert.equal(new StoredPlan(fieldPairs(live)).liveDate, true);
});

test('a Date in another form is kept as sent, in its field; an origin cannot set that field', () => {
  const obsolete = 'Monday, 30-Nov-26 00:00:00 GMT';
  const h = stored({ date: obsolete });
  assert.equal(h.get(KEPT_DATE_HEADER), obsolete);
  assert.equal(metaItemOf(h.get(META_HEADER), DATE_ITEM), null);
  h.set('date', 'Wed, 02 Dec 2026 00:00:00 GMT');
  assert.equal(new Headers(storedFields(h)).get('date'), obsolete);
  const forged = stored({ date: DATE, [KEPT_DATE_HEADER]: 'Thu, 01 Jan 2099 00:00:00 GMT' });
  assert.equal(forged.get(KEPT_DATE_HEADER), null);
  assert.equal(new Headers(storedFields(forged)).get('date'), DATE);
});

test('a copy in the earlier layout reads the same: Date, recorded length, plan', () => {
  const now = stored({ 'content-type': 'text/plain', date: DATE, 'cache-control': 'max-age=60' });
  const then = earlierLayout(new Headers(now));
  assert.equal(then.get(LENGTH_HEADER), '4');
  assert.equal(then.get(KEPT_DATE_HEADER), DATE);
  assert.equal(metaItemOf(then.get(META_HEADER), LENGTH_ITEM), null);
  for (const h of [now, then]) h.set('date', 'Wed, 02 Dec 2026 00:00:00 GMT');
  assert.deepEqual(storedFields(then), storedFields(now));
  assert.equal(recordedLength(then), 4);
  const plan = new StoredPlan(fieldPairs(then));
  assert.equal(plan.recorded, 4);
  assert.equal(plan.liveDate, false);
});

test('no metadata (a variant marker): the length is a field of its own', () => {
  const h = new Headers({ 'x-freshet-vary': 'accept' });
  recordLength(h, 9);
  assert.equal(h.get(LENGTH_HEADER), '9');
  assert.equal(recordedLength(h), 9);
});

test('the byte tiers record the length in the metadata too, and check either record', () => {
  const h = [...stored({ date: DATE }, null, 4)];
  const entry = recorded(200, 'OK', h, new Uint8Array(4));
  assert.equal(entry.headers.filter(([k]) => k === LENGTH_HEADER).length, 0);
  assert.equal(metaItemOf(entry.headers.find(([k]) => k === META_HEADER)[1], LENGTH_ITEM), 4);
  assert.equal(intactBytes(entry), true);
  assert.equal(intactBytes({ ...entry, body: new Uint8Array(3) }), false, 'the metadata\'s record is checked');
  const again = recorded(200, 'OK', entry.headers, new Uint8Array(6));
  assert.equal(metaItemOf(again.headers.find(([k]) => k === META_HEADER)[1], LENGTH_ITEM), 6, 'a new record replaces the old');
  const earlier = { status: 200, headers: [[META_HEADER, `${META} id=0123456789ab`], [LENGTH_HEADER, '4']], body: new Uint8Array(5) };
  assert.equal(intactBytes(earlier), false, 'the earlier field is checked');
  assert.equal(intactBytes({ ...earlier, body: new Uint8Array(4) }), true);
});
