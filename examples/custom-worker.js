// A worker you write yourself, with freshet as a library (docs/library.md):
// freshet caches the app's own pages (the origin is a function), and the
// data-level API caches what the app loads from a backend.
//
// Bundle it with wrangler (main = "examples/custom-worker.js", the same
// CompiledWasm rule as wrangler.toml).

import wasm from '../dist/freshet.wasm';
import { createHandler, createRevalidator } from '../worker/lib.js';

// Tests move time with a header (only when FRESHET_TEST_MODE=1).
let testNow = null;
const clock = () => testNow ?? Date.now();

const data = createRevalidator({ wasm, namespace: 'app-data', now: clock });

async function loadUser(env, id) {
  const res = await fetch(`${env.ORIGIN}/users/${encodeURIComponent(id)}`);
  if (!res.ok) throw new Error(`backend answered ${res.status}`);
  return res.json();
}

// The app: renders pages itself.
let renders = 0;
async function app(request, env) {
  const url = new URL(request.url);
  renders++;
  const user = await data.withRevalidate('user:1', 30, () => loadUser(env, '1'), { env });
  return new Response(`<h1>${url.pathname}</h1><p>hello ${user.name} (render #${renders})</p>\n`, {
    headers: { 'content-type': 'text/html', 'cache-control': 's-maxage=10, stale-while-revalidate=60' },
  });
}

const pages = createHandler({
  wasm,
  manifest: { routes: [{ pattern: '/*' }, { pattern: '/api/*', cache: false }] },
  origin: (request, env) => app(request, env),
});

export default {
  async fetch(request, env, ctx) {
    const t = Number(request.headers.get('x-freshet-test-now'));
    testNow = env.FRESHET_TEST_MODE === '1' && t > 0 ? t : null;
    const url = new URL(request.url);
    if (url.pathname.startsWith('/api/user/')) {
      const id = url.pathname.slice('/api/user/'.length);
      const user = await data.withRevalidate(`user:${id}`, 60, () => loadUser(env, id), { ctx, env });
      return Response.json(user);
    }
    if (url.pathname === '/api/invalidate' && request.method === 'POST') {
      const { key, all } = await request.json();
      if (all) await data.invalidateAll({ env });
      else await data.invalidate(key, { env });
      return new Response(null, { status: 204 });
    }
    return pages.fetch(request, env, ctx);
  },
};
