// Where a hit's time goes inside workerd, per worker: the hit-CPU bench's
// three workers (bench/hitcpu.mjs, the same bundle and stand-in) run under
// V8's sampling profiler through the inspector of Miniflare, and each
// one's busy time per hit is split into what the runtime does natively
// (Request and Response construction, body reads, other API calls such as
// Headers.get), what runs in JavaScript (the worker's own code, the
// harness that makes each request and reads its body), the VM itself
// ("(program)") and garbage collection. A profile only apportions time:
// the sampler slows every worker alike, and the machine's drift moves the
// totals between runs, so read a worker's categories against the others'
// in the same run, not as absolute figures.
//
//   node bench/hitprofile.mjs [--hits N] [--runs R] [--functions K]
//
// With --functions K, also each worker's K largest frames by self time
// (function and bundle line; a runtime getter a function calls is counted
// in that function's own time).
//
// Prints numbers, never fails on them.
import { Miniflare } from 'miniflare';
import WebSocket from 'ws';
import { workerModules } from './hitcpu.mjs';
import { numberArg as arg } from './lib/args.mjs';

const PEERS = ['bare cache', 'hono cache', 'freshet', 'freshet floor'];
const HARNESS = new Set(['runHits']);
const NATIVE = new Set(['Request', 'Response', 'arrayBuffer']);

const hits = arg('--hits', 3000);
const runs = arg('--runs', 10);
const topFunctions = arg('--functions', 0);
const port = 9239;

// Self time per sample node, summed by category, in microseconds per hit.
function categories(profile, n) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const out = {};
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = byId.get(profile.samples[i]);
    const name = f.functionName;
    if (name === '(idle)') continue;
    let cat;
    if (name === '(program)' || name === '(garbage collector)') cat = name;
    else if (f.url) cat = HARNESS.has(name) ? 'harness (JS)' : 'worker (JS)';
    else cat = NATIVE.has(name) ? name : 'other native';
    out[cat] = (out[cat] ?? 0) + (profile.timeDeltas[i] ?? 0);
  }
  for (const k of Object.keys(out)) out[k] /= n;
  return out;
}

// Self time per frame (function name and bundle line), the `k` largest, in
// microseconds per hit.
function frames(profile, n, k) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const out = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = byId.get(profile.samples[i]);
    if (f.functionName === '(idle)') continue;
    const name = `${f.functionName || '(anonymous)'}${f.url ? ` :${f.lineNumber + 1}` : ''}`;
    out.set(name, (out.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => [name, us / n]);
}

const mf = new Miniflare({ host: '127.0.0.1', cf: false, compatibilityDate: '2026-04-01', inspectorPort: port, ...workerModules() });
try {
  const run = (peer, n, stored = 0) =>
    mf.dispatchFetch(`http://localhost/?peer=${encodeURIComponent(peer)}&n=${n}&stored=${stored}`).then((r) => r.arrayBuffer());
  for (const p of PEERS) await run(p, 3 + hits, 3);
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const waits = new Map();
  ws.on('message', (m) => {
    const d = JSON.parse(m);
    if (d.id && waits.has(d.id)) {
      waits.get(d.id)(d);
      waits.delete(d.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      waits.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 50 });
  const rows = {};
  const tops = {};
  for (const p of PEERS) {
    await send('Profiler.start');
    for (let i = 0; i < runs; i++) await run(p, hits);
    const { result } = await send('Profiler.stop');
    rows[p] = categories(result.profile, runs * hits);
    if (topFunctions > 0) tops[p] = frames(result.profile, runs * hits, topFunctions);
  }
  ws.close();
  const cats = [...new Set(Object.values(rows).flatMap((r) => Object.keys(r)))].sort();
  console.log(`workerd, ${runs} x ${hits} hits per worker, busy time per hit (us) by category:`);
  console.log(`  ${'category'.padEnd(20)}${PEERS.map((p) => p.padStart(12)).join('')}`);
  for (const c of [...cats, 'total']) {
    const v = (p) => (c === 'total' ? Object.values(rows[p]).reduce((a, b) => a + b, 0) : rows[p][c] ?? 0);
    console.log(`  ${c.padEnd(20)}${PEERS.map((p) => v(p).toFixed(1).padStart(12)).join('')}`);
  }
  for (const [p, top] of Object.entries(tops)) {
    console.log(`${p}: the ${top.length} largest frames by self time (us per hit)`);
    for (const [name, us] of top) console.log(`  ${us.toFixed(2).padStart(7)}  ${name}`);
  }
} finally {
  await mf.dispose();
}
