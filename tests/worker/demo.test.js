// The main command (`npm start`) end to end: the demo origin and the worker
// under `wrangler dev` (workerd, offline) on 127.0.0.1. The test turns on
// the test clock so it can show MISS -> HIT -> STALE without waiting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT, T0 } from './helpers.js';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('npm start: demo origin + wrangler dev show MISS, HIT, STALE', { timeout: 180_000 }, async () => {
  const port = await freePort();
  const originPort = await freePort();
  const child = spawn('bash', [path.join(ROOT, 'scripts/demo.sh')], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, DEMO_PORT: String(port), DEMO_ORIGIN_PORT: String(originPort), DEMO_VARS: '--var FRESHET_TEST_MODE:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 150_000);
      child.stdout.on('data', () => {
        if (output.includes('freshet is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`demo exited ${code}:\n${output}`)));
    });
    const get = async (p, at) => {
      const res = await fetch(`http://127.0.0.1:${port}${p}`, {
        headers: { 'x-freshet-test-now': String(T0 + at * 1000), 'x-freshet-test-settle': '1' },
      });
      return { xcache: res.headers.get('x-cache'), body: await res.text() };
    };
    const a = await get('/blog/demo', 0);
    const b = await get('/blog/demo', 1);
    const c = await get('/blog/demo', 15);
    assert.deepEqual([a.xcache, b.xcache, c.xcache], ['MISS', 'HIT', 'STALE']);
    assert.match(a.body, /origin hit #1/);
    assert.match(c.body, /origin hit #1/);
    const d = await get('/blog/demo', 16);
    assert.equal(d.xcache, 'HIT');
    assert.match(d.body, /origin hit #2/);
    const e = await get('/account/profile', 16);
    assert.equal(e.xcache, 'BYPASS');
  } finally {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
  }
});
