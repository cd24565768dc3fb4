// The purge plane (docs/admin.md "Guarantees"): three freshet locations
// (Miniflare instances, separate caches) and the purge log in a fourth,
// behind the fault-injecting service binding of tests/worker/helpers.js.
// Measures purge propagation under a 10,000-purge burst, and the hit path
// while the object is healthy, 150 ms away, slow (8 s) or down. Prints
// numbers; never fails on timing.
import { adminCall, hitLatencies, purgeBurst, quantile, startCoordinator, startOrigin, startWorker } from '../tests/worker/helpers.js';

const TOKEN = 'bench-plane-token';
const manifest = { defaults: { ttl: 3600 }, routes: [{ pattern: '/*' }] };

/** @returns {Promise<{burst: object, faults: object[]}>} */
export async function planeBench({ quick = false } = {}) {
  const origin = await startOrigin({
    '*': (req, res) => {
      if (req.headers['if-none-match'] === '"b1"') {
        res.writeHead(304, { etag: '"b1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"b1"' });
      res.end('x'.repeat(2048));
    },
  });
  const coordinator = await startCoordinator();
  const locations = [];
  try {
    for (const name of ['a', 'b', 'c']) {
      locations.push(await startWorker({
        origin: origin.url,
        manifest,
        bindings: { FRESHET_ADMIN_TOKEN: TOKEN, FRESHET_LOCATION: name },
        options: { serviceBindings: { FRESHET_PURGE_SERVICE: coordinator.service() } },
      }));
    }
    for (const loc of locations) await loc.fetch('/warm', { at: 0 });

    // 1. A burst of 10,000 URL purges, 1,000 per call, spread over the three.
    const burst = await purgeBurst(locations, { token: TOKEN, total: 10_000, perCall: 1000, at: 5 });

    // 2. The hit path at one location while the object misbehaves (default
    // settings: sync 1 s, max lag 3 s, wait at most 50 ms).
    const n = quick ? 60 : 150;
    const faults = [];
    const [loc] = locations;
    let base = 10;
    for (const [name, fault] of [
      ['healthy', {}],
      ['150 ms round trip', { delayMs: 150 }],
      ['slow: answers after 8 s', { delayMs: 8000 }],
      ['503', { status: 503 }],
      ['down (connection refused)', { down: true }],
    ]) {
      coordinator.heal();
      base += 20;
      await loc.fetch('/warm', { at: base }); // caught up, entry fresh
      Object.assign(coordinator.fault, fault);
      const before = origin.totalHits();
      // The test clock moves with real time (about 60 ms a request).
      const h = await hitLatencies(loc, '/warm', { n, gapMs: 50, at: base, stepS: 0.06 });
      faults.push({
        name,
        n,
        p50: quantile(h.inFreshet, 0.5),
        p99: quantile(h.inFreshet, 0.99),
        max: h.inFreshet.at(-1),
        totalP99: quantile(h.total, 0.99),
        kinds: h.kinds,
        originRequests: origin.totalHits() - before,
        seconds: (n * 50) / 1000,
      });
    }
    coordinator.heal();
    const stats = JSON.parse((await adminCall(loc, TOKEN, 'stats', { scope: 'fleet' })).text);
    return { burst, faults, fleetRequests: stats.fleet?.requests ?? null };
  } finally {
    for (const loc of locations) await loc.dispose();
    await coordinator.dispose();
    await origin.close();
  }
}
