// `wrangler deploy --dry-run` bundles the worker, the manifest and the wasm
// module offline: what `wrangler deploy` would upload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './helpers.js';

const run = promisify(execFile);

test('wrangler deploy --dry-run bundles the worker with its wasm offline', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'freshet-deploy-'));
  try {
    const { stdout } = await run(path.join(ROOT, 'scripts/wrangler-offline.sh'), ['deploy', '--dry-run', '--outdir', out], {
      cwd: ROOT,
      timeout: 120_000,
    });
    const size = stdout.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
    assert.ok(size, stdout);
    assert.ok(Number(size[2]) < 1024, 'under the 1 MiB free-plan limit');
    const files = readdirSync(out);
    const wasm = files.find((f) => f.endsWith('freshet.wasm'));
    assert.ok(wasm, files.join(', '));
    assert.equal(statSync(path.join(out, wasm)).size, statSync(path.join(ROOT, 'dist/freshet.wasm')).size);
    const manifest = files.find((f) => f.endsWith('freshet.manifest.json'));
    assert.ok(manifest, 'the manifest is bundled as a text module');
    const bundle = readFileSync(path.join(out, 'index.js'), 'utf8');
    assert.match(bundle, new RegExp(wasm.replace(/\./g, '\\.')));
    assert.match(bundle, /createHandler/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
