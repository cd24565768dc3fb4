// Where freshet's own cost goes on a hit: each worker's CPU per hit with an
// in-memory stand-in for the platform Cache API (bench/lib/memory_cache.mjs),
// so the emulated cache of Miniflare (which dominates a hit there) is out of
// the figure. The same stand-in serves freshet, the bare Cache API worker's
// logic and Hono's cache middleware (bench/lib/hit_peers.mjs); the
// difference to the bare worker in the same round (median over the rounds)
// is each one's own overhead per hit.
//
// Two runtimes, the same code:
// - workerd (Miniflare on 127.0.0.1): the peers run inside one worker
//   (bench/workers/hitcpu.js), whose request runs N hits of one peer; the
//   request is timed from outside. This is the runtime freshet ships on,
//   with native Request, Response and Headers.
// - Node (this process): undici's Request, Response and Headers, written in
//   JavaScript, where each header field a Response converts costs ~0.5 us.
// Prints numbers, never fails on them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { numberArg as arg } from './lib/args.mjs';
import { hitPeers, runHits } from './lib/hit_peers.mjs';
import { median, medianCi95, quantile } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM = path.join(ROOT, 'dist', 'freshet.wasm');
const PEERS = ['bare cache', 'hono cache', 'freshet', 'freshet lean', 'freshet floor'];

// Round r runs the workers in a rotated order (A B C, B C A, C A B, ...):
// no worker always runs first, or right after the same one.
function rotated(list, r) {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

// Each worker's median time per hit, and its overhead: the median over the
// rounds of its time less the bare worker's in the same round. The workers
// of one round run back to back, so the machine's drift between rounds
// (on a shared machine, the bare worker alone moved 23-56 us per hit
// between runs) falls out of the difference.
// vsHono: the same against Hono's worker (freshet's time less Hono's in the
// same round), with the quartiles of those differences and a bootstrap 95%
// confidence interval of their median: the run's resolution for the budget
// (no more overhead than Hono's). The samples of one peer spread by +-30%
// from round to round in workerd, in CPU time as in wall time (the spread
// is the runtime's own, not the scheduler's): many short rounds narrow the
// interval, long ones do not.
function summarise(samples) {
  const bare = samples['bare cache'];
  const hono = samples['hono cache'];
  return Object.entries(samples).map(([name, s]) => {
    const vs = s.map((x, r) => x - hono[r]);
    return {
      name,
      usPerHit: median(s),
      overheadUs: median(s.map((x, r) => x - bare[r])),
      vsHono: { median: median(vs), q1: quantile(vs, 0.25), q3: quantile(vs, 0.75), ci95: medianCi95(vs) },
      samples: s,
    };
  });
}

/**
 * In this process (Node).
 * @param {{ rounds?: number, hits?: number, contentLength?: boolean, warm?: number }} [o] contentLength: see memoryCache (default true); warm: hits per worker before measuring
 * @returns {Promise<{ name: string, usPerHit: number, overheadUs: number, samples: number[] }[]>}
 */
export async function hitCpu({ rounds = 7, hits = 3000, contentLength = true, warm = 3000 } = {}) {
  const { peers: all, ctx, settle } = hitPeers(new WebAssembly.Module(readFileSync(WASM)), { contentLength });
  // Each worker is measured warm, as an isolate serving traffic is: `warm`
  // hits each first (a few thousand; freshet has more code to compile and
  // a wasm module to tier up, and reaches its steady state last).
  for (const [name, p] of Object.entries(all)) {
    const last = await runHits(p, ctx, settle, 3 + warm, 3);
    if (name === 'freshet' && last.headers.get('x-cache') !== 'HIT') throw new Error(`freshet answered ${last.headers.get('x-cache')}, not HIT`);
  }
  const samples = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
  const entries = Object.entries(all);
  for (let r = 0; r < rounds; r++) {
    for (const [name, p] of rotated(entries, r)) {
      const t = process.hrtime.bigint();
      await runHits(p, ctx, settle, hits);
      samples[name].push(Number(process.hrtime.bigint() - t) / hits / 1000);
    }
  }
  return summarise(samples);
}

// The worker bundled (freshet's handler, Hono, the stand-in) with
// freshet.wasm beside it, as Miniflare modules.
export function workerModules() {
  const dir = path.join(ROOT, 'build', 'bench-hitcpu');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, 'hitcpu.bundle.js');
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    path.join(ROOT, 'bench/workers/hitcpu.js'), '--bundle', '--format=esm', '--log-level=error', '--external:./freshet.wasm', `--outfile=${out}`,
  ]);
  return {
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: out, contents: readFileSync(out, 'utf8') },
      { type: 'CompiledWasm', path: path.join(dir, 'freshet.wasm'), contents: readFileSync(WASM) },
    ],
  };
}

/**
 * Inside workerd: one Miniflare, one isolate holding the peers, and a
 * second one for "freshet lean" alone (two freshet handlers in one isolate
 * slow each other down, bench/lib/hit_peers.mjs); with `isolated`, every
 * peer in a Miniflare (a workerd) of its own, so no peer's type feedback
 * or heap touches another's (the shared in-memory cache stand-in turns
 * polymorphic in one isolate). Each sample is one request running `hits`
 * hits of one peer, timed from here, less the median time of requests
 * running none in the same workerd (the dispatch itself, ~0.5 ms: a few
 * hundredths of a microsecond per hit). V8 in workerd compiles the hit
 * paths with TurboFan only after some tens of thousands of hits
 * (bench/v8trace.mjs): `warm` says how far each peer runs first.
 * @param {{ rounds?: number, hits?: number, warm?: number, isolated?: boolean }} [o]
 * @returns {Promise<{ name: string, usPerHit: number, overheadUs: number, samples: number[] }[]>}
 */
export async function hitCpuWorkerd({ rounds = 7, hits = 3000, warm = 3000, isolated = false } = {}) {
  const modules = workerModules();
  const options = { host: '127.0.0.1', cf: false, compatibilityDate: '2026-04-01', ...modules };
  const instances = new Map(); // instance name -> Miniflare
  const instanceOf = (peer) => (isolated ? peer : peer === 'freshet lean' ? 'lean' : 'peers');
  for (const peer of PEERS) if (!instances.has(instanceOf(peer))) instances.set(instanceOf(peer), new Miniflare(options));
  try {
    const run = async (peer, n, stored = 0) => {
      const lean = peer === 'freshet lean';
      const t = process.hrtime.bigint();
      const res = await instances.get(instanceOf(peer)).dispatchFetch(`http://localhost/?peer=${lean ? 'freshet' : encodeURIComponent(peer)}&n=${n}&stored=${stored}${lean ? '&lean=1' : ''}`);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (res.status !== 204) throw new Error(`hitcpu worker answered ${res.status}: ${await res.text()}`);
      return { ms, xcache: res.headers.get('x-last-cache'), status: res.headers.get('x-last-status') };
    };
    for (const name of PEERS) {
      // In parts, so no request runs for more than a few seconds.
      let last = await run(name, 3 + Math.min(warm, 5000), 3);
      for (let left = warm - Math.min(warm, 5000); left > 0; left -= 5000) last = await run(name, Math.min(left, 5000));
      const { xcache, status } = last;
      if (name === 'freshet' && xcache !== 'HIT') throw new Error(`freshet answered ${xcache}, not HIT`);
      if (name === 'freshet lean' && !/^freshet; hit/.test(status)) throw new Error(`freshet lean answered ${status}, not a hit`);
    }
    // The dispatch itself, per workerd: requests running no hits.
    const empty = new Map();
    for (const peer of PEERS) {
      if (empty.has(instanceOf(peer))) continue;
      const empties = [];
      for (let i = 0; i < 9; i++) empties.push((await run(peer, 0)).ms);
      empty.set(instanceOf(peer), median(empties));
    }
    const samples = Object.fromEntries(PEERS.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const name of rotated(PEERS, r)) {
        const { ms } = await run(name, hits);
        samples[name].push(((ms - empty.get(instanceOf(name))) * 1000) / hits);
      }
    }
    return summarise(samples);
  } finally {
    for (const mf of instances.values()) await mf.dispose();
  }
}

function print(title, results) {
  console.log(title);
  for (const r of results) {
    console.log(`  ${r.name.padEnd(14)} ${r.usPerHit.toFixed(1).padStart(6)} us/hit  overhead ${r.overheadUs.toFixed(1).padStart(5)} us  rounds ${r.samples.map((x) => x.toFixed(0)).join(' ')}`);
  }
  for (const name of ['freshet', 'freshet lean']) {
    const f = results.find((r) => r.name === name)?.vsHono;
    if (!f) continue; // Node: no lean peer (it would share the isolate)
    console.log(`  ${name} less hono, same round: median ${f.median.toFixed(1)} us (95% CI ${f.ci95[0].toFixed(1)} .. ${f.ci95[1].toFixed(1)}), quartiles ${f.q1.toFixed(1)} .. ${f.q3.toFixed(1)} us`);
  }
}

// Run on its own (node bench/hitcpu.mjs [--node|--workerd] [--rounds N]
// [--hits N] [--warm N] [--isolated] [--no-content-length]): print the
// figures (--isolated: each workerd peer in a workerd of its own); with
// --json ROUNDS HITS [--warm N] [--isolated] (bench/run.mjs), print
// { workerd, node } as JSON.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.indexOf('--json');
  if (json > 0) {
    const [rounds, hits] = process.argv.slice(json + 1, json + 3).map(Number);
    const workerd = await hitCpuWorkerd({ rounds, hits, warm: arg('--warm', 3000), isolated: process.argv.includes('--isolated') });
    const node = await hitCpu({ rounds, hits });
    process.stdout.write(JSON.stringify({ workerd, node }) + '\n');
    process.exit(0);
  }
  const rounds = arg('--rounds', 21);
  const warm = arg('--warm', 3000);
  const isolated = process.argv.includes('--isolated');
  if (!process.argv.includes('--node')) print(`workerd (Miniflare), ${isolated ? 'each worker in a workerd of its own' : 'one isolate'}:`, await hitCpuWorkerd({ rounds, hits: arg('--hits', 2000), warm, isolated }));
  if (!process.argv.includes('--workerd')) print('Node (undici):', await hitCpu({ rounds, hits: arg('--hits', 3000), warm, contentLength: !process.argv.includes('--no-content-length') }));
}
