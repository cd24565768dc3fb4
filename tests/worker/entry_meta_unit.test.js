// Entry metadata in JS (worker/entry_meta.js): decoded as the engine
// decodes it (src/entry_meta.cc), and read the same way everywhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryFlag, META_HEADER, entryMetaText, parseEntryMeta } from '../../worker/entry_meta.js';
import { META_HEADER as FROM_RESPONSE_HEADERS } from '../../worker/response_headers.js';

test('a record as the engine writes it', () => {
  assert.deepEqual(parseEntryMeta('1;t=1700000000000;a=5;l=3600;w=60;e=86400;f=9;r=2'), {
    responseTimeMs: 1700000000000,
    initialAge: 5,
    lifetime: 3600,
    staleWhileRevalidate: 60,
    staleIfError: 86400,
    flags: EntryFlag.MUST_REVALIDATE | EntryFlag.HAS_VALIDATOR,
    route: 2,
    fetchMs: 0,
  });
  // The fetch time follows when it was not 0.
  assert.equal(parseEntryMeta('1;t=1700000000000;a=0;l=60;w=0;e=0;f=0;r=0;q=750').fetchMs, 750);
});

test('optional items default to 0, unknown keys are ignored, one trailing ; is allowed', () => {
  const m = parseEntryMeta('1;t=10;a=0;l=60;z=99;');
  assert.equal(m.responseTimeMs, 10);
  assert.equal(m.lifetime, 60);
  assert.equal(m.staleWhileRevalidate, 0);
  assert.equal(m.route, 0);
});

test('what the engine rejects is null', () => {
  for (const bad of ['', '1', '1;', '2;t=1;a=0;l=1', '1;t=1;a=0', '1;t=1;;a=0;l=1', '1;t=x;a=0;l=1', '1;t=;a=0;l=1', `1;t=${'9'.repeat(19)};a=0;l=1`, '1;t=-1;a=0;l=1', null, undefined]) {
    assert.equal(parseEntryMeta(bad), null, JSON.stringify(bad));
  }
});

test('the text of a stored copy, one header name for every module', () => {
  assert.equal(FROM_RESPONSE_HEADERS, META_HEADER);
  assert.equal(entryMetaText(new Headers({ [META_HEADER]: '1;t=1;a=0;l=1' })), '1;t=1;a=0;l=1');
  assert.equal(entryMetaText(new Headers()), '');
});
