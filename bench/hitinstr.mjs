// The hit-CPU bench counted in instructions instead of timed: the same
// bundle, peers and in-memory Cache API stand-in as bench/hitcpu.mjs, with
// workerd run under Valgrind's callgrind (through MINIFLARE_WORKERD_PATH),
// which counts every instruction workerd executes (its threads summed).
// The count does not move with the machine's load, but it is not exact
// either: it sums every thread, V8's background compiler and garbage
// collector included, and when they run differs from run to run. Within
// one run the rounds of a worker agree to a few per cent; between runs
// freshet less Hono has moved by about 15k instructions per hit (of
// ~250k), against the +-10 us (of ~90 us) a timed run resolves on this
// shared machine. A round now and then counts millions per hit (a full
// collection or a compile landing in it): the median ignores it.
//
// Each sample zeroes the counters (vgdb "zero"), runs one request of N
// hits of one peer and reads the counters back (vgdb "status internal");
// the instructions of a request with no hits are taken off, and the
// remainder divided by N. Rounds run the peers in a rotated order, and the
// figure is the median over the rounds. An instruction is not a fixed
// time (V8's compiled code and the runtime's C++ run at different rates,
// and callgrind models no cache), so this ranks workers and measures a
// change to one, while hitcpu.mjs stays the figure in microseconds.
//
//   node bench/hitinstr.mjs [--rounds R] [--hits N] [--warm W] [--peers a,b] [--main-thread]
//   node bench/hitinstr.mjs --isolated P [--rounds R] ...
//   node bench/hitinstr.mjs ... --v8-flags "--flag1 --flag2"
//
// --v8-flags runs workerd from a text config that passes V8 those flags
// (bench/lib/workerd_direct.mjs) instead of through Miniflare, which has
// no option for them. The warm-up runs in requests of 1,000 hits: V8 in
// workerd compiles the hit paths with TurboFan only after some tens of
// thousands of hits (bench/v8trace.mjs), so W decides which code is
// counted.
//
// --isolated P runs each worker alone in a workerd of its own, started P
// times (hitInstructionsIsolated below): the comparison between workers to
// trust, since within one process V8's state moves a worker's count by up
// to a quarter for identical code, and workers sharing an isolate change
// each other's counts. It counts the main thread.
// --main-thread counts workerd's main thread alone (where the isolate
// runs), leaving out V8's background threads: ~1-5k instructions per hit
// that land in some rounds and not others.
//
// Needs valgrind (Debian package `valgrind`); under it workerd runs about
// 50 times slower, so the defaults take about two minutes. Prints numbers,
// never fails on them.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { workerModules } from './hitcpu.mjs';
import { numberArg as arg } from './lib/args.mjs';
import { median, quantile } from './lib/stats.mjs';
import { getOnce, startWorkerd } from './lib/workerd_direct.mjs';
import { benchWorkerFiles } from './v8trace.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PEERS = ['bare cache', 'hono cache', 'freshet', 'freshet lean', 'freshet floor'];

function hasTool(name) {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A workerd that runs under callgrind and leaves its process id (the
// valgrind process, which exec keeps) where this script reads it; `name`
// tells the instances of one run apart.
function callgrindWorkerd(dir, name) {
  // The binary Miniflare would run (the workerd package's default export).
  const binary = createRequire(import.meta.url)('workerd').default;
  const pidFile = path.join(dir, `workerd-${name}.pid`);
  const script = path.join(dir, `workerd-callgrind-${name}.sh`);
  writeFileSync(script, [
    '#!/bin/sh',
    `echo $$ > '${pidFile}'`,
    `exec valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null --log-file='${path.join(dir, `valgrind-${name}.log`)}' '${binary}' "$@"`,
    '',
  ].join('\n'));
  chmodSync(script, 0o755);
  return { script, pid: () => readFileSync(pidFile, 'utf8').trim() };
}

// Instructions counted since the last zero: all threads, or with
// `mainOnly` the main thread's alone (thread 1, where workerd runs the
// isolate: V8's background compiler and concurrent marking left out).
function counted(pid, mainOnly) {
  const out = execFileSync('vgdb', [`--pid=${pid}`, 'status', 'internal'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  let sum = 0;
  for (const m of out.matchAll(/^events-(\d+): (\d+)$/gm)) if (!mainOnly || m[1] === '1') sum += Number(m[2]);
  return sum;
}

function rotated(list, r) {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

// One workerd under callgrind (`name` tells the instances of a run apart)
// running the bench worker; with `lean`, its freshet peer is "freshet lean"
// (lean=1 on the first request). run(peer, n) runs n hits of one peer and
// answers the last answer's Cache-Status; count(peer, n) the instructions
// that took (mainOnly: the main thread's).
// With `v8Flags`, workerd runs from a text config that carries them
// (bench/lib/workerd_direct.mjs), not through Miniflare.
async function callgrindInstance(dir, name, { lean = false, modules, mainOnly, v8Flags = [] }) {
  if (v8Flags.length > 0) return directCallgrindInstance(dir, name, { lean, mainOnly, v8Flags });
  const { script, pid } = callgrindWorkerd(dir, name);
  const before = process.env.MINIFLARE_WORKERD_PATH;
  process.env.MINIFLARE_WORKERD_PATH = script;
  const mf = new Miniflare({ host: '127.0.0.1', cf: false, compatibilityDate: '2026-04-01', ...modules });
  try {
    await mf.ready;
  } finally {
    if (before === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = before;
  }
  const run = async (peer, n, stored = 0) => {
    const res = await mf.dispatchFetch(`http://localhost/?peer=${encodeURIComponent(peer === 'freshet lean' ? 'freshet' : peer)}&n=${n}&stored=${stored}${lean ? '&lean=1' : ''}`);
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`hitcpu worker answered ${res.status}`);
    return res.headers.get('x-last-status');
  };
  return peerRunner({ run, pid, mainOnly, dispose: () => mf.dispose() });
}

// warm() and count() over run(peer, n, stored) of one workerd under
// callgrind whose process id pid() answers.
function peerRunner({ run, pid, mainOnly, dispose }) {
  let id = null;
  return {
    // Warms `peer` with `warm` hits (the first three stored and settled),
    // in requests of at most 1,000 (under callgrind a hit takes ~10 ms, and
    // a request may not run for minutes).
    async warm(peer, warm) {
      let status = await run(peer, 3 + Math.min(warm, 1000), 3);
      for (let left = warm - Math.min(warm, 1000); left > 0; left -= 1000) status = await run(peer, Math.min(left, 1000));
      if (peer.startsWith('freshet') && peer !== 'freshet floor' && !/^freshet; hit/.test(status)) throw new Error(`${peer} answered ${status}, not a hit`);
    },
    async count(peer, n) {
      id ??= pid();
      execFileSync('vgdb', [`--pid=${id}`, 'zero'], { stdio: 'ignore' });
      await run(peer, n);
      return counted(id, mainOnly);
    },
    dispose,
  };
}

// callgrindInstance's twin for a workerd started from a text config with
// V8 flags; the bench worker's files are copied into its own directory.
async function directCallgrindInstance(dir, name, { lean, mainOnly, v8Flags }) {
  const own = path.join(dir, `direct-${name}`);
  const wd = await startWorkerd({
    dir: own,
    modules: benchWorkerFiles(own),
    v8Flags,
    wrap: ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null', `--log-file=${path.join(own, 'valgrind.log')}`],
  });
  return peerRunner({
    run: async (peer, n, stored = 0) => {
      const res = await getOnce(`${wd.url}/?peer=${encodeURIComponent(peer === 'freshet lean' ? 'freshet' : peer)}&n=${n}&stored=${stored}${lean ? '&lean=1' : ''}`);
      if (res.status !== 204) throw new Error(`hitcpu worker answered ${res.status}`);
      return res.headers['x-last-status'];
    },
    pid: () => String(wd.pid),
    mainOnly,
    dispose: () => wd.stop(),
  });
}

// Per worker: the median of its samples, its overhead over the bare
// worker's and its difference to Hono's, sample by sample (the same round,
// or the same repetition).
function summarised(samples) {
  const bare = samples['bare cache'];
  const hono = samples['hono cache'];
  return Object.entries(samples).map(([name, s]) => {
    const vs = hono ? s.map((x, r) => x - hono[r]) : [];
    return {
      name,
      perHit: median(s),
      overhead: bare ? median(s.map((x, r) => x - bare[r])) : NaN,
      vsHono: { median: median(vs), q1: quantile(vs, 0.25), q3: quantile(vs, 0.75) },
      samples: s,
    };
  });
}

/**
 * Every peer in one isolate ("freshet lean" in a second one), the rounds
 * rotating through them.
 * @param {{ rounds?: number, hits?: number, warm?: number, peers?: string[], mainOnly?: boolean }} [o] peers: a subset of the
 *   five (the bare worker and Hono's are needed for the overheads);
 *   modules: Miniflare's modules options (default the bundle of bench/workers/hitcpu.js)
 * @returns {Promise<{ name: string, perHit: number, overhead: number, vsHono: {median: number, q1: number, q3: number}, samples: number[] }[] | null>} null without valgrind
 */
export async function hitInstructions({ rounds = 5, hits = 500, warm = 1500, peers = PEERS, modules = workerModules(), mainOnly = false, v8Flags = [] } = {}) {
  if (!hasTool('valgrind')) return null; // vgdb comes in the same package
  const dir = path.join(ROOT, 'build', 'bench-hitinstr');
  mkdirSync(dir, { recursive: true });
  const instances = [];
  try {
    const main = await callgrindInstance(dir, 'peers', { modules, mainOnly, v8Flags });
    instances.push(main);
    let lean = null;
    if (peers.includes('freshet lean')) instances.push((lean = await callgrindInstance(dir, 'lean', { lean: true, modules, mainOnly, v8Flags })));
    const at = (peer) => (peer === 'freshet lean' ? lean : main);
    for (const name of peers) await at(name).warm(name, warm);
    const samples = Object.fromEntries(peers.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      // A request with no hits, in each workerd: taken off its peers' counts.
      const empty = await main.count(peers[0], 0);
      const emptyLean = lean ? await lean.count('freshet lean', 0) : 0;
      for (const name of rotated(peers, r)) samples[name].push(((await at(name).count(name, hits)) - (name === 'freshet lean' ? emptyLean : empty)) / hits);
    }
    return summarised(samples);
  } finally {
    for (const i of instances) await i.dispose();
  }
}

/**
 * Each peer alone in a workerd of its own, started afresh `processes`
 * times (the peers in a rotated order each time): the figure of a peer is
 * the median over the processes of each process's median over `rounds`
 * samples. V8's state in one process (when code got optimized, how large
 * the young generation grew) moves a worker's count by up to ~25% for the
 * whole life of the process, identical code alike, and peers sharing an
 * isolate change each other's counts: this mode leaves both out of the
 * comparison, at the price of a start-up per sample.
 * @param {{ processes?: number, rounds?: number, hits?: number, warm?: number, peers?: string[], mainOnly?: boolean }} [o]
 */
export async function hitInstructionsIsolated({ processes = 5, rounds = 3, hits = 500, warm = 1500, peers = PEERS, modules = workerModules(), mainOnly = true, v8Flags = [] } = {}) {
  if (!hasTool('valgrind')) return null;
  const dir = path.join(ROOT, 'build', 'bench-hitinstr');
  mkdirSync(dir, { recursive: true });
  const samples = Object.fromEntries(peers.map((k) => [k, []]));
  for (let p = 0; p < processes; p++) {
    for (const name of rotated(peers, p)) {
      const one = await callgrindInstance(dir, 'alone', { lean: name === 'freshet lean', modules, mainOnly, v8Flags });
      try {
        await one.warm(name, warm);
        const counts = [];
        for (let r = 0; r < rounds; r++) {
          const empty = await one.count(name, 0);
          counts.push(((await one.count(name, hits)) - empty) / hits);
        }
        samples[name].push(median(counts));
      } finally {
        await one.dispose();
      }
    }
  }
  return summarised(samples);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--peers');
  const peers = at > 0 ? process.argv[at + 1].split(',') : PEERS;
  const processes = arg('--isolated', 0);
  const flagsAt = process.argv.indexOf('--v8-flags');
  const v8Flags = flagsAt > 0 ? process.argv[flagsAt + 1].split(' ').filter(Boolean) : [];
  const o = { rounds: arg('--rounds', processes ? 3 : 5), hits: arg('--hits', 500), warm: arg('--warm', 1500), peers, mainOnly: processes > 0 || process.argv.includes('--main-thread'), v8Flags };
  const results = processes ? await hitInstructionsIsolated({ ...o, processes }) : await hitInstructions(o);
  if (results === null) {
    console.log('hitinstr: valgrind is not installed (apt-get install valgrind); nothing measured');
    process.exit(0);
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(results) + '\n');
    process.exit(0);
  }
  const k = (x) => `${(x / 1000).toFixed(1)}k`;
  const layout = processes ? `each worker alone in a workerd, ${processes} processes x ${o.rounds} samples` : `${o.rounds} rounds`;
  const flags = v8Flags.length ? `, V8 flags ${v8Flags.join(' ')}` : '';
  console.log(`workerd under callgrind, instructions per hit (${layout} of ${o.hits} hits after ${o.warm}, ${o.mainOnly ? 'the main thread' : 'all threads'}${flags}):`);
  for (const r of results) console.log(`  ${r.name.padEnd(14)} ${k(r.perHit).padStart(7)}  overhead ${(Number.isNaN(r.overhead) ? '-' : k(r.overhead)).padStart(6)}  rounds ${r.samples.map(k).join(' ')}`);
  for (const name of ['freshet', 'freshet lean']) {
    const f = results.find((r) => r.name === name)?.vsHono;
    if (f && peers.includes('hono cache')) console.log(`  ${name} less hono, same round: median ${k(f.median)}, quartiles ${k(f.q1)} .. ${k(f.q3)}`);
  }
}
