// The per-route origin timeout: an origin that does not answer in time is
// an origin failure - stale-if-error serves the stored copy, else 504 - and
// the worker neither hangs nor errors.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, WASM_BUILD } from './helpers.js';

describe(`origin timeout (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  const held = [];
  before(async () => {
    origin = await startOrigin({
      '/slow': (req, res) => held.push(res), // never answers in time
      '/sometimes': (req, res, n) => {
        if (n === 1) {
          res.writeHead(200, { 'cache-control': 'max-age=5, stale-if-error=600' });
          res.end('first');
        } else {
          held.push(res);
        }
      },
    });
    worker = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*', originTimeout: 1 }] } });
  });
  after(async () => {
    for (const res of held) res.destroy();
    await worker?.dispose();
    await origin?.close();
  });

  test('no stored copy: 504 with detail="origin-timeout", after about the timeout', async () => {
    const started = Date.now();
    const r = await worker.fetch('/slow');
    const took = Date.now() - started;
    assert.equal(r.status, 504);
    assert.match(r.cacheStatus, /detail="origin-timeout"/);
    assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
  });

  test('a stored copy inside stale-if-error is served instead', async () => {
    assert.equal((await worker.fetch('/sometimes', { at: 0 })).text, 'first');
    const r = await worker.fetch('/sometimes', { at: 60 });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'first');
    assert.equal(r.xcache, 'STALE');
    assert.match(r.cacheStatus, /detail="stale-if-error"/);
  });
});
