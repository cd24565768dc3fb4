// The turnkey freshet worker: deploy as is with a manifest.
//   wrangler.toml: main = "worker/index.js"; vars.ORIGIN = "https://origin.example"
// The manifest is freshet.manifest.json at the repository root (bundled as
// text); a FRESHET_MANIFEST var or secret overrides it.

import wasm from '../dist/freshet.wasm';
import manifest from '../freshet.manifest.json';
import { createHandler } from './handler.js';

const handler = createHandler({ wasm, manifest });

export default {
  fetch: (request, env, ctx) => handler.fetch(request, env, ctx),
};
