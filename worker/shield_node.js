// The shield itself (docs/shield.md): a Durable Object per key shard that
// runs freshet with the same engine and manifest as the locations. A
// location's miss or revalidation arrives as an ordinary request; the
// object's own coalescing collapses concurrent requests for a key from
// every isolate and location into one origin fetch and streams it to all
// of them; its entry (memory, plus the global tier when FRESHET_GLOBAL is
// bound) answers the locations that ask later, and it revalidates once for
// all. Answers go out in an envelope (shield.js), so a location can bound
// how long it waits for the shield apart from how long the origin takes.

import { createHandler } from './handler.js';
import { SHIELD_FETCHED_HEADER, envelope, fetchedMarkOf } from './shield.js';

/**
 * The Durable Object class of the shield, for a worker's exports:
 *   export const FreshetShield = createShieldClass({ wasm, manifest });
 * @param {{ wasm: WebAssembly.Module, manifest: string|object, origin?: string|Function }} options
 */
export function createShieldClass(options) {
  return class FreshetShield {
    constructor(state, env) {
      this.state = state;
      this.env = env;
      this.handler = createHandler({ ...options, shieldNode: true });
    }

    fetch(request) {
      const ctx = {
        waitUntil: (p) => {
          // An object stays alive while it has work in flight; waitUntil,
          // where the runtime has it, says so explicitly.
          if (typeof this.state?.waitUntil === 'function') this.state.waitUntil(p);
        },
      };
      return envelope(this.handler.fetch(request, this.env, ctx).then(asShieldAnswer));
    }
  };
}

// The shield's Cache-Status member is named for it (RFC 9211 2: each cache
// adds its own member), so a location can show it before its own; and
// the answer says when its content left the origin (SHIELD_FETCHED_HEADER:
// the location's copy is covered by every purge since), never an origin's
// field of that name, and carries its entry's tags.
function asShieldAnswer(response) {
  const status = response.headers.get('cache-status');
  const mark = fetchedMarkOf(response);
  const out = new Response(response.body, response);
  if (status !== null) out.headers.set('cache-status', status.replace(/^freshet\b/, 'freshet-shield'));
  if (mark !== null) out.headers.set(SHIELD_FETCHED_HEADER, String(mark.fetched));
  else out.headers.delete(SHIELD_FETCHED_HEADER);
  // The entry's tags, as a Cache-Tag the location stores with its copy
  // (response_headers.js entryTags): a tag purge reaches that copy too.
  if (mark !== null && mark.tags) out.headers.set('cache-tag', mark.tags);
  return out;
}
