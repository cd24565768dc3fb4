// The turnkey freshet worker: deploy as is with a manifest.
//   wrangler.toml: main = "worker/index.js"; vars.ORIGIN = "https://origin.example"
// The manifest is freshet.manifest.json at the repository root (bundled as
// text); a FRESHET_MANIFEST var or secret overrides it. The admin route
// exists when the FRESHET_ADMIN_TOKEN secret is set (docs/admin.md).

import wasm from '../dist/freshet.wasm';
import manifest from '../freshet.manifest.json';
import { createHandler } from './handler.js';
import { createShieldClass } from './shield_node.js';

export { PurgeLog } from './purge_log.js';

/** The shield's Durable Object (docs/shield.md), bound as FRESHET_SHIELD. */
export const FreshetShield = createShieldClass({ wasm, manifest });

const handler = createHandler({ wasm, manifest });

export default {
  fetch: (request, env, ctx) => handler.fetch(request, env, ctx),
  scheduled: (event, env, ctx) => ctx.waitUntil(handler.scheduled(event, env, ctx)),
};
