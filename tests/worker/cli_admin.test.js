// The admin commands of the CLI (docs/cli.md) against the real worker in
// workerd over HTTP: purge (every kind, soft, ids), inspect and stats, with
// the token from FRESHET_ADMIN_TOKEN; clear errors for a wrong token, a
// deployment without an admin route and an endpoint nobody answers.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { main } from '../../tools/freshet.mjs';
import { startOrigin, startWorker, WASM_BUILD } from './helpers.js';

const TOKEN = 'cli-admin-token';

async function cli(...args) {
  const lines = [];
  const code = await main(args, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe(`freshet purge / inspect / stats against a deployment (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  let admin;
  const saved = process.env.FRESHET_ADMIN_TOKEN;
  before(async () => {
    const page = (req, res, n) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`${new URL(req.url, 'http://o').pathname} ${n}`); };
    origin = await startOrigin({ '/a': page, '/b': page, '/blog/x': page, '/t/1': page, '/t/2': page });
    worker = await startWorker({
      origin: origin.url,
      manifest: { defaults: { ttl: 3600, staleWhileRevalidate: 3600 }, routes: [{ pattern: '/*' }, { pattern: '/t/:id', tags: ['t:{id}'] }] },
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
    });
    admin = `${(await worker.mf.ready).href}__freshet/`;
    process.env.FRESHET_ADMIN_TOKEN = TOKEN;
  });
  after(async () => {
    if (saved === undefined) delete process.env.FRESHET_ADMIN_TOKEN;
    else process.env.FRESHET_ADMIN_TOKEN = saved;
    await worker?.dispose();
    await origin?.close();
  });

  const warm = async (at) => {
    for (const p of ['/a', '/b', '/blog/x', '/t/1']) await worker.fetch(p, { at });
  };

  test('purge --url, --prefix, --tag, --all, --soft, with the token from the environment', async () => {
    await warm(0);
    let r = await cli('purge', admin, '--url', 'https://example.com/a');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /purge of url https:\/\/example.com\/a recorded/);
    assert.equal((await worker.fetch('/a', { at: 1 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/b', { at: 1 })).xcache, 'HIT');
    r = await cli('purge', admin, '--prefix', '/blog/', '--tag', 't:1');
    assert.equal(r.code, 0, r.out);
    assert.equal((await worker.fetch('/blog/x', { at: 2 })).xcache, 'MISS');
    assert.equal((await worker.fetch('/t/1', { at: 2 })).xcache, 'MISS');
    r = await cli('purge', admin, '--all', '--soft', '--id', 'deploy-42');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /soft purge of everything recorded \(id deploy-42\)/);
    assert.equal((await worker.fetch('/b', { at: 3 })).xcache, 'STALE');
  });

  test('inspect: route, key, entry, what a request would get now', async () => {
    // (The CLI's purges above carry the real clock: every test-time entry is older.)
    await worker.fetch('/t/2', { at: 10 });
    const r = await cli('inspect', admin, 'https://example.com/t/2');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^decision: +cache$/m);
    assert.match(r.out, /^route: +#1 \/t\/:id$/m);
    assert.match(r.out, /^key: +https:\/\/example.com\/t\/2$/m);
    assert.match(r.out, /^entry: +cache tier, status 200, stored 2023-11-14T22:13:30.000Z, .*tags t:2$/m);
    // inspect reads the deployment's clock (here the real one, years after the test clock).
    assert.match(r.out, /^now: +REVALIDATE \(expired\)$/m);
    const json = JSON.parse((await cli('inspect', admin, 'https://example.com/t/2', '--json')).out);
    assert.equal(json.key, 'https://example.com/t/2');
  });

  test('stats: this isolate\'s counters', async () => {
    const r = await cli('stats', admin);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^this isolate\s+\d+\s+[\d.]+ %/m);
  });

  test('clear errors: a wrong token, no admin route, nobody listening, a missing token, nothing to purge', async () => {
    let r = await cli('purge', admin, '--url', 'https://example.com/a', '--token', 'wrong');
    assert.equal(r.code, 1);
    assert.match(r.out, /refused the token \(401\): check FRESHET_ADMIN_TOKEN/);
    // A deployment without FRESHET_ADMIN_TOKEN has no admin route: the origin answers.
    const plain = await startWorker({ origin: origin.url, manifest: { routes: [{ pattern: '/*', cache: false }] } });
    try {
      r = await cli('stats', `${(await plain.mf.ready).href}__freshet/`);
      assert.equal(r.code, 1);
      assert.match(r.out, /no admin route at .* \(404\): is FRESHET_ADMIN_TOKEN set on the deployment/);
    } finally {
      await plain.dispose();
    }
    // A port nobody listens on.
    const server = net.createServer();
    await new Promise((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address();
    await new Promise((res) => server.close(res));
    r = await cli('purge', `http://127.0.0.1:${port}/__freshet/`, '--all');
    assert.equal(r.code, 1);
    assert.match(r.out, /cannot reach http:\/\/127.0.0.1:\d+\/__freshet\/purge: ECONNREFUSED/);
    delete process.env.FRESHET_ADMIN_TOKEN;
    r = await cli('purge', admin, '--all');
    process.env.FRESHET_ADMIN_TOKEN = TOKEN;
    assert.equal(r.code, 2);
    assert.match(r.out, /needs --token or FRESHET_ADMIN_TOKEN/);
    r = await cli('purge', admin);
    assert.equal(r.code, 2);
    assert.match(r.out, /purge needs --url, --prefix, --tag or --all/);
  });
});
