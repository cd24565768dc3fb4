// A TypeScript worker using freshet as a library (docs/library.md): the
// turnkey handler with a key hook, the data-level API and the shield.
// `npm test` type-checks it against worker/lib.d.ts (tsc, examples/tsconfig.json).

import wasm from '../dist/freshet.wasm';
import { createHandler, createRevalidator, createShieldClass, type FreshetEnv, type KeyParts, type WaitUntilContext } from '../worker/lib.js';

const manifest = {
  version: 1,
  defaults: { ttl: 60, staleWhileRevalidate: 300 },
  routes: [{ pattern: '/*' }, { pattern: '/p/:sku', shield: true, storage: 'global' }],
};

// One entry per tenant: the tenant becomes a key dimension inside the engine.
function tenantOf(request: Request): KeyParts {
  const host = new URL(request.url).hostname;
  return { tenant: host.split('.')[0] };
}

const pages = createHandler({ wasm, manifest, keyParts: tenantOf });
const data = createRevalidator({ wasm, namespace: 'data' });

/** The shield's Durable Object: bind it as FRESHET_SHIELD (docs/shield.md). */
export const FreshetShield = createShieldClass({ wasm, manifest });

export default {
  async fetch(request: Request, env: FreshetEnv, ctx: WaitUntilContext): Promise<Response> {
    if (new URL(request.url).pathname === '/config') {
      const config = await data.withRevalidate('config', 30, async () => ({ theme: 'dark' }), { env });
      return Response.json(config);
    }
    return pages.fetch(request, env, ctx);
  },
};
