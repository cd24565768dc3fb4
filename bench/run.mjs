// freshet's bench (npm run bench): every figure of docs/performance.md from
// one run, printed as a table and written to bench/RESULTS.md.
//   node bench/run.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStartBench, decisionBench, scaleBench } from './decision.mjs';
import { herd, hitPath, memoryFill, startOrigin, startWorkers, stopWorkers, versions } from './e2e.mjs';
import { fleetHerd } from './fleet.mjs';
import { planeBench } from './plane.mjs';
import { corpus, manifest } from './lib/corpus.mjs';
import { fmt, quantile } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'bench');
const quick = process.argv.includes('--quick');
const started = Date.now();
const P = quick
  ? { decision: { rounds: 9, iters: 40 }, scale: { rounds: 5, iters: 40 }, cold: { runs: 5 }, hit: { rounds: 3, seconds: 3, connections: 16 }, herd: { n: 200 }, cg: 20 }
  : { decision: { rounds: 41, iters: 100 }, scale: { rounds: 9, iters: 150 }, cold: { runs: 21 }, hit: { rounds: 5, seconds: 5, connections: 16 }, herd: { n: 200 }, cg: 100 };

const wasi = path.join(ROOT, 'build/wasi/freshet.wasm');
const emscripten = path.join(ROOT, 'build/emscripten/freshet.wasm');
const log = (s) => process.stderr.write(`bench: ${s}\n`);

// 1. Decision cost (JS -> wasm) against http-cache-semantics.
log('decision cost (wasi and Emscripten builds, alternating)');
// The two builds alternate within the same rounds (their ratio is a budget).
const decision = decisionBench(wasi, { ...P.decision, otherPath: emscripten });
const decisionEm = { freshetNs: decision.otherNs };

// 1b. callgrind: instructions per decision of the native core.
// The same driver runs the native core (freshet_bench) or a wasm module
// translated by wasm2c (wasm2c-<build>, bench/wasm2c): the latter counts
// the module's own instructions, repeatable where times are not.
function callgrind(iterations, binary = 'freshet_bench') {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'corpus.json'), JSON.stringify(corpus()));
  writeFileSync(path.join(OUT, 'manifest-10.json'), JSON.stringify(manifest(10)));
  const ir = (n) => {
    const file = path.join(OUT, `callgrind.${binary}.${n}.out`);
    spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, path.join(OUT, binary), path.join(OUT, 'manifest-10.json'), path.join(OUT, 'corpus.json'), String(n)], { encoding: 'utf8' });
    const m = /summary:\s+(\d+)/.exec(readFileSync(file, 'utf8'));
    return Number(m[1]);
  };
  const base = ir(0);
  const full = ir(iterations);
  return { iterations, cases: corpus().length, perDecision: (full - base) / (iterations * corpus().length) };
}
log('callgrind');
const cg = existsSync(path.join(OUT, 'freshet_bench')) ? callgrind(P.cg) : null;
const cgWasm = ['wasi', 'emscripten'].map((b) => (existsSync(path.join(OUT, `wasm2c-${b}`)) ? { build: b, ...callgrind(Math.max(5, P.cg / 4), `wasm2c-${b}`) } : null)).filter(Boolean);

// 4. Scale, cold start, sizes.
log('route scale');
const scale = scaleBench(wasi, P.scale);
log('cold start');
const cold = coldStartBench(wasi, { routes: 1000, ...P.cold });
const sizes = [['wasi', wasi], ['Emscripten', emscripten]].map(([name, f]) => {
  const b = readFileSync(f);
  return { name, raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
});

// 2 + 3. End to end in workerd; thundering herd.
log('end to end in workerd (wrk), then the herd');
const origin = await startOrigin();
const workers = await startWorkers(origin.url);
let hit;
let herdRes;
let memory;
try {
  hit = await hitPath(workers, P.hit);
  herdRes = await herd(workers, origin, P.herd);
  log('memory tier under its caps');
  memory = await memoryFill(workers);
} finally {
  await stopWorkers(workers);
  await origin.close();
}

// 5. The purge plane: a 10,000-purge burst over three locations, and hits
// while the purge log misbehaves.
log('purge plane: a 10,000-purge burst, hits with the purge log slow, 503, down');
const plane = await planeBench({ quick });

// 6. Fleet herd: three locations, with and without the shield (docs/shield.md).
log('fleet herd: three locations, the shield');
const fleet = await fleetHerd(quick ? { n: 600, misses: 30 } : { n: 600, misses: 100 });

// 7. The handler's own CPU per hit, with an in-memory Cache API stand-in,
// in a process of its own: in this one the JIT has already seen
// worker/engine.js driven by the decision bench (other manifests, other
// shapes) and the heap holds every earlier section's garbage: in one run
// that made every figure ~25% higher than in a fresh process, and freshet's
// overhead ~50% higher (docs/performance.md).
log('handler CPU per hit (in-memory Cache API stand-in, workerd and Node, own process)');
// Each workerd peer in a workerd of its own, warmed past V8's tier-up
// (bench/v8trace.mjs: TurboFan takes the hit paths after some tens of
// thousands of hits).
// Many short rounds: in workerd a peer's samples spread by +-30% round to
// round, and the median of the paired differences narrows with their
// number (21 rounds of 5,000 hits left a 95% interval of several us).
const cpuOptions = quick ? { rounds: 5, hits: 2000, warm: 20000 } : { rounds: 120, hits: 2000, warm: 50000 };
const cpuRun = spawnSync(process.execPath, [path.join(ROOT, 'bench/hitcpu.mjs'), '--json', String(cpuOptions.rounds), String(cpuOptions.hits), '--warm', String(cpuOptions.warm), '--isolated'], { encoding: 'utf8' });
if (cpuRun.status !== 0) throw new Error(`bench/hitcpu.mjs failed: ${cpuRun.stderr}`);
const cpu = JSON.parse(cpuRun.stdout);

// Report.
const by = Object.fromEntries(hit.map((h) => [h.name, h]));
const bare = by['bare cache'];
// A/A: the same bare worker twice; its ratio is the run's resolution.
const twin = Math.max(by['bare cache, twin'].rps / bare.rps, bare.rps / by['bare cache, twin'].rps);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB (${n} B)`;
const ratio = decision.ratio.median;
const ci = (c) => `95% CI of the median ${fmt(c.ci95[0], 3)} .. ${fmt(c.ci95[1], 3)}`;
const scaleRatio = scale.at(-1).ns / scale[0].ns;
const budgets = [
  ['hit path >= 0.95x bare cache req/s', `${fmt(by.freshet.rps / bare.rps)}x`, by.freshet.rps / bare.rps >= 0.95],
  ['hit path ahead of Hono cache', `${fmt(by.freshet.rps / by['hono cache'].rps)}x Hono (two identical bare workers: ${fmt(twin)}x)`, by.freshet.rps > by['hono cache'].rps],
  ['memory tier hit path >= 1.5x bare cache', `${fmt(by['freshet memory'].rps / bare.rps)}x`, by['freshet memory'].rps / bare.rps >= 1.5],
  ['memory tier stays under its caps (1,000 entries, 1 MiB)', `${memory.entries} entries, ${kb(memory.bytes)} after ${memory.keys} keys, ${memory.evictions} evictions`, memory.entries <= 1000 && memory.bytes <= 1048576],
  ['per decision faster than http-cache-semantics (aim 2x; http-cache-semantics over freshet, round by round)', `${fmt(ratio)}x (${ci(decision.ratio)})`, decision.ratio.ci95[0] > 1],
  ['Emscripten decision within 1.25x of wasi (round by round)', `${fmt(decision.otherRatio.median)}x (${ci(decision.otherRatio)})`, decision.otherRatio.ci95[1] <= 1.25],
  ...(cgWasm.length === 2 ? [['Emscripten within 1.25x of wasi in wasm instructions per decision (bench/wasm2c, repeatable)', `${fmt(cgWasm[1].perDecision / cgWasm[0].perDecision)}x (${Math.round(cgWasm[1].perDecision)} / ${Math.round(cgWasm[0].perDecision)})`, cgWasm[1].perDecision / cgWasm[0].perDecision <= 1.25]] : []),
  ['10,000 routes <= 1.5x the cost of 10', `${fmt(scaleRatio)}x`, scaleRatio <= 1.5],
  ['cold start (1,000 routes) < 5 ms', `${fmt(cold.totalMs)} ms`, cold.totalMs < 5],
  ...sizes.map((s) => [`wasm ${s.name} <= 200 KB raw`, kb(s.raw), s.raw <= 200 * 1024]),
  ...sizes.map((s) => [`wasm ${s.name} <= 80 KB gzip`, kb(s.gzip), s.gzip <= 80 * 1024]),
  ...Object.entries(cpu).map(([runtime, c]) => {
    // Judged on freshet's time less Hono's in the same round (the direct
    // comparison); each overhead median also carries the bare worker's noise.
    const o = (n) => c.find((x) => x.name === n).overheadUs;
    const d = c.find((x) => x.name === 'freshet').vsHono;
    return [
      `freshet's own CPU per hit <= Hono's (in-memory Cache API stand-in, ${runtime}; freshet less Hono in the same round)`,
      `median ${fmt(d.median, 1)} us (95% CI of the median ${fmt(d.ci95[0], 1)} .. ${fmt(d.ci95[1], 1)}${d.ci95[0] <= 0 && d.ci95[1] >= 0 ? ': either way within it' : ''}; quartiles ${fmt(d.q1, 1)} .. ${fmt(d.q3, 1)}); overheads ${fmt(o('freshet'), 1)} us vs ${fmt(o('hono cache'), 1)} us`,
      d.median <= 0,
    ];
  }),
  ...fleet.herd.filter((h) => h.name === 'freshet + shield').map((h) => [`fleet herd (${h.locations} locations, ${h.n} requests): 1 origin fetch`, `${h.fetches}`, h.fetches === 1]),
  ['purge burst (10,000 over 3 locations): p99 propagation <= 5 s', `p50 ${fmt(plane.burst.p50 / 1000)} s, p99 ${fmt(plane.burst.p99 / 1000)} s`, plane.burst.done && plane.burst.p99 <= 5000],
  ...plane.faults.filter((f) => f.name !== 'healthy').map((f) => [`hit in freshet with the purge log ${f.name}: max <= 50 ms`, `p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms`, f.max <= 50]),
  ...herdRes.filter((h) => h.name === 'freshet').flatMap((h) => [
    ['herd, cold key: 1 origin fetch', `${h.coldFetches}`, h.coldFetches === 1],
    ['herd, expired key: 1 origin fetch', `${h.expiredFetches}`, h.expiredFetches === 1],
  ]),
];

const v = versions();
const gitRev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (with uncommitted changes)' : '';
const lines = [];
const t = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
lines.push('# freshet bench results', '');
lines.push(`Generated by \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run.mjs) on ${new Date().toISOString()}, in ${Math.round((Date.now() - started) / 1000)} s.`);
lines.push(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
lines.push(`Versions: freshet ${gitRev}${dirty}; ${Object.entries(v).map(([k, x]) => `${k} ${x}`).join('; ')}.`);
lines.push('', 'Timings are medians of alternating rounds on a shared, noisy machine: read the ratios, not the absolute figures. Method and commands: docs/performance.md.', '');
lines.push('## Budgets', '');
t('budget', 'measured', 'met');
t('---', '---', '---');
for (const [b, m, ok] of budgets) t(b, m, ok ? 'yes' : '**no**');
lines.push('', '## 1. Decision cost per request', '');
lines.push(`Corpus: ${decision.cases} request/response header sets (bench/lib/corpus.mjs), ${decision.rounds} rounds x ${decision.iters} passes, the order rotated round by round; the ratios are medians of each round's own ratio. freshet: requestRecord + fr_request + fr_store + fr_lookup through worker/engine.js (only the fields the engine reads cross, docs/abi.md). http-cache-semantics: key from the URL (sorted query) + new CachePolicy + storable + timeToLive + evaluateRequest.`, '');
t('what', 'per decision', 'vs freshet (wasi)');
t('---', '---', '---');
t('freshet, wasi build', `${fmt(decision.freshetNs / 1000)} us`, '1.00x');
t('freshet, Emscripten build', `${fmt(decisionEm.freshetNs / 1000)} us`, `${fmt(decisionEm.freshetNs / decision.freshetNs)}x`);
t('http-cache-semantics, all of it', `${fmt(decision.hcsNs / 1000)} us`, `${fmt(decision.hcsNs / decision.freshetNs)}x`);
t('- policy + storable + TTL', `${fmt(decision.hcsPolicyNs / 1000)} us`, '');
t('- evaluateRequest (+ responseHeaders)', `${fmt(decision.hcsEvaluateNs / 1000)} us`, '');
t('- URL key', `${fmt(decision.hcsKeyNs / 1000)} us`, '');
t('the engine alone: the three calls on inputs encoded beforehand, no result read', `${fmt(decision.aloneNs / 1000)} us`, `${fmt(decision.aloneNs / decision.freshetNs)}x`);
t('the ABI floor: request record + one encodeInto + one empty wasm call', `${fmt(decision.floorNs / 1000)} us`, `${fmt(decision.floorNs / decision.freshetNs)}x`);
lines.push('', `The 2x aim leaves ${fmt(decision.hcsNs / 2000)} us per decision here. Of freshet's ${fmt(decision.freshetNs / 1000)} us, the engine's own work in wasm is ${fmt(decision.aloneNs / 1000)} us and worker/engine.js's marshalling (building the lists, encodeInto, reading the results) the other ${fmt((decision.freshetNs - decision.aloneNs) / 1000)} us; marshalling the request record into wasm memory at all (the floor above: the fields the engine reads, one encodeInto, one empty call) takes ${fmt(decision.floorNs / 1000)} us.`);
if (cg) lines.push('', `Native core under callgrind (bench/native, Release, g++): **${Math.round(cg.perDecision)} instructions per decision** (request + store + lookup through the C ABI; (Ir(${cg.iterations} passes) - Ir(0)) / (${cg.iterations} x ${cg.cases})).`);
if (cgWasm.length) lines.push('', `The wasm modules under callgrind (bench/wasm2c: each module translated to C by wasm2c, the same driver): ${cgWasm.map((c) => `${c.build} **${Math.round(c.perDecision)}**`).join(', ')} instructions per decision${cgWasm.length === 2 ? ` (Emscripten ${(cgWasm[1].perDecision / cgWasm[0].perDecision).toFixed(2)}x wasi)` : ''}.`);
lines.push('', '## 2. Hit path end to end in workerd', '');
lines.push(`Each worker in its own Miniflare/workerd on 127.0.0.1 in front of one local origin (2 KiB page, max-age=3600); \`wrk -t1 -c${P.hit.connections} -d${P.hit.seconds}s --latency\`, ${P.hit.rounds} alternating rounds (A B C D A B C D ...), medians.`, '');
t('worker', 'req/s', 'vs bare cache', 'p50 ms', 'p99 ms', 'rounds (req/s)');
t('---', '---', '---', '---', '---', '---');
for (const h of hit) t(h.name, Math.round(h.rps), `${fmt(h.rps / bare.rps)}x`, fmt(h.p50), fmt(h.p99), h.samples.join(' '));
lines.push('', `"bare cache, twin" is the "bare cache" worker again, in its own workerd: the two drift ${fmt(twin)}x apart in this run, so smaller differences between workers are within the noise.`);
lines.push('', '"freshet memory" is the same worker with `storage: "memory"` (the memory tier in front of the Cache API, docs/tiers.md). Memory use under its caps (1,000 entries, 1 MiB, 64 KiB per entry): after ' + `${memory.keys} distinct 2 KiB entries, the tier held ${memory.entries} entries in ${kb(memory.bytes)} (${memory.evictions} evictions, ${memory.hits} hits, ${memory.misses} misses).`);
lines.push('', '## 3. Thundering herd', '');
lines.push(`${P.herd.n} concurrent requests (one connection each) for one key, origin answering after 500 ms; "cold": never requested; "expired": stored with max-age=1, requested 2.5 s later.`, '');
t('worker', 'origin fetches, cold', 'served 200', 'origin fetches, expired', 'served 200');
t('---', '---', '---', '---', '---');
for (const h of herdRes) t(h.name, h.coldFetches, `${h.coldOk}/${h.n}`, h.expiredFetches, `${h.expiredOk}/${h.n}`);
lines.push('', '## 3b. Fleet herd', '');
lines.push(`${fleet.herd[0].n} concurrent requests (one connection each) for one cold key, spread over ${fleet.herd[0].locations} locations (one Miniflare/workerd each, the same Host), origin answering after ${fleet.slowMs} ms. freshet + shield: the shield's Durable Objects in a fourth instance, reached through a service binding (docs/shield.md).`, '');
t('fleet', 'origin fetches', 'served 200');
t('---', '---', '---');
for (const h of fleet.herd) t(h.name, h.fetches, `${h.ok}/${h.n}`);
lines.push('', `What the shield adds to a miss: ${fleet.misses} sequential misses on distinct keys, fast origin, one location.`, '');
t('miss', 'p50 ms', 'p99 ms');
t('---', '---', '---');
for (const [name, c] of Object.entries(fleet.cost)) t(name === 'freshet' ? 'freshet, direct to the origin' : 'freshet, through the shield', fmt(c.p50), fmt(c.p99));
lines.push('', '## 3c. Where freshet\'s own cost goes on a hit', '');
lines.push(`Each worker's time per hit over the same in-memory stand-in for the Cache API (bench/hitcpu.mjs, in a process of its own), so the emulated cache of Miniflare is out of the figure; every hit is a browser's navigation request (12 fields); overhead = the median over the rounds of the time per hit minus the bare worker's in the same round (each round runs the three back to back, in a rotated order). workerd: each worker in a Miniflare (a workerd) of its own, warmed with ${cpuOptions.warm} hits first (V8 in workerd compiles the hit paths with TurboFan only after some tens of thousands of hits, bench/v8trace.mjs), each sample one request running ${cpuOptions.hits} hits, timed from outside. Node: the same code in Node, with undici's Request, Response and Headers. "freshet lean" (workerd only) is freshet with the manifest's "clientHeaders" turning x-cache and Server-Timing off (six answer fields instead of eight). "freshet floor" is not a cache: only the runtime calls a plain freshet HIT makes (the fields it reads and sends), no logic (bench/lib/hit_peers.mjs).`, '');
t('runtime', 'worker', 'per hit', 'overhead per hit', 'rounds: quartiles (us)');
t('---', '---', '---', '---', '---');
for (const [runtime, c] of Object.entries(cpu)) {
  for (const x of c) t(runtime, x.name, `${fmt(x.usPerHit, 1)} us`, `${fmt(x.overheadUs, 1)} us`, `${x.samples.length}: ${fmt(quantile(x.samples, 0.25), 0)} .. ${fmt(quantile(x.samples, 0.75), 0)}`);
}
lines.push('');
for (const [runtime, c] of Object.entries(cpu)) {
  const f = c.find((x) => x.name === 'freshet').vsHono;
  const l = c.find((x) => x.name === 'freshet lean')?.vsHono;
  const leanText = l ? `; "freshet lean" (x-cache and Server-Timing off, docs/manifest.md "Client headers", in an isolate of its own): median ${fmt(l.median, 1)} us, quartiles ${fmt(l.q1, 1)} .. ${fmt(l.q3, 1)} us` : '';
  lines.push(`- ${runtime}: freshet's time per hit less Hono's in the same round: median ${fmt(f.median, 1)} us (95% CI of the median ${fmt(f.ci95[0], 1)} .. ${fmt(f.ci95[1], 1)}), quartiles ${fmt(f.q1, 1)} .. ${fmt(f.q3, 1)} us${leanText}.`);
}
lines.push('', '## 4. Scale, start-up, size', '');
t('routes', 'per decision', 'vs 10 routes');
t('---', '---', '---');
for (const s of scale) t(s.routes, `${fmt(s.ns / 1000)} us`, `${fmt(s.ns / scale[0].ns)}x`);
lines.push('', `Cold start in Node (worker/engine.js): \`new Engine(module, manifest)\` for ${cold.routes} routes (${cold.manifestBytes} bytes of JSON): **${fmt(cold.totalMs)} ms**, of which \`new WebAssembly.Instance\` + \`_initialize\` ${fmt(cold.instantiateMs, 3)} ms (median of ${P.cold.runs}).`, '');
t('module', 'raw', 'gzip -9');
t('---', '---', '---');
for (const s of sizes) t(s.name, kb(s.raw), kb(s.gzip));
lines.push('', '## 5. Purge plane', '');
lines.push(`Three freshet locations (Miniflare instances with separate caches) and the purge log (a Durable Object) in a fourth, reached through a fault-injecting service binding (tests/worker/helpers.js, bench/plane.mjs); default settings (pull every 1 s, max lag 3 s, a request waits at most 50 ms for a pull, 2 s timeout per call).`, '');
lines.push(`**Burst:** 10,000 URL purges in ${plane.burst.calls} admin calls of 1,000, spread over the three locations (all acknowledged after ${fmt(plane.burst.publishMs / 1000)} s); propagation of each purge to each other location, from its call's acknowledgement to the first poll that saw the location's view hold it: **p50 ${fmt(plane.burst.p50)} ms, p99 ${fmt(plane.burst.p99)} ms** (${plane.burst.samples} purge x location samples); the slowest hit meanwhile took ${plane.burst.worstHitMs} ms in freshet.`, '');
t('purge log', 'requests', 'in freshet p50 ms', 'p99 ms', 'max ms', 'round trip p99 ms', 'answers', 'origin requests');
t('---', '---', '---', '---', '---', '---', '---', '---');
for (const f of plane.faults) t(f.name, `${f.n} over ~${fmt(f.seconds * 1.2)} s`, f.p50, f.p99, f.max, fmt(f.totalP99), Object.entries(f.kinds).map(([k, v]) => `${k} ${v}`).join(', '), f.originRequests);
lines.push('', 'Past the max lag without a successful pull, a stored copy is revalidated with the origin (conditionally; here a 304) before it is served, once per key per max lag: the REVALIDATED answers and origin requests above are that policy\'s cost (docs/admin.md "Guarantees").');
lines.push('');
const md = lines.join('\n');
writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), md);
process.stdout.write(md + '\n');
