// ttl 0 ("always revalidate but absorb bursts"): concurrent requests for a
// route that revalidates on every use share one origin fetch; the waiters
// are served the entry it stored, marked `collapsed` (RFC 9211).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertServed, herd, startOrigin, startWorker, stopAll, WASM_BUILD } from './helpers.js';

describe(`bursts on a ttl 0 route (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    origin = await startOrigin({
      '/live': (req, res, n) => setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`live ${n}`);
      }, 150),
    });
    worker = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*', ttl: 0 }] } });
  });
  after(() => stopAll(worker, origin));

  test('20 concurrent requests: one origin fetch, everyone served', async () => {
    const all = await herd(worker, '/live', 20);
    assert.equal(origin.hits('/live'), 1);
    assertServed(all, 'live 1');
    const collapsed = all.filter((r) => /collapsed/.test(r.cacheStatus));
    assert.equal(collapsed.length, 19, all.map((r) => r.cacheStatus).join('\n'));
    assert.equal(collapsed[0].xcache, 'HIT');
  });

  test('the next request after the burst revalidates again', async () => {
    await worker.settle();
    const r = await worker.fetch('/live', { at: 1 });
    assert.equal(r.text, 'live 2');
    assert.equal(origin.hits('/live'), 2);
  });
});
