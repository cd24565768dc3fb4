// worker/lib.d.ts and the TypeScript usage example type-check with tsc, and
// a misuse of the API does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../worker/helpers.js';

const tsc = (args) => spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), ...args], { cwd: ROOT, encoding: 'utf8' });

test('examples/typed-worker.ts type-checks against worker/lib.d.ts', () => {
  const r = tsc(['-p', 'examples/tsconfig.json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('a misuse is a type error (keyParts answering a string)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-types-'));
  try {
    const file = path.join(dir, 'misuse.ts');
    writeFileSync(file, `import { createHandler } from '${path.join(ROOT, 'worker/lib.js')}';
declare const wasm: WebAssembly.Module;
createHandler({ wasm, manifest: {}, keyParts: () => 'tenant-a' });
`);
    const r = tsc(['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', file]);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /TS2322.*KeyParts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
