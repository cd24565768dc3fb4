// Hit-for-pass: once an answer for a key was not storable, later requests
// for it go to the origin in parallel instead of queueing behind a leader.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, WASM_BUILD } from './helpers.js';

describe(`hit-for-pass (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  let waiting = [];
  let maxInFlight = 0;
  before(async () => {
    origin = await startOrigin({
      // Holds each answer until `release` is called or 5 requests wait.
      '/private': (req, res, n) => {
        waiting.push(() => {
          res.writeHead(200, { 'cache-control': 'private', 'content-type': 'text/plain' });
          res.end(`private ${n}`);
        });
        maxInFlight = Math.max(maxInFlight, waiting.length);
        if (waiting.length >= 5) release();
        else setTimeout(release, 2000); // without hit-for-pass the others queue: answer anyway
      },
    });
    worker = await startWorker({ origin: origin.url, manifest: { defaults: { ttl: 60 }, routes: [{ pattern: '/*' }] } });
  });
  after(async () => {
    release();
    await worker?.dispose();
    await origin?.close();
  });
  function release() {
    const w = waiting;
    waiting = [];
    for (const f of w) f();
  }

  test('the first uncacheable answer marks the key; then requests run in parallel', { timeout: 30_000 }, async () => {
    // First request: a miss that leads; its answer is private (not stored).
    const first = worker.fetch('/private', { at: 0, settle: false });
    while (waiting.length < 1) await new Promise((r) => setTimeout(r, 5));
    release();
    assert.match((await first).cacheStatus, /detail="private"/);
    // Now five at once: all reach the origin before any is answered.
    maxInFlight = 0;
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => worker.fetch('/private', { at: 1, settle: false })));
    assert.equal(maxInFlight, 5, 'no request waited behind another');
    for (const r of five) assert.equal(r.status, 200);
    assert.equal(new Set(five.map((r) => r.text)).size, 5, 'every client got its own answer');
    assert.equal(origin.hits('/private'), 6);
  });
});
