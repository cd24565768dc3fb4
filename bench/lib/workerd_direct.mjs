// A workerd started from a text config written here, not through
// Miniflare: the config can carry V8 flags (workerd's Config.v8Flags, which
// Miniflare's options do not reach), and the process can be wrapped in a
// tool (valgrind). Serves one worker of ES modules and wasm modules on
// 127.0.0.1. Used by the benches that look inside V8 (bench/v8trace.mjs,
// bench/hitinstr.mjs --v8-flags); never by tests.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const capnpString = (s) => JSON.stringify(s); // capnp text strings take JSON's escapes

/**
 * GET `url` on a connection of its own, with no time limit (under callgrind
 * one request of the bench worker can run for minutes, and a kept-alive
 * connection that workerd closes between two requests would reset the
 * next one). Resolves { status, headers } once the body is read.
 */
export function getOnce(url) {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, timeout: 0 }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * The text config of one worker whose modules (files in `dir`, the first
 * the entry point) are embedded, listening on 127.0.0.1:`port`.
 * @param {{ modules: { name: string, type: 'esModule'|'wasm' }[], port: number, v8Flags?: string[], compatibilityDate?: string }} o
 */
export function workerConfig({ modules, port, v8Flags = [], compatibilityDate = '2026-04-01' }) {
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  services = [(name = "main", worker = .bench)],',
    `  sockets = [(name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "main")],`,
    `  v8Flags = [${v8Flags.map(capnpString).join(', ')}],`,
    ');',
    'const bench :Workerd.Worker = (',
    `  modules = [${modules.map((m) => `(name = ${capnpString(m.name)}, ${m.type} = embed ${capnpString(m.name)})`).join(', ')}],`,
    `  compatibilityDate = ${capnpString(compatibilityDate)},`,
    ');',
    '',
  ].join('\n');
}

/**
 * Starts workerd on `dir`'s config; resolves once it answers on its port.
 * `wrap`: a command and its arguments run in front of workerd (valgrind).
 * The process's stdout and stderr (where V8's --trace-* flags print) are
 * kept in `output()`.
 * @param {{ dir: string, modules: { name: string, type: string }[], v8Flags?: string[], wrap?: string[], readyMs?: number }} o
 */
export async function startWorkerd({ dir, modules, v8Flags = [], wrap = [], readyMs = 120_000 }) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'config.capnp');
  writeFileSync(config, workerConfig({ modules, port, v8Flags }));
  const binary = createRequire(import.meta.url)('workerd').default;
  const argv = [...wrap, binary, 'serve', config];
  const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (b) => chunks.push(b));
  child.stderr.on('data', (b) => chunks.push(b));
  let exited = null;
  // A bench that throws leaves no workerd behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', (code, signal) => {
    exited = { code, signal };
    process.off('exit', reap);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (exited !== null) throw new Error(`workerd exited (${JSON.stringify(exited)}): ${Buffer.concat(chunks).toString().slice(-2000)}`);
    try {
      await getOnce(`${url}/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('workerd did not answer in time');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid,
    output: () => Buffer.concat(chunks).toString(),
    /** Drops the output kept so far. */
    clearOutput: () => chunks.splice(0),
    async stop() {
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
