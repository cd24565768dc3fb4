// Where a decision's time goes, call by call: each of the decision bench's
// three calls (bench/decision.mjs freshetDecider) through worker/engine.js,
// against the same call on inputs encoded beforehand (the engine alone, as
// in engineAlone). The difference is worker/engine.js's marshalling for
// that call: building the list, encodeInto, reading the result.
//
//   node bench/decision_split.mjs [--rounds R] [--iters N] [--wasm path]
//
// Rounds in an order rotated round by round; medians in ns per decision.
// Prints numbers, never fails on them.
import { readFileSync } from 'node:fs';
import { Engine, encodeRecord, requestRecord } from '../worker/engine.js';
import { numberArg } from './lib/args.mjs';
import { corpus, manifest, T1, T2 } from './lib/corpus.mjs';
import { median, nsPer } from './lib/stats.mjs';

const rounds = numberArg('--rounds', 31);
const iters = numberArg('--iters', 100);
const at = process.argv.indexOf('--wasm');
const module = new WebAssembly.Module(readFileSync(at > 0 ? process.argv[at + 1] : 'build/wasi/freshet.wasm'));

const FALLBACK_META = '1;t=1700000000040;a=0;l=60;w=0;e=0;f=0;r=0';
const eng = new Engine(module, manifest(10));
const cases = corpus().map((c) => ({ list: [c.method, c.url, ...c.request.flat()], status: c.status, response: c.response }));
for (const c of cases) {
  c.rd = eng.request(requestRecord(c.list));
  c.meta = eng.store(requestRecord(c.list), c.rd.route, c.status, c.response, T1 - 40, T1).meta || FALLBACK_META;
}

// The engine alone: another instance, its inputs encoded once. The store and
// the lookup send the empty request list (the engine keeps the request the
// call before sent), as worker/engine.js does within one request.
const raw = new Engine(module, manifest(10)).exports;
const fields = new Set(eng.manifestInfo().requestFields);
const stored = new Set(eng.manifestInfo().responseFields);
const encoder = new TextEncoder();
const inputs = cases.map((c) => {
  const kept = c.response.filter(([name]) => stored.has(name));
  const response = `${1 + 2 * kept.length}\0${c.status}\0${kept.map(([n, v]) => `${n}\0${v}\0`).join('')}`;
  return {
    route: c.rd.route,
    request: encoder.encode(encodeRecord(c.list, fields)),
    store: encoder.encode(`0\0${response}`),
    lookup: encoder.encode(`0\x001\0${c.meta}\0`),
  };
});
const view = new Uint8Array(raw.memory.buffer, raw.fr_input(1 << 16), 1 << 16);

let sink = 0;
const timed = {
  request: (n) => {
    for (let i = 0; i < n; i++) for (const c of cases) sink += eng.request(requestRecord(c.list)).action;
  },
  requestAlone: (n) => {
    for (let i = 0; i < n; i++) {
      for (const b of inputs) {
        view.set(b.request);
        sink += raw.fr_request(b.request.length);
      }
    }
  },
  requestStore: (n) => {
    for (let i = 0; i < n; i++) {
      for (const c of cases) {
        const record = requestRecord(c.list);
        eng.request(record);
        sink += eng.store(record, c.rd.route, c.status, c.response, T1 - 40, T1).action;
      }
    }
  },
  requestStoreAlone: (n) => {
    for (let i = 0; i < n; i++) {
      for (const b of inputs) {
        view.set(b.request);
        sink += raw.fr_request(b.request.length);
        view.set(b.store);
        sink += raw.fr_store(b.store.length, b.route, T1 - 40, T1);
      }
    }
  },
  requestLookup: (n) => {
    for (let i = 0; i < n; i++) {
      for (const c of cases) {
        const record = requestRecord(c.list);
        eng.request(record);
        sink += eng.lookup(record, c.rd.route, c.meta, T2).action;
      }
    }
  },
  requestLookupAlone: (n) => {
    for (let i = 0; i < n; i++) {
      for (const b of inputs) {
        view.set(b.request);
        sink += raw.fr_request(b.request.length);
        view.set(b.lookup);
        sink += raw.fr_lookup(b.lookup.length, b.route, T2, 0, 0, 0);
      }
    }
  },
};
const names = Object.keys(timed);
for (const k of names) timed[k](iters); // warm up
const samples = Object.fromEntries(names.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const k of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) samples[k].push(nsPer(timed[k], iters, iters * cases.length));
}
const m = Object.fromEntries(names.map((k) => [k, median(samples[k])]));
const rows = [
  ['fr_request', m.requestAlone, m.request - m.requestAlone],
  ['fr_store', m.requestStoreAlone - m.requestAlone, m.requestStore - m.request - (m.requestStoreAlone - m.requestAlone)],
  ['fr_lookup', m.requestLookupAlone - m.requestAlone, m.requestLookup - m.request - (m.requestLookupAlone - m.requestAlone)],
];
console.log(`ns per decision, median of ${rounds} rounds x ${iters} passes over ${cases.length} cases (sink ${sink % 10})`);
console.log('call        engine  marshalling');
for (const [name, engine, glue] of rows) console.log(`${name.padEnd(10)} ${engine.toFixed(0).padStart(7)} ${glue.toFixed(0).padStart(12)}`);
console.log(`${'all'.padEnd(10)} ${rows.reduce((a, r) => a + r[1], 0).toFixed(0).padStart(7)} ${rows.reduce((a, r) => a + r[2], 0).toFixed(0).padStart(12)}`);
