// The handler's modules on their own, in Node (no Miniflare): modes and
// what they answer, the declared counters, the variant generation, origin
// requests, the engine slot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Control, Mode, RequestContext, clock, fetchedFwd, fetchedXCache } from '../../worker/request_context.js';
import { bump, newStats } from '../../worker/stats.js';
import { FLEET_COUNTERS } from '../../worker/fleet_stats.js';
import { variantGeneration } from '../../worker/variants.js';
import { SURROGATE_CAPABILITY, originRequest } from '../../worker/origin.js';
import { createEngineSlot } from '../../worker/engine_slot.js';
import { createLog } from '../../worker/log.js';
import { validatorsOf } from '../../worker/refresh.js';
import { ANSWER_FIELDS, hasPrecondition } from '../../worker/serve.js';
import { ETAG_FLAG } from '../../worker/etag.js';
import { ROOT } from './helpers.js';

test('modes and controls are enumerated and frozen', () => {
  assert.deepEqual(Object.values(Mode), ['miss', 'expired', 'background', 'refresh']);
  assert.ok(Object.isFrozen(Mode));
  assert.ok(Object.isFrozen(Control));
  assert.throws(() => {
    'use strict';
    Mode.OTHER = 'other';
  }, TypeError);
});

test('mode -> x-cache and Cache-Status fwd of an answer fetched from the origin', () => {
  assert.equal(fetchedXCache(Mode.MISS), 'MISS');
  assert.equal(fetchedXCache(Mode.EXPIRED), 'EXPIRED');
  assert.equal(fetchedXCache(Mode.REFRESH), 'REFRESH');
  assert.equal(fetchedXCache(Mode.BACKGROUND), null);
  assert.equal(fetchedFwd(Mode.MISS, null), 'uri-miss');
  assert.equal(fetchedFwd(Mode.MISS, { names: 'accept-language', generation: 'abc' }), 'vary-miss');
  assert.equal(fetchedFwd(Mode.EXPIRED, { names: 'accept-language', generation: 'abc' }), 'stale');
  assert.equal(fetchedFwd(Mode.REFRESH, null), 'uri-miss');
});

test('a request context declares every field; with() copies', () => {
  const rd = { keyUrl: 'https://k.example/a' };
  const c = new RequestContext({ request: null, env: {}, ctx: null, rd, record: 'r', eng: null, now: () => 1 });
  assert.deepEqual(Object.keys(c).sort(), ['ctx', 'entryUrl', 'eng', 'env', 'ld', 'mode', 'now', 'plain', 'rd', 'record', 'request', 'shieldStatus', 'shieldFetched', 'floors', 'started', 'stored', 'vary'].sort());
  assert.equal(c.entryUrl, rd.keyUrl);
  assert.equal(c.mode, null);
  const m = c.with({ mode: Mode.MISS });
  assert.notEqual(m, c);
  assert.equal(m.mode, Mode.MISS);
  assert.equal(c.mode, null);
  assert.equal(m.rd, rd);
});

test('the test clock only in test mode', () => {
  const req = new Request('https://a.example/', { headers: { 'x-freshet-test-now': '1234' } });
  assert.equal(clock(req, { FRESHET_TEST_MODE: '1' })(), 1234);
  assert.ok(clock(req, {})() > 1234);
});

test('every counter is declared up front: none can be added on the fly', () => {
  const stats = newStats();
  for (const name of FLEET_COUNTERS.filter((n) => n !== 'coalescedWaits')) assert.equal(stats[name], 0, name);
  for (const name of ['hitForPass', 'collapsed', 'unprovenRevalidations', 'purges']) assert.equal(stats[name], 0, name);
  assert.throws(() => {
    'use strict';
    stats.somethingNew = 1;
  }, TypeError);
  bump(stats.bypasses, 'method');
  bump(stats.bypasses, 'method');
  assert.deepEqual(stats.bypasses, { method: 2 });
});

test('a variant keeps the marker generation while the Vary names stay the same', () => {
  const fresh = () => 'new000000000';
  assert.equal(variantGeneration({ names: 'accept-language', generation: 'abc' }, 'accept-language', fresh), 'abc');
  assert.equal(variantGeneration({ names: 'accept-language', generation: 'abc' }, 'accept-encoding', fresh), 'new000000000');
  assert.equal(variantGeneration({ names: 'accept-language', generation: '' }, 'accept-language', fresh), 'new000000000');
  assert.equal(variantGeneration(null, 'accept-language', fresh), 'new000000000');
  assert.match(variantGeneration(null, 'x'), /^[0-9a-f]{12}$/);
});

test('origin requests: origin base, internal and hop-by-hop fields out, validators in', () => {
  const client = new Request('https://site.example/p?q=1', {
    headers: { 'x-freshet-test-now': '5', 'x-freshet-test-settle': '1', connection: 'x-hop', 'x-hop': '1', 'if-none-match': '"c"', 'surrogate-capability': 'other="Surrogate/1.0"' },
  });
  const r = originRequest(client, {}, 'https://origin.example/', { method: 'GET', dropConditionals: true, extraHeaders: { 'if-none-match': '"s"' } });
  assert.equal(r.url, 'https://origin.example/p?q=1');
  assert.equal(r.redirect, 'manual');
  assert.equal(r.headers.get('x-freshet-test-now'), null);
  assert.equal(r.headers.get('x-freshet-test-settle'), null);
  assert.equal(r.headers.get('x-hop'), null);
  assert.equal(r.headers.get('if-none-match'), '"s"');
  assert.equal(r.headers.get('surrogate-capability'), `other="Surrogate/1.0", ${SURROGATE_CAPABILITY}`);
  // The shield keys as the location did: the client's URL, and the test clock in test mode.
  const s = originRequest(client, { FRESHET_TEST_MODE: '1' }, 'https://origin.example', { shield: 'miss' });
  assert.equal(s.url, client.url);
  assert.equal(s.headers.get('x-freshet-test-now'), '5');
  assert.equal(s.headers.get('x-freshet-shield'), 'miss');
});

test('validators of a stored entry; a generated ETag is not the origin\'s', () => {
  assert.deepEqual(validatorsOf(new Headers({ etag: '"a"', 'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT' })), {
    'if-none-match': '"a"',
    'if-modified-since': 'Tue, 01 Dec 2026 00:00:00 GMT',
  });
  assert.equal(validatorsOf(new Headers({ etag: '"g"', [ETAG_FLAG]: 'generated' })), null);
  assert.equal(validatorsOf(new Headers()), null);
  assert.ok(hasPrecondition(new Headers({ 'if-match': '*' })));
  assert.ok(!hasPrecondition(new Headers({ range: 'bytes=0-1' })));
  for (const f of ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'range']) assert.ok(ANSWER_FIELDS.has(f), f);
});

test('the engine slot: one engine per manifest, dropped after a trap, an invalid manifest said once', () => {
  const wasm = new WebAssembly.Module(readFileSync(path.join(ROOT, 'dist', 'freshet.wasm')));
  const events = [];
  const stats = newStats();
  const slot = createEngineSlot({ wasm, manifest: { version: 1, routes: [{ pattern: '/*' }] }, stats, log: createLog((e) => events.push(e)) });
  const a = slot.get({});
  assert.ok(a);
  assert.equal(slot.get({}), a);
  assert.equal(slot.current(), a);
  slot.failed(new Error('trap'));
  assert.equal(stats.engineErrors, 1);
  assert.equal(slot.current(), null);
  assert.notEqual(slot.get({}), a);
  const bad = { FRESHET_MANIFEST: '{"version": 1, "routes": 5}' };
  assert.equal(slot.get(bad), null);
  assert.equal(slot.problem(), 'invalid-manifest');
  assert.equal(JSON.parse(slot.manifestText(bad)).routes, 5);
  assert.equal(events.filter((e) => e.event === 'invalid-manifest').length, 1);
});
