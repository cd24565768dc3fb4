// A five-minute tour of freshet against the running demo (npm start).
//   node demo/tour.mjs [http://127.0.0.1:8787]
// Real time: the tour waits for entries to go stale.

const base = process.argv[2] ?? 'http://127.0.0.1:8787';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function show(path, note) {
  const res = await fetch(base + path, { redirect: 'manual' });
  const body = await res.text();
  const hit = body.match(/hit #?"?:?(\d+)/)?.[1];
  console.log(
    `${path.padEnd(18)} ${String(res.status).padEnd(4)} x-cache=${(res.headers.get('x-cache') ?? '-').padEnd(11)} ` +
      `age=${(res.headers.get('age') ?? '-').padEnd(3)} origin-hit=${hit ?? '-'}  ${note}`,
  );
  console.log(`${''.padEnd(18)} cache-status: ${res.headers.get('cache-status')}`);
}

const slug = `/blog/tour-${Date.now() % 100000}`;
console.log(`freshet tour against ${base}\n`);
await show(slug, 'first request: MISS, stored for the route TTL (10 s)');
await show(slug, 'again: HIT from the cache, origin not asked');
console.log('... waiting 11 s for the entry to go stale');
await sleep(11_000);
await show(slug, 'STALE: served at once, refreshed in the background');
await sleep(500);
await show(slug, 'HIT again: the background refresh stored a new copy');
await show('/news', 'origin says s-maxage=5, stale-while-revalidate=30');
await show('/pricing', 'CDN-Cache-Control decides; the client sees no-cache');
await show('/account/profile', 'route with "cache": false: BYPASS with a reason');
await show('/flaky', 'stored with stale-if-error=600');
await fetch(base + '/flaky/toggle');
console.log('... origin for /flaky is now down; waiting 6 s');
await sleep(6_000);
await show('/flaky', 'origin answers 503: the stale copy is served instead');
await fetch(base + '/flaky/toggle');
