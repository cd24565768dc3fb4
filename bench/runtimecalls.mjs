// What the runtime calls a hit makes cost inside workerd: one request runs
// `n` iterations, each making a browser's Request (and a matched copy's
// Response) and reading one property of it `reads` times; the caller
// times the request from outside (timers in workerd do not advance while a
// request computes). Per read: (time less the run that reads nothing) /
// (n x reads), the median over alternating rounds and, less sensitive to a
// noisy machine, from each variant's fastest round.
//
//   node bench/runtimecalls.mjs [--rounds R] [--n N] [--reads K]
//
// Prints numbers, never fails on them (docs/performance.md "Hit path,
// sixth step").
import { Miniflare } from 'miniflare';
import { BROWSER_FIELDS } from './lib/memory_cache.mjs';
import { median } from './lib/stats.mjs';
import { numberArg as arg } from './lib/args.mjs';

const rounds = arg('--rounds', 15);
const n = arg('--n', 1000);
const reads = arg('--reads', 20);

// Each variant reads from `r` (a Request with a browser's fields) or `m`
// (a copy as a match returns it: a Response over bytes, four fields).
const VARIANTS = {
  nothing: '',
  'request.url': 'sink += r.url.length;',
  'request.method': 'sink += r.method.length;',
  'request.headers': 'sink += r.headers ? 1 : 0;',
  'request.body': 'sink += r.body === null ? 1 : 0;',
  'request Headers.get': "sink += r.headers.get('pragma') === null ? 0 : 1;",
  'request Headers.has': "sink += r.headers.has('range') ? 1 : 0;",
  'copy.headers': 'sink += m.headers ? 1 : 0;',
  'copy.status': 'sink += m.status;',
  'copy.statusText': 'sink += m.statusText.length;',
  'copy.body': 'sink += m.body ? 1 : 0;',
  'copy Headers.get': "sink += m.headers.get('content-length') ? 1 : 0;",
};

const script = `
const F = ${JSON.stringify(BROWSER_FIELDS)};
const bytes = new TextEncoder().encode('x'.repeat(2048));
const copy = new Headers([['cache-control', 'public, max-age=3600'], ['content-type', 'text/html'], ['content-length', '2048'],
  ['x-freshet-meta', '1;t=1796316384240;a=0;l=3600;w=0;e=0;f=0;r=0 id=340cf624bcab d=1796316384 n=2048 cc=public, max-age=3600']]);
let sink = 0;
const variants = {
${Object.entries(VARIANTS).map(([k, body]) => `  ${JSON.stringify(k)}: (r, m) => { ${body} },`).join('\n')}
};
export default {
  async fetch(req) {
    const q = new URL(req.url).searchParams;
    const read = variants[q.get('v')];
    const n = Number(q.get('n'));
    const k = Number(q.get('k'));
    for (let i = 0; i < n; i++) {
      const r = new Request('https://example.com/page', { headers: F });
      const m = new Response(bytes, { status: 200, headers: copy });
      for (let j = 0; j < k; j++) read(r, m);
    }
    return new Response(String(sink));
  },
};`;

const mf = new Miniflare({ host: '127.0.0.1', cf: false, compatibilityDate: '2026-04-01', modules: true, script });
try {
  const names = Object.keys(VARIANTS);
  const once = async (v, count) => {
    const t = process.hrtime.bigint();
    await (await mf.dispatchFetch(`http://localhost/?v=${encodeURIComponent(v)}&n=${count}&k=${reads}`)).text();
    return Number(process.hrtime.bigint() - t) / 1000;
  };
  for (const v of names) await once(v, 200);
  const t = Object.fromEntries(names.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) for (const v of r % 2 ? [...names].reverse() : names) t[v].push(await once(v, n));
  console.log(`workerd, ${rounds} rounds of ${n} x ${reads} reads; us per read:`);
  console.log(`  ${'read'.padEnd(22)}${'median'.padStart(8)}${'fastest'.padStart(9)}`);
  const fastest = (v) => Math.min(...t[v]);
  for (const v of names.slice(1)) {
    const perRead = median(t[v].map((x, i) => x - t.nothing[i])) / (n * reads);
    const fromFastest = (fastest(v) - fastest('nothing')) / (n * reads);
    console.log(`  ${v.padEnd(22)}${perRead.toFixed(3).padStart(8)}${fromFastest.toFixed(3).padStart(9)}`);
  }
} finally {
  await mf.dispose();
}
