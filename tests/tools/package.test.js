// freshet installed the way a team would: `npm pack`, the tarball installed
// into a fresh sample worker project (offline: freshet has no runtime
// dependencies), `createHandler` imported from the package with the built
// module inside it, bundled with `wrangler deploy --dry-run`, and the bundle
// run in workerd in front of an origin.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { ROOT, startOrigin } from '../worker/helpers.js';

const run = promisify(execFile);
// The npm that runs the tests (npm_execpath under `npm test`): a package in
// node_modules may bring an older npm of its own onto the PATH.
const npm = (args, options) => (process.env.npm_execpath
  ? run(process.execPath, [process.env.npm_execpath, ...args], options)
  : run('npm', args, options));
let dir;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'freshet-package-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('npm pack, install into a sample worker, bundle with wrangler, serve in workerd', { timeout: 240_000 }, async () => {
  // 1. The tarball, with the built module inside it.
  const { stdout: packed } = await npm(['pack', '--pack-destination', dir, '--json'], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20 });
  const info = JSON.parse(packed.slice(packed.indexOf('[')))[0];
  const files = info.files.map((f) => f.path);
  for (const f of ['dist/freshet.wasm', 'worker/lib.js', 'worker/lib.d.ts', 'worker/handler.js', 'tools/freshet.mjs', 'schema/manifest.schema.json']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/')), 'sources and tests stay out');
  const tarball = path.join(dir, info.filename);

  // 2. A fresh sample project that depends on it.
  const app = path.join(dir, 'app');
  mkdirSync(path.join(app, 'src'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'sample-worker', private: true, type: 'module', dependencies: { freshet: `file:${tarball}` } }, null, 2));
  writeFileSync(path.join(app, 'src/index.js'), `import wasm from 'freshet/dist/freshet.wasm';
import { createHandler } from 'freshet';

const handler = createHandler({ wasm, manifest: { routes: [{ pattern: '/*', ttl: 60 }] } });

export default {
  fetch: (request, env, ctx) => handler.fetch(request, env, ctx),
};
`);
  writeFileSync(path.join(app, 'wrangler.toml'), `name = "sample-worker"
main = "src/index.js"
compatibility_date = "2026-04-01"

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = false
`);
  await npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: app, timeout: 120_000 });
  assert.ok(existsSync(path.join(app, 'node_modules/freshet/dist/freshet.wasm')));

  // 3. Bundled as wrangler would upload it.
  const out = path.join(dir, 'bundle');
  const { stdout } = await run(path.join(ROOT, 'scripts/wrangler-offline.sh'), ['deploy', '--dry-run', '--outdir', out], { cwd: app, timeout: 120_000 });
  assert.match(stdout, /Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
  assert.ok(readdirSync(out).some((f) => f.endsWith('.wasm')), 'the module is bundled');

  // 4. The bundle in workerd, in front of an origin.
  const origin = await startOrigin({ '/hello': (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`hello ${n}`); } });
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(out, 'index.js'),
    modulesRoot: out,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    cf: false,
    bindings: { ORIGIN: origin.url },
  });
  try {
    await mf.ready;
    const first = await mf.dispatchFetch('https://example.com/hello');
    assert.equal(await first.text(), 'hello 1');
    assert.equal(first.headers.get('x-cache'), 'MISS');
    let second;
    for (let i = 0; i < 50; i++) {
      second = await mf.dispatchFetch('https://example.com/hello');
      await second.text();
      if (second.headers.get('x-cache') === 'HIT') break;
      await new Promise((r) => setTimeout(r, 20)); // the store runs in waitUntil
    }
    assert.equal(second.headers.get('x-cache'), 'HIT');
    assert.equal(origin.hits('/hello'), 1);
  } finally {
    await mf.dispose();
    await origin.close();
  }
});
