// The shield, seen from a location (docs/shield.md): on a route with
// "shield", misses and revalidations go to a Durable Object chosen by a
// hash of the key, instead of to the origin. The shield runs freshet itself
// (shield_node.js): its own coalescing makes one origin fetch per key for
// every isolate and location at once, and its own entry (memory + global
// tier) answers the locations that come later.
//
// The shield answers at once with an envelope, so a location can tell a
// slow or absent shield (no envelope within the route's timeoutMs: it
// fetches the origin itself) from a slow origin (the envelope is there, the
// answer inside it is not yet):
//
//   byte 0      ACCEPTED (0x46)
//   bytes 1..4  N, big-endian: the length of the head
//   N bytes     the head, JSON: { status, statusText, headers }
//   the rest    the body, streamed as the shield receives it

export const SHIELD_HEADER = 'x-freshet-shield'; // on a shield request: "miss" | "revalidate" | "refresh"
export const SHIELD_SHARD_HEADER = 'x-freshet-shield-shard'; // which shard, through a service binding
export const DEFAULT_SHARDS = 16;
/**
 * On a shield's answer: when the shield's copy left the origin (ms since
 * the epoch), so the location's copy is covered by every purge made since
 * (engine.js FETCHED_FIELD), not only by those after its own request.
 */
export const SHIELD_FETCHED_HEADER = 'x-freshet-fetched';
/**
 * On a location's request to its shield: the purge floors the location
 * knows for the key, "<hard>,<soft>,<unproven>" (ms since the epoch, 0:
 * none). The shield honours them as its own, so a purge a location
 * already applied is never undone by a shield whose view lags behind.
 */
export const SHIELD_FLOORS_HEADER = 'x-freshet-purge-floors';

// Responses of the shield's handler -> { fetched, tags }: when their
// content left the origin, and the entry's tags.
const marks = new WeakMap();

/**
 * Records, for an answer of the shield's handler (shield side), when its
 * content left the origin (`ms`) and the tags of its entry (`tags`, comma
 * separated: the route's and the origin's Cache-Tag and Surrogate-Key,
 * which no client answer carries); the first mark stays. Returns `response`.
 */
export function markFetched(response, ms, tags = '') {
  if (response && Number.isSafeInteger(ms) && ms > 0 && !marks.has(response)) marks.set(response, { fetched: ms, tags: tags ?? '' });
  return response;
}

/** What markFetched recorded for `response`, or null. */
export function fetchedMarkOf(response) {
  return marks.get(response) ?? null;
}

/** The SHIELD_FLOORS_HEADER value of purge floors {hard, soft, unproven}. */
export function floorsText(floors) {
  return `${Math.trunc(floors.hard ?? 0)},${Math.trunc(floors.soft ?? 0)},${Math.trunc(floors.unproven ?? 0)}`;
}

/**
 * `floors` raised to those a location sent in SHIELD_FLOORS_HEADER
 * (`text`; null or malformed: unchanged).
 */
export function withForwardedFloors(floors, text) {
  if (text === null) return floors;
  const m = /^(\d{1,15}),(\d{1,15}),(\d{1,15})$/.exec(text);
  if (m === null) return floors;
  return {
    ...floors,
    hard: Math.max(floors.hard ?? 0, Number(m[1])),
    soft: Math.max(floors.soft ?? 0, Number(m[2])),
    unproven: Math.max(floors.unproven ?? 0, Number(m[3])),
  };
}
const ACCEPTED = 0x46;
const MAX_HEAD_BYTES = 256 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The shield could not be used: the caller fetches the origin itself. */
export class ShieldUnavailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'ShieldUnavailable';
  }
}

/** The shard of a key URL: FNV-1a (32 bits) modulo `shards`. */
export function shardOf(keyUrl, shards = DEFAULT_SHARDS) {
  let h = 0x811c9dc5;
  for (let i = 0; i < keyUrl.length; i++) {
    h ^= keyUrl.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/**
 * How this deployment reaches its shield: the Durable Object namespace
 * FRESHET_SHIELD (one object per shard), or a service in front of one
 * (FRESHET_SHIELD_SERVICE, the shard in a header). Null without either.
 */
export function shieldBinding(env) {
  const shards = Math.max(1, Math.min(1024, Number(env?.FRESHET_SHIELD_SHARDS) || DEFAULT_SHARDS));
  const ns = env?.FRESHET_SHIELD;
  if (ns && typeof ns.idFromName === 'function') {
    return { shards, fetch: (request, shard) => ns.get(ns.idFromName(`shard-${shard}`)).fetch(request) };
  }
  const service = env?.FRESHET_SHIELD_SERVICE;
  if (service && typeof service.fetch === 'function') {
    return {
      shards,
      fetch: (request, shard) => {
        const headers = new Headers(request.headers);
        headers.set(SHIELD_SHARD_HEADER, String(shard));
        return service.fetch(new Request(request, { headers }));
      },
    };
  }
  return null;
}

// --- the envelope, shield side ---

/** The envelope for an answer still being made: ACCEPTED goes out at once. */
export function envelope(answer) {
  let reader = null;
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(new Uint8Array([ACCEPTED]));
      let response;
      try {
        response = await answer;
      } catch (err) {
        controller.error(err);
        return;
      }
      const head = encoder.encode(JSON.stringify({ status: response.status, statusText: response.statusText, headers: [...response.headers] }));
      const frame = new Uint8Array(4 + head.byteLength);
      new DataView(frame.buffer).setUint32(0, head.byteLength);
      frame.set(head, 4);
      controller.enqueue(frame);
      if (response.body) reader = response.body.getReader();
      else controller.close();
    },
    async pull(controller) {
      if (!reader) return;
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    cancel(reason) {
      return reader?.cancel(reason);
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/x-freshet-shield' } });
}

// --- the envelope, location side ---

// Reads a stream byte-exactly: `take(n)` resolves with n bytes, or rejects
// when the stream ends first; `rest()` is what follows, as a stream.
function byteReader(stream) {
  const reader = stream.getReader();
  let buffered = new Uint8Array(0);
  return {
    async take(n) {
      while (buffered.byteLength < n) {
        const { done, value } = await reader.read();
        if (done) throw new ShieldUnavailable('the shield closed its answer early');
        const joined = new Uint8Array(buffered.byteLength + value.byteLength);
        joined.set(buffered);
        joined.set(value, buffered.byteLength);
        buffered = joined;
      }
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return out;
    },
    rest() {
      let first = buffered.byteLength ? buffered : null;
      return new ReadableStream({
        async pull(controller) {
          if (first) {
            controller.enqueue(first);
            first = null;
            return;
          }
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

function within(promise, ms, onTimeout) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Sends `request` to the key's shield and returns its answer as a Response
 * (status, headers and a streamed body, as the shield got them). Rejects
 * with ShieldUnavailable when the shield does not accept within
 * `acceptMs` (slow, hanging, gone, or answering anything but an envelope),
 * or fails before the head arrives; the head itself may take up to
 * `headMs` (the shield's own origin timeout bounds it).
 */
export async function fetchViaShield(binding, request, keyUrl, { acceptMs, headMs }) {
  const shard = shardOf(keyUrl, binding.shards);
  const started = Date.now();
  let envelopeResponse;
  try {
    envelopeResponse = await within(Promise.resolve().then(() => binding.fetch(request, shard)), acceptMs, () => new ShieldUnavailable(`the shield did not answer within ${acceptMs} ms`));
  } catch (err) {
    throw err instanceof ShieldUnavailable ? err : new ShieldUnavailable(`the shield failed: ${String(err?.message ?? err)}`);
  }
  if (envelopeResponse.status !== 200 || envelopeResponse.headers.get('content-type') !== 'application/x-freshet-shield' || !envelopeResponse.body) {
    envelopeResponse.body?.cancel().catch(() => {});
    throw new ShieldUnavailable(`the shield answered ${envelopeResponse.status}`);
  }
  const bytes = byteReader(envelopeResponse.body);
  try {
    const left = Math.max(1, acceptMs - (Date.now() - started));
    const [marker] = await within(bytes.take(1), left, () => new ShieldUnavailable(`the shield did not accept within ${acceptMs} ms`));
    if (marker !== ACCEPTED) throw new ShieldUnavailable('not a shield answer');
    const head = await within((async () => {
      const len = new DataView((await bytes.take(4)).slice().buffer).getUint32(0);
      if (len > MAX_HEAD_BYTES) throw new ShieldUnavailable('shield head too large');
      return JSON.parse(decoder.decode(await bytes.take(len)));
    })(), headMs, () => new ShieldUnavailable(`the shield sent no answer within ${headMs} ms`));
    const nullBody = head.status === 204 || head.status === 304 || head.status === 205;
    if (nullBody) bytes.cancel();
    return new Response(nullBody ? null : bytes.rest(), { status: head.status, statusText: head.statusText ?? '', headers: head.headers });
  } catch (err) {
    bytes.cancel();
    throw err instanceof ShieldUnavailable ? err : new ShieldUnavailable(`the shield failed: ${String(err?.message ?? err)}`);
  }
}
