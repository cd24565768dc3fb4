// Decision cost per request: freshet through the real JS -> wasm path
// (worker/engine.js, marshalling included) against http-cache-semantics
// doing the equivalent work, on the same corpus; alternating rounds.
import { readFileSync } from 'node:fs';
import CachePolicy from 'http-cache-semantics';
import { Engine, encodeRecord, requestRecord } from '../worker/engine.js';
import { corpus, manifest, T1, T2 } from './lib/corpus.mjs';
import { median, nsPer } from './lib/stats.mjs';

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
 * Alternating rounds: freshet, (freshet's other build,) http-cache-semantics,
 * freshet, ... each round `iters` passes over the corpus. Returns medians in
 * ns per decision. With `otherPath` (the other wasm build) its rounds
 * alternate with the first build's, so the two are compared over the same
 * stretch of a noisy machine (`otherNs`).
 */
export function decisionBench(wasmPath, { rounds = 9, iters = 200, otherPath = null } = {}) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const fr = freshetDecider(module);
  const other = otherPath === null ? null : freshetDecider(new WebAssembly.Module(readFileSync(otherPath)));
  const hcs = hcsDecider();
  const floor = boundaryFloor(module);
  fr.run(iters); // warm up both JITs
  other?.run(iters);
  hcs.run(iters);
  floor.run(iters);
  const a = [];
  const o = [];
  const b = [];
  const f = [];
  const parts = { policy: [], evaluate: [], key: [] };
  for (let r = 0; r < rounds; r++) {
    a.push(nsPer(fr.run, iters, iters * fr.cases));
    if (other !== null) o.push(nsPer(other.run, iters, iters * other.cases));
    b.push(nsPer(hcs.run, iters, iters * hcs.cases));
    parts.policy.push(nsPer(hcs.parts.policy, iters, iters * hcs.cases));
    parts.evaluate.push(nsPer((n) => hcs.parts.evaluate(n, hcs.policies), iters, iters * hcs.cases));
    parts.key.push(nsPer(hcs.parts.key, iters, iters * hcs.cases));
    f.push(nsPer(floor.run, iters, iters * floor.cases));
  }
  return {
    cases: fr.cases,
    rounds,
    iters,
    freshetNs: median(a),
    otherNs: other === null ? null : median(o),
    hcsNs: median(b),
    hcsPolicyNs: median(parts.policy),
    hcsEvaluateNs: median(parts.evaluate),
    hcsKeyNs: median(parts.key),
    floorNs: median(f),
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
