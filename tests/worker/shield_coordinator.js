// The shield's Durable Objects for the fleet tests: one Miniflare instance
// hosts them, and each location reaches them through a service binding
// (TOOLCHAIN.md: instances cannot share a persisted Durable Object
// directory), the shard in a header as worker/shield.js sends it.
import wasm from '../../dist/freshet.wasm';
import manifest from '../../freshet.manifest.json';
import { createShieldClass } from '../../worker/shield_node.js';
import { SHIELD_SHARD_HEADER } from '../../worker/shield.js';

export const FreshetShield = createShieldClass({ wasm, manifest });

export default {
  fetch(request, env) {
    const ns = env.FRESHET_SHIELD;
    const shard = request.headers.get(SHIELD_SHARD_HEADER) ?? '0';
    return ns.get(ns.idFromName(`shard-${shard}`)).fetch(request);
  },
};
