#!/usr/bin/env node
// The public HTTP cache test suite (npm http-cache-tests, cache-tests.fyi)
// against the real freshet worker in workerd.
//
//   npm run conformance                      the whole suite; summary in tests/conformance/out/
//   npm run conformance -- --id <test-id>    one test, with the suite's request/response dump
//   options: --no-build (use the wasm as built), --wasm wasi|emscripten,
//            --serve N (debugging: start origin + worker, wait N s, no suite)
//
// What runs, all on 127.0.0.1:
//   1. the suite's origin (server/server.mjs), kept on loopback by loopback.mjs;
//   2. the worker (worker/index.js + the built wasm) in workerd through
//      Miniflare, with ORIGIN pointing at (1) and FRESHET_MANIFEST set to
//      tests/conformance/manifest.json (a plain RFC 9111 shared cache: no
//      route TTL, request directives honoured, no bypass headers). Real
//      clock: FRESHET_TEST_MODE is not set;
//   3. the suite's CLI with its base URL at (2).
// Results: out/results.json (raw: test id -> true | [error, message]),
// out/summary.json and out/summary.md (per group: passed, required failed,
// optimal failed, check failed), and the summary table on stdout.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Miniflare } from 'miniflare';
import { summarize, formatSummary } from './summary.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const SUITE = path.join(ROOT, 'node_modules', 'http-cache-tests');
const OUT = path.join(HERE, 'out');

function parseArgs(argv) {
  const o = { build: true, wasm: 'wasi', id: '', serve: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') o.build = false;
    else if (a === '--wasm') o.wasm = argv[++i];
    else if (a === '--id') o.id = argv[++i];
    else if (a === '--serve') o.serve = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function startSuiteOrigin(port) {
  mkdirSync(OUT, { recursive: true });
  const child = spawn(process.execPath, ['server/server.mjs'], {
    cwd: SUITE,
    env: {
      ...process.env,
      npm_config_port: String(port),
      npm_config_pidfile: path.join(OUT, 'origin.pid'),
      npm_config_protocol: 'http',
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(HERE, 'loopback.mjs')).href}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  return { child, log };
}

async function startWorker({ originUrl, port, wasmFile }) {
  const dir = path.join(ROOT, 'worker');
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : a.localeCompare(b)))
    .map((f) => ({ type: 'ESModule', path: path.join(dir, f) }));
  modules.push({ type: 'CompiledWasm', path: path.join(ROOT, 'dist', 'freshet.wasm'), contents: readFileSync(wasmFile) });
  modules.push({ type: 'Text', path: path.join(ROOT, 'freshet.manifest.json'), contents: readFileSync(path.join(ROOT, 'freshet.manifest.json'), 'utf8') });
  const mf = new Miniflare({
    modules,
    modulesRoot: ROOT,
    compatibilityDate: '2026-04-01',
    cf: false,
    host: '127.0.0.1',
    port,
    bindings: {
      ORIGIN: originUrl,
      // The plain RFC 9111 profile: origin freshness only, request
      // directives honoured, every header forwarded (the suite's server
      // needs its Req-Num / Test-ID), Set-Cookie answers stored as a
      // classic proxy may (docs/conformance.md).
      FRESHET_MANIFEST: readFileSync(path.join(HERE, 'manifest.json'), 'utf8'),
    },
  });
  await mf.ready;
  return mf;
}

function runCli({ base, id }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', 'cli.mjs'], {
      cwd: SUITE,
      env: { ...process.env, npm_package_config_id: id, npm_config_id: id, npm_config_base: base },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (id) process.stdout.write(d); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`suite CLI exited with ${code}`))));
  });
}

async function loadSuiteDefinitions() {
  const tests = (await import(pathToFileURL(path.join(SUITE, 'tests', 'index.mjs')).href)).default;
  const surrogate = (await import(pathToFileURL(path.join(SUITE, 'tests', 'surrogate-control.mjs')).href)).default;
  return [...tests, surrogate];
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(SUITE)) throw new Error('http-cache-tests is not installed: run npm ci');
  if (opts.build) {
    const b = spawnSync('bash', ['scripts/build.sh', 'wasm'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error('wasm build failed');
  }
  const wasmFile = path.join(ROOT, 'build', opts.wasm, 'freshet.wasm');
  if (!existsSync(wasmFile)) throw new Error(`${wasmFile} is missing: run bash scripts/build.sh wasm`);

  const originPort = await freePort();
  const workerPort = await freePort();
  const origin = startSuiteOrigin(originPort);
  let mf;
  const started = Date.now();
  try {
    await waitForPort(originPort);
    mf = await startWorker({ originUrl: `http://127.0.0.1:${originPort}`, port: workerPort, wasmFile });
    const base = `http://127.0.0.1:${workerPort}`;
    if (opts.serve > 0) {
      // Debugging: keep both up for N seconds (bounded) and print where.
      console.log(`origin http://127.0.0.1:${originPort}  worker ${base}  (for ${opts.serve} s)`);
      await new Promise((r) => setTimeout(r, Math.min(opts.serve, 600) * 1000));
      return;
    }
    const out = await runCli({ base, id: opts.id });
    if (opts.id) return;
    const results = JSON.parse(out);
    const suites = await loadSuiteDefinitions();
    const summary = summarize(suites, results);
    summary.run = {
      date: new Date(started).toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      wasm: opts.wasm,
      suite: JSON.parse(readFileSync(path.join(SUITE, 'package.json'), 'utf8')).version,
      node: process.version,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(OUT, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const text = formatSummary(summary);
    writeFileSync(path.join(OUT, 'summary.md'), text);
    process.stdout.write(text);
  } finally {
    await mf?.dispose().catch(() => {});
    origin.child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
