// Fail open: when the engine cannot decide (an invalid manifest, a wasm
// that speaks another ABI, a trap inside a call), every request goes to the
// origin untouched and nothing crashes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { respond, startOrigin, startWorker } from './helpers.js';
import { T, buildModule, returns, traps } from './wasm_builder.js';
import { ABI_VERSION } from '../../worker/abi.js';

const abi = (body) => [
  { name: 'fr_abi_version', params: [], body: body.version ?? returns(ABI_VERSION) },
  { name: 'fr_input', params: [T.I32], body: returns(1024) },
  // Result at address 0: all zero = status OK.
  { name: 'fr_load_manifest', params: [T.I32], body: returns(0) },
  { name: 'fr_request', params: [T.I32], body: body.request ?? traps() },
  { name: 'fr_lookup', params: [T.I32, T.I32, T.F64], body: traps() },
  { name: 'fr_store', params: [T.I32, T.I32, T.F64, T.F64], body: traps() },
  { name: 'fr_reason', params: [T.I32], body: traps() },
];

describe('fail open', () => {
  let origin;
  before(async () => {
    origin = await startOrigin({
      '/p': (req, res, n) => {
        res.writeHead(201, { 'content-type': 'text/plain', 'x-origin': 'yes', 'set-cookie': 'a=1' });
        res.end(`p ${n}`);
      },
      '/echo': (req, res) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`${req.method} ${body}`);
        });
      },
    });
  });
  after(() => origin.close());

  async function check(worker, detail) {
    const before = origin.hits('/p');
    for (let i = 0; i < 3; i++) {
      const r = await worker.fetch('/p', { at: i });
      assert.equal(r.status, 201);
      assert.equal(r.text, `p ${before + i + 1}`);
      assert.equal(r.headers.get('x-origin'), 'yes');
      assert.equal(r.headers.get('set-cookie'), 'a=1');
      assert.equal(r.xcache, 'BYPASS');
      assert.equal(r.cacheStatus, `freshet; fwd=bypass; detail="${detail}"`);
    }
    assert.equal(origin.hits('/p'), before + 3);
    const post = await worker.fetch('/echo', { method: 'POST', body: 'payload' });
    assert.equal(post.text, 'POST payload');
  }

  test('an invalid manifest passes every request to the origin', async () => {
    const worker = await startWorker({ origin: origin.url, manifest: '{"routes": [{"pattern": "nope"}]}' });
    try {
      await check(worker, 'invalid-manifest');
    } finally {
      await worker.dispose();
    }
  });

  test('a wasm module of another ABI version is refused', async () => {
    const worker = await startWorker({ origin: origin.url, wasm: buildModule(abi({ version: returns(99) })) });
    try {
      await check(worker, 'engine-error');
    } finally {
      await worker.dispose();
    }
  });

  test('a trap inside the engine sends the request on untouched', async () => {
    const worker = await startWorker({ origin: origin.url, wasm: buildModule(abi({})) });
    try {
      await check(worker, 'engine-error');
    } finally {
      await worker.dispose();
    }
  });
});

// Passed through (a bypass): the origin's failure is answered as one, with
// no retry (an unsafe request must not reach the origin twice) and nothing
// counted against the engine.
describe('pass-through when the origin fails', () => {
  const TOKEN = 'fail-open-token';
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      // Reads the request, then drops the connection without an answer.
      '/api': (req, res) => {
        req.resume();
        req.on('end', () => res.socket.destroy());
      },
      '/slow': (req, res) => setTimeout(() => respond.text('late')(req, res), 3000),
    });
    worker = await startWorker({
      origin: origin.url,
      manifest: { routes: [{ pattern: '/*', ttl: 60 }, { pattern: '/slow', ttl: 60, originTimeout: 1 }] },
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
    });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('a POST the origin drops: 502 origin-unreachable, sent once, no engine error', async () => {
    const r = await worker.fetch('/api', { method: 'POST', body: 'order=1' });
    assert.equal(r.status, 502);
    assert.equal(r.text, 'origin unreachable\n');
    assert.equal(r.cacheStatus, 'freshet; fwd=bypass; detail="origin-unreachable"');
    assert.equal(origin.hits('/api'), 1, 'never retried');
    const stats = await worker.fetch('/__freshet/stats', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
    assert.equal(JSON.parse(stats.text).isolate.engineErrors, 0);
  });

  test('a bypassed GET (Authorization) the origin drops: 502, not an internal error', async () => {
    const r = await worker.fetch('/api', { headers: { authorization: 'Bearer user' } });
    assert.equal(r.status, 502);
    assert.match(r.cacheStatus, /^freshet; fwd=bypass; detail="origin-unreachable"/);
  });

  test('a bypassed request is bounded by its route\'s originTimeout: 504', async () => {
    const started = Date.now();
    const r = await worker.fetch('/slow', { method: 'POST', body: 'x' });
    assert.equal(r.status, 504);
    assert.equal(r.cacheStatus, 'freshet; fwd=bypass; detail="origin-timeout"');
    assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
  });
});
