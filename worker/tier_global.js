// The global tier (docs/tiers.md): an R2 bucket or a KV namespace bound as
// FRESHET_GLOBAL, shared by every location; a store for TieredCache
// (match / put / delete, tiers.js).

import { readBounded } from './bytes.js';
import { intactBytes, recorded, toResponse } from './tier_entry.js';
import { withGeneratedEtag } from './etag.js';
import { globalObjectKey } from './keys.js';
import { fetchWithTimeout } from './timeout.js';

const GLOBAL_MAX_BYTES = 25 * 1024 * 1024;

/**
 * The most a read of the global tier may take (FRESHET_GLOBAL_TIMEOUT_MS):
 * past it the read is a miss and the request goes on to the origin (or
 * the shield); the binding is remote, and a hung read must not hold the
 * request.
 */
export const DEFAULT_GLOBAL_READ_MS = 1000;
/** The most a write or delete may take, in the background (FRESHET_GLOBAL_WRITE_TIMEOUT_MS). */
export const DEFAULT_GLOBAL_WRITE_MS = 10_000;

/** A read, write or delete of the global tier that took longer than its bound. */
export class GlobalTierTimeout extends Error {
  constructor(ms) {
    super(`the global tier did not answer within ${ms} ms`);
    this.name = 'GlobalTierTimeout';
  }
}

// A bound in ms from a binding's setting: a positive number up to 60 s,
// else `fallback`.
function boundOf(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 60_000) : fallback;
}

// A global object holds the whole entry: a 4-byte big-endian length, that
// many bytes of JSON head ({ status, statusText, headers, length }), then
// the body. Headers travel with the value, not in the binding's metadata
// (KV allows 1,024 bytes of metadata, R2 2,048 of custom metadata: a page
// with a CSP, HSTS and a few tags does not fit).
const HEAD_BYTES = 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The object a global tier stores for `entry` ({status, statusText, headers, body}). */
export function encodeGlobalObject(entry) {
  const body = entry.body ?? new Uint8Array(0);
  const head = encoder.encode(JSON.stringify({ status: entry.status, statusText: entry.statusText ?? '', headers: entry.headers, length: body.byteLength }));
  const out = new Uint8Array(HEAD_BYTES + head.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength);
  out.set(head, HEAD_BYTES);
  out.set(body, HEAD_BYTES + head.byteLength);
  return out;
}

/** The entry in a global object, or null when it is not one whole object of this format. */
export function decodeGlobalObject(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEAD_BYTES) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (HEAD_BYTES + n > bytes.byteLength) return null;
  let head;
  try {
    head = JSON.parse(decoder.decode(bytes.subarray(HEAD_BYTES, HEAD_BYTES + n)));
  } catch {
    return null;
  }
  const body = bytes.subarray(HEAD_BYTES + n);
  if (!head || !Number.isInteger(head.status) || !Array.isArray(head.headers) || head.length !== body.byteLength) return null;
  return { status: head.status, statusText: String(head.statusText ?? ''), headers: head.headers, body };
}

/** The global tier over an R2 bucket or a KV namespace bound as FRESHET_GLOBAL. */
export class GlobalTier {
  /**
   * @param {object} binding an R2 bucket or a KV namespace
   * @param {{ readMs?: number, writeMs?: number }} [bounds] DEFAULT_GLOBAL_READ_MS, DEFAULT_GLOBAL_WRITE_MS
   */
  constructor(binding, { readMs = DEFAULT_GLOBAL_READ_MS, writeMs = DEFAULT_GLOBAL_WRITE_MS } = {}) {
    this.binding = binding;
    this.isR2 = typeof binding.head === 'function';
    this.readMs = readMs;
    this.writeMs = writeMs;
  }

  static from(env) {
    const b = env?.FRESHET_GLOBAL;
    if (!(b && typeof b.get === 'function' && typeof b.put === 'function')) return null;
    return new GlobalTier(b, {
      readMs: boundOf(env.FRESHET_GLOBAL_TIMEOUT_MS, DEFAULT_GLOBAL_READ_MS),
      writeMs: boundOf(env.FRESHET_GLOBAL_WRITE_TIMEOUT_MS, DEFAULT_GLOBAL_WRITE_MS),
    });
  }

  // `work()` within `ms`, else a GlobalTierTimeout.
  bounded(work, ms) {
    return fetchWithTimeout(() => work(), ms, (t) => new GlobalTierTimeout(t));
  }

  objectKey(url) {
    return globalObjectKey(url);
  }

  /**
   * The entry stored for `url`: undefined when there is none, null when the
   * object is damaged (cut short, or not of this format).
   */
  async get(url) {
    const key = this.objectKey(url);
    let bytes;
    if (this.isR2) {
      const obj = await this.binding.get(key);
      if (!obj) return undefined;
      bytes = new Uint8Array(await obj.arrayBuffer());
    } else {
      const value = await this.binding.get(key, { type: 'arrayBuffer' });
      if (value === null) return undefined;
      bytes = new Uint8Array(value);
    }
    return decodeGlobalObject(bytes);
  }

  async putEntry(url, entry, ttlSeconds) {
    const key = this.objectKey(url);
    const value = encodeGlobalObject(entry);
    if (this.isR2) await this.binding.put(key, value);
    else await this.binding.put(key, value, { expirationTtl: Math.max(60, Math.trunc(ttlSeconds ?? 60)) });
  }

  /**
   * The tier as a store. A read failure is a miss, and so is a read past
   * `readMs` (`onTimeout(url)` is told); a damaged object is dropped and
   * counted. Writes and deletes are bounded by `writeMs`.
   */
  store({ onDamaged = () => {}, waitUntil = () => {}, onTimeout = () => {} } = {}) {
    const timedOut = (url) => (err) => {
      if (err instanceof GlobalTierTimeout) onTimeout(url);
      throw err;
    };
    return {
      name: 'global',
      match: async (url) => {
        const g = await this.bounded(() => this.get(url), this.readMs).catch(timedOut(url)).catch(() => undefined);
        if (g === undefined) return undefined;
        if (g !== null && intactBytes(g)) return toResponse(g, 'global');
        onDamaged(url);
        waitUntil(this.delete(url).catch(() => {}));
        return undefined;
      },
      put: async (url, response, ttlSeconds) => {
        const body = await readBounded(response.body, GLOBAL_MAX_BYTES);
        if (!body) return;
        const headers = await withGeneratedEtag(new Headers(response.headers), body);
        const entry = recorded(response.status, response.statusText, [...headers], body);
        await this.bounded(() => this.putEntry(url, entry, ttlSeconds), this.writeMs).catch(timedOut(url));
      },
      delete: (url) => this.bounded(() => this.delete(url), this.writeMs).then(() => true, (err) => {
        if (err instanceof GlobalTierTimeout) onTimeout(url);
        return false;
      }),
    };
  }

  async delete(url) {
    await this.binding.delete(this.objectKey(url));
  }
}

