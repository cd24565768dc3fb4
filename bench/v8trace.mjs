// How a worker's hit path warms up in workerd: each peer of the hit-CPU
// bench (bench/workers/hitcpu.js, the in-memory Cache API stand-in) runs
// alone in a workerd of its own started from a text config with V8's
// --trace-opt and --trace-deopt (bench/lib/workerd_direct.mjs), for
// `batches` requests of `hits` hits each. Prints, per peer, the time per
// hit of each batch and the hit after which each of the peer's functions
// was first compiled by Maglev and by TurboFan, and every deoptimisation.
//
// What it showed (docs/performance.md "Warm-up in workerd"): V8 in
// workerd compiles freshet's hit path, and Hono's, with TurboFan only
// after some tens of thousands of hits, so a bench that warms a worker
// with 1,500-3,000 hits compares code in mid tier-up.
//
//   node bench/v8trace.mjs [--peers "hono cache,freshet"] [--batches 60] [--hits 1000]
//
// Prints numbers, never fails on them.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerModules } from './hitcpu.mjs';
import { numberArg as arg } from './lib/args.mjs';
import { median } from './lib/stats.mjs';
import { getOnce, startWorkerd } from './lib/workerd_direct.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'build', 'bench-v8trace');

/** The bench worker's modules copied into `dir` (the config embeds files). */
export function benchWorkerFiles(dir) {
  mkdirSync(dir, { recursive: true });
  const { modules } = workerModules();
  const out = [];
  for (const m of modules) {
    const name = path.basename(m.path);
    copyFileSync(m.type === 'CompiledWasm' ? path.join(ROOT, 'dist', 'freshet.wasm') : m.path, path.join(dir, name));
    out.push({ name, type: m.type === 'CompiledWasm' ? 'wasm' : 'esModule' });
  }
  return out;
}

/**
 * Runs `batches` x `hits` hits of `peer` in a fresh workerd with V8 flags
 * `flags`; answers each batch's time per hit (us) and V8's trace lines
 * with the hit count they were printed after.
 */
export async function tracePeer(peer, { batches = 60, hits = 1000, flags = ['--trace-opt', '--trace-deopt'] } = {}) {
  const dir = path.join(DIR, peer.replace(/\W+/g, '-'));
  const modules = benchWorkerFiles(dir);
  // V8 prints its trace through stdio, which buffers a pipe: stdbuf makes
  // it line-buffered, so each line arrives with the batch that printed it.
  const wd = await startWorkerd({ dir, modules, v8Flags: flags, wrap: ['stdbuf', '-oL', '-eL'] });
  const lean = peer === 'freshet lean';
  const q = (n, stored) => `${wd.url}/?peer=${encodeURIComponent(lean ? 'freshet' : peer)}&n=${n}&stored=${stored}${lean ? '&lean=1' : ''}`;
  const perBatch = [];
  const events = [];
  try {
    let done = 0;
    const take = () => {
      for (const line of wd.output().split('\n')) if (line.startsWith('[')) events.push({ after: done, line });
      wd.clearOutput();
    };
    const first = await getOnce(q(3, 3));
    if (first.status !== 204) throw new Error(`bench worker answered ${first.status}`);
    done = 3;
    take();
    for (let b = 0; b < batches; b++) {
      const t = process.hrtime.bigint();
      await getOnce(q(hits, 0));
      perBatch.push(Number(process.hrtime.bigint() - t) / 1e3 / hits);
      // The trace printed during the batch is read after it (the output
      // arrives here asynchronously: a line may land one batch late).
      await new Promise((r) => setTimeout(r, 5));
      take();
      done += hits;
    }
  } finally {
    await wd.stop();
  }
  return { peer, hits, perBatch, events };
}

// Function name and tier of a "completed compiling"/"completed optimizing"
// line; the deopt reason and function of a bailout line.
function summariseEvents(events) {
  const first = new Map(); // name -> { maglev, turbofan } (hits)
  const deopts = [];
  for (const { after, line } of events) {
    let m = /^\[completed compiling 0x[0-9a-f]+ <JSFunction (\S*) \(sfi[^)]*\)> \(target (MAGLEV|TURBOFAN_JS)\)/.exec(line);
    if (m) {
      const name = m[1] || '(anonymous)';
      const f = first.get(name) ?? { maglev: null, turbofan: null, compiles: 0 };
      f.compiles++;
      if (m[2] === 'MAGLEV') f.maglev ??= after;
      else f.turbofan ??= after;
      first.set(name, f);
      continue;
    }
    m = /^\[bailout \(kind: ([^,]+), reason: ([^)]+)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction (\S*)/.exec(line);
    if (m) deopts.push({ after, kind: m[1], reason: m[2], name: m[3] });
  }
  return { first, deopts };
}

function print(r) {
  const { first, deopts } = summariseEvents(r.events);
  const third = Math.max(1, Math.floor(r.perBatch.length / 3));
  console.log(`${r.peer}: ${r.perBatch.length} batches of ${r.hits} hits`);
  console.log(`  us/hit by batch: ${r.perBatch.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`  median us/hit: first third ${median(r.perBatch.slice(0, third)).toFixed(1)}, last third ${median(r.perBatch.slice(-third)).toFixed(1)}`);
  const rows = [...first].sort((a, b) => (a[1].turbofan ?? Infinity) - (b[1].turbofan ?? Infinity));
  const lastTurbofan = Math.max(0, ...rows.map(([, f]) => f.turbofan ?? 0));
  console.log(`  functions compiled: ${rows.length}; by TurboFan: ${rows.filter(([, f]) => f.turbofan !== null).length}, the last after ${lastTurbofan} hits`);
  for (const [name, f] of rows) console.log(`    ${name.padEnd(26)} Maglev after ${String(f.maglev ?? '-').padStart(6)}  TurboFan after ${String(f.turbofan ?? '-').padStart(6)}  (${f.compiles} compiles)`);
  console.log(`  deoptimisations: ${deopts.length}`);
  for (const d of deopts) console.log(`    after ${d.after}: ${d.name} (${d.kind}: ${d.reason})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--peers');
  const peers = at > 0 ? process.argv[at + 1].split(',') : ['hono cache', 'freshet'];
  for (const peer of peers) print(await tracePeer(peer, { batches: arg('--batches', 60), hits: arg('--hits', 1000) }));
}
