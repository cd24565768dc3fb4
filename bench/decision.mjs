// Decision cost per request: freshet through the real JS -> wasm path
// (worker/engine.js, marshalling included) against http-cache-semantics
// doing the equivalent work, on the same corpus; alternating rounds.
import { readFileSync } from 'node:fs';
import CachePolicy from 'http-cache-semantics';
import { Engine, encodeRecord, requestRecord } from '../worker/engine.js';
import { corpus, manifest, T1, T2 } from './lib/corpus.mjs';
import { median, medianCi95, nsPer } from './lib/stats.mjs';

/** The worker's per-request work: encode once, request, store, lookup. */
export function freshetDecider(module, routes = 10) {
  const eng = new Engine(module, manifest(routes));
  const cases = corpus().map((c) => ({ list: [c.method, c.url, ...c.request.flat()], status: c.status, response: c.response }));
  // Entry metadata as the worker would have stored it (the lookup's input).
  for (const c of cases) {
    const rd = eng.request(requestRecord(c.list));
    const sd = eng.store(requestRecord(c.list), rd.route, c.status, c.response, T1 - 40, T1);
    c.meta = sd.meta || '1;t=1700000000040;a=0;l=60;w=0;e=0;f=0;r=0';
  }
  let sink = 0;
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      for (const c of cases) {
        const record = requestRecord(c.list);
        const rd = eng.request(record);
        const sd = eng.store(record, rd.route, c.status, c.response, T1 - 40, T1);
        const ld = eng.lookup(record, rd.route, c.meta, T2);
        sink += rd.action + sd.action + ld.action + rd.keyUrl.length; // the worker keys the Cache API on keyUrl
      }
    }
    return sink;
  };
  return { run, cases: cases.length, eng };
}

/**
 * The floor of any per-request call into wasm: build the request record
 * as the engine gets it (the fields its manifest reads), write it into
 * linear memory with one encodeInto, make one (empty) call. No engine work
 * at all; what the ABI costs before a decision starts.
 */
export function boundaryFloor(module) {
  const eng = new Engine(module, manifest(10));
  const ex = eng.exports;
  const lists = corpus().map((c) => [c.method, c.url, ...c.request.flat()]);
  const fields = new Set(eng.manifestInfo().requestFields);
  const encoder = new TextEncoder();
  const cap = 1 << 16;
  const view = new Uint8Array(ex.memory.buffer, ex.fr_input(cap), cap);
  let sink = 0;
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      for (const list of lists) sink += encoder.encodeInto(encodeRecord(list, fields), view).written + ex.fr_abi_version();
    }
    return sink;
  };
  return { run, cases: lists.length };
}

/**
 * The engine's own work in a decision, without the JS side: the three
 * calls of freshetDecider (fr_request, fr_store, fr_lookup) on inputs
 * encoded once beforehand (each copied into linear memory with one set(),
 * the request sent in full each time), nothing read from the results.
 * freshet's time less this is what marshalling in worker/engine.js costs
 * (building the lists, encodeInto, reading the results).
 */
export function engineAlone(module) {
  const eng = new Engine(module, manifest(10));
  const ex = eng.exports; // this engine's JS side is not used again (its input buffer is replaced)
  const fields = new Set(eng.manifestInfo().requestFields);
  const stored = new Set(eng.manifestInfo().responseFields);
  const encoder = new TextEncoder();
  const cases = corpus().map((c) => {
    const list = [c.method, c.url, ...c.request.flat()];
    const rd = eng.request(requestRecord(list));
    const meta = eng.store(requestRecord(list), rd.route, c.status, c.response, T1 - 40, T1).meta || '1;t=1700000000040;a=0;l=60;w=0;e=0;f=0;r=0';
    const request = encodeRecord(list, fields);
    const kept = c.response.filter(([name]) => stored.has(name));
    const response = `${1 + 2 * kept.length}\0${c.status}\0${kept.map(([n, v]) => `${n}\0${v}\0`).join('')}`;
    return { route: rd.route, request: encoder.encode(request), store: encoder.encode(request + response), lookup: encoder.encode(`${request}1\0${meta}\0`) };
  });
  const cap = 1 << 16;
  const view = new Uint8Array(ex.memory.buffer, ex.fr_input(cap), cap);
  let sink = 0;
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      for (const c of cases) {
        view.set(c.request);
        sink += ex.fr_request(c.request.length);
        view.set(c.store);
        sink += ex.fr_store(c.store.length, c.route, T1 - 40, T1);
        view.set(c.lookup);
        sink += ex.fr_lookup(c.lookup.length, c.route, T2, 0, 0, 0);
      }
    }
    return sink;
  };
  return { run, cases: cases.length };
}

// The JS equivalent: a cache key from the URL (normalised query), a policy
// from request + response, storable, time to live, and a new request
// evaluated against it (with the response headers it would serve).
function keyOf(url) {
  const u = new URL(url);
  u.searchParams.sort();
  const q = u.searchParams.toString();
  return `${u.protocol}//${u.host}${u.pathname}${q ? `?${q}` : ''}`;
}

export function hcsDecider() {
  const cases = corpus().map((c) => {
    const u = new URL(c.url);
    const req = { method: c.method, url: u.pathname + u.search, headers: Object.fromEntries(c.request) };
    return { url: c.url, req, res: { status: c.status, headers: Object.fromEntries(c.response) } };
  });
  let sink = 0;
  const parts = {
    policy: (n) => {
      for (let i = 0; i < n; i++) for (const c of cases) {
        const p = new CachePolicy(c.req, c.res, { shared: true });
        sink += p.storable() ? 1 : 0;
        sink += p.timeToLive();
      }
    },
    evaluate: (n, policies) => {
      for (let i = 0; i < n; i++) for (let k = 0; k < cases.length; k++) {
        const r = policies[k].evaluateRequest(cases[k].req);
        sink += r.revalidation ? 1 : 0;
      }
    },
    key: (n) => {
      for (let i = 0; i < n; i++) for (const c of cases) sink += keyOf(c.url).length;
    },
  };
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      for (const c of cases) {
        const key = keyOf(c.url);
        const p = new CachePolicy(c.req, c.res, { shared: true });
        const storable = p.storable();
        const ttl = p.timeToLive();
        const r = p.evaluateRequest(c.req);
        sink += key.length + (storable ? 1 : 0) + ttl + (r.revalidation ? 1 : 0);
      }
    }
    return sink;
  };
  const policies = cases.map((c) => new CachePolicy(c.req, c.res, { shared: true }));
  return { run, parts, policies, cases: cases.length };
}

/**
 * Alternating rounds: freshet, (freshet's other build,) http-cache-semantics
 * and the engine alone, in an order rotated round by round, each round
 * `iters` passes over the corpus. Returns medians in ns per decision, and
 * the ratios that are budgets as the median of each round's own ratio with
 * a bootstrap 95% interval: on a shared machine the speed of a whole round
 * drifts (+-30% from one process to the next), and a ratio within the round
 * cancels most of that. With `otherPath` (the other wasm build) its rounds
 * alternate with the first build's (`otherNs`, `otherRatio`).
 */
export function decisionBench(wasmPath, { rounds = 9, iters = 200, otherPath = null } = {}) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const fr = freshetDecider(module);
  const other = otherPath === null ? null : freshetDecider(new WebAssembly.Module(readFileSync(otherPath)));
  const hcs = hcsDecider();
  const floor = boundaryFloor(module);
  const alone = engineAlone(module);
  const timed = {
    freshet: (n) => fr.run(n),
    ...(other === null ? {} : { other: (n) => other.run(n) }),
    hcs: (n) => hcs.run(n),
    alone: (n) => alone.run(n),
    floor: (n) => floor.run(n),
    policy: (n) => hcs.parts.policy(n),
    evaluate: (n) => hcs.parts.evaluate(n, hcs.policies),
    key: (n) => hcs.parts.key(n),
  };
  for (const f of Object.values(timed)) f(iters); // warm up the JITs
  const names = Object.keys(timed);
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = [...names.slice(r % names.length), ...names.slice(0, r % names.length)];
    for (const k of order) samples[k].push(nsPer(timed[k], iters, iters * fr.cases));
  }
  const perRound = (a, b) => samples[a].map((x, i) => x / samples[b][i]);
  const summary = (xs) => ({ median: median(xs), ci95: medianCi95(xs) });
  return {
    cases: fr.cases,
    rounds,
    iters,
    freshetNs: median(samples.freshet),
    otherNs: other === null ? null : median(samples.other),
    hcsNs: median(samples.hcs),
    hcsPolicyNs: median(samples.policy),
    hcsEvaluateNs: median(samples.evaluate),
    hcsKeyNs: median(samples.key),
    floorNs: median(samples.floor),
    aloneNs: median(samples.alone),
    /** http-cache-semantics' time over freshet's, round by round (> 1: freshet is faster). */
    ratio: summary(perRound('hcs', 'freshet')),
    /** The other build's time over the first's, round by round. */
    otherRatio: other === null ? null : summary(perRound('other', 'freshet')),
  };
}

/** Decision cost with 10, 100, 1,000, 10,000 routes, alternating. */
export function scaleBench(wasmPath, { sizes = [10, 100, 1000, 10000], rounds = 7, iters = 150 } = {}) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const deciders = sizes.map((n) => freshetDecider(module, n));
  for (const d of deciders) d.run(iters);
  const samples = sizes.map(() => []);
  for (let r = 0; r < rounds; r++) {
    deciders.forEach((d, i) => samples[i].push(nsPer(d.run, iters, iters * d.cases)));
  }
  return sizes.map((n, i) => ({ routes: n, loaded: deciders[i].eng.routeCount, ns: median(samples[i]) }));
}

/** Isolate cold start in Node: new WebAssembly.Instance + manifest parse. */
export function coldStartBench(wasmPath, { routes = 1000, runs = 31 } = {}) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const text = JSON.stringify(manifest(routes));
  const total = [];
  const instantiate = [];
  for (let i = 0; i < runs; i++) {
    let t = process.hrtime.bigint();
    const eng = new Engine(module, text);
    total.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (eng.routeCount !== routes) throw new Error(`manifest of ${routes} routes loaded ${eng.routeCount}`);
    t = process.hrtime.bigint();
    const inst = new WebAssembly.Instance(module, {});
    inst.exports._initialize?.();
    instantiate.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { routes, manifestBytes: text.length, totalMs: median(total), instantiateMs: median(instantiate) };
}
