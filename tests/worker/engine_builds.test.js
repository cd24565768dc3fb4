// Both wasm builds survive memory growth: a large manifest makes the
// module grow its memory (bindings/wasm_malloc.c calls memory.grow), and
// the worker's views of linear memory follow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, requestRecord } from '../../worker/engine.js';
import { RequestAction } from '../../worker/abi.js';
import { wasmPath } from './helpers.js';

for (const build of ['wasi', 'emscripten']) {
  test(`${build}: a 5,000-route manifest loads and decides after memory growth`, () => {
    const module = new WebAssembly.Module(readFileSync(wasmPath(build)));
    const routes = Array.from({ length: 5000 }, (_, i) => ({ name: `r${i}`, pattern: `/section-${i}/:id`, ttl: 60, tags: [`s:${i}`, 'item:{id}'] }));
    const eng = new Engine(module, { routes });
    assert.equal(eng.routeCount, 5000);
    const rd = eng.request(requestRecord(['GET', 'https://example.com/section-4999/abc']));
    assert.equal(rd.action, RequestAction.LOOKUP);
    assert.equal(rd.routeName, 'r4999');
    assert.equal(rd.tags, 's:4999,item:abc');
    // A large request record grows memory again.
    const big = requestRecord(['GET', 'https://example.com/section-1/x', 'x-big', 'y'.repeat(2_000_000)]);
    assert.equal(eng.request(big).routeName, 'r1');
  });
}
