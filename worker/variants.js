// Variants (docs/architecture.md "Variants"; the platform ignores Vary): a
// response that varies lives at `<key URL>/v/<generation>/<variant id>`,
// and a marker at the key URL names the selecting fields and the
// generation. Looking an entry up reads the marker first, then the variant
// this request selects.

import { VaryAction } from './abi.js';
import { LENGTH_HEADER, READ_WHOLE_MAX, intactBody, recordedLengthOf, wholeIntactBytes } from './integrity.js';
import { variantUrl } from './keys.js';
import { TIER_HEADER } from './tiers.js';
import { tierMarkOf } from './tier_entry.js';
import { VARY_GEN_HEADER, VARY_HEADER, varyMarkerHeaders } from './response_headers.js';
import { StoredEntry, fieldOf, fieldPairs } from './stored_entry.js';
import { META_HEADER } from './entry_meta.js';
import { planOf } from './stored_plan.js';
import { allSettledOrThrow } from './settled.js';

// Variant markers live at least this long (seconds): an outlived marker only
// costs a variant miss.
export const MARKER_MIN_TTL = 86400;

/** A new variant generation: 12 hex digits. */
export function newGeneration() {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The generation to store a variant under: the marker's, while it names the
 * same fields (its other variants stay reachable), else a new one (variants
 * selected by other fields become unreachable at once).
 * @param {{names: string, generation: string}|null} marker the marker found at lookup
 * @param {string} names the engine's normalised Vary names of the new response
 */
export function variantGeneration(marker, names, fresh = newGeneration) {
  return marker && marker.names === names && marker.generation ? marker.generation : fresh();
}

/**
 * A matched entry as stored (a StoredEntry), or undefined when there is
 * none or its body is not the length recorded at store time (then it is
 * deleted). Where the platform gives no Content-Length, the body is
 * checked while read. A copy whose metadata names it (a copy id) is read
 * through its plan (stored_plan.js): three fields, not every one.
 * @param {import('./request_context.js').Services} s
 * @param {Response|undefined} found
 * @param {string} url where it was found
 * @param {string|null} [metaValue] its META_HEADER value, when already read
 * @param {Headers} [headers] its headers, when already read
 * @returns {StoredEntry|undefined|Promise<StoredEntry|undefined>} a promise only
 *   when the body is read whole first (most hits cost no extra promise)
 */
export function checkedEntry(s, found, url, env, ctx, metaValue = undefined, headers = found?.headers) {
  if (!found) return undefined;
  const meta = metaValue === undefined ? headers.get(META_HEADER) : metaValue;
  const plan = meta === null ? null : planOf(found, meta, tierMarkOf(found));
  if (plan !== null) {
    const tier = plan.tier;
    const cl = tier === 'memory' || tier === 'global' ? null : headers.get('content-length');
    return checkedCopy(s, found, url, env, ctx, tier, plan.recorded, cl, null, plan, headers);
  }
  const fields = fieldPairs(headers);
  return checkedCopy(s, found, url, env, ctx, fieldOf(fields, TIER_HEADER), recordedLengthOf(fieldOf(fields, META_HEADER), fieldOf(fields, LENGTH_HEADER)), fieldOf(fields, 'content-length'), fields, null, headers);
}

// checkedEntry's check, with the copy's tier, recorded length and
// Content-Length read (from its fields, or its plan's).
function checkedCopy(s, found, url, env, ctx, tier, recorded, cl, fields, plan, headers) {
  // The byte tiers (memory, global) compared their bytes with the record
  // before answering (tiers.js intactBytes): nothing left to check.
  if (tier === 'memory' || tier === 'global') return new StoredEntry(found, found.body, null, fields, plan, headers);
  // A small copy without Content-Length: read whole and compared first.
  if (cl === null && recorded !== null && recorded <= READ_WHOLE_MAX && found.body !== null) {
    return wholeIntactBytes(found).then((bytes) => {
      if (bytes === null) return streamedEntry(s, found, url, env, ctx, fields, plan, recorded, cl, headers);
      if (bytes === false) {
        dropEntry(s, url, env, ctx);
        return undefined;
      }
      return new StoredEntry(found, null, bytes, fields, plan, headers);
    });
  }
  return streamedEntry(s, found, url, env, ctx, fields, plan, recorded, cl, headers);
}

// A damaged copy: counted, logged and deleted from every tier.
function dropEntry(s, url, env, ctx) {
  s.storage.entryDamaged(url);
  const p = s.storage.deleteEverywhere(url, env);
  if (ctx?.waitUntil) ctx.waitUntil(p);
}

// checkedEntry's copy whose body is served as it streams: as is where its
// Content-Length matches the record, checked while read where there is none.
function streamedEntry(s, found, url, env, ctx, fields, plan, recorded, cl, headers) {
  const onDamaged = cl === null ? () => dropEntry(s, url, env, ctx) : undefined;
  const body = intactBody(found, onDamaged, recorded, cl);
  if (body === false) {
    found.body?.cancel().catch(() => {});
    dropEntry(s, url, env, ctx);
    return undefined;
  }
  return new StoredEntry(found, body, null, fields, plan, headers);
}

/**
 * The stored entry for this request: the entry at the key URL, or, when
 * that is a variant marker, the variant this request selects.
 * @param {import('./request_context.js').Services} s
 * @returns {Promise<{stored: StoredEntry|undefined, entryUrl: string, vary: {names: string, generation: string}|null}>}
 */
export async function lookupEntry(s, rd, record, eng, env, ctx) {
  const cache = s.storage.cacheFor(rd, env, ctx);
  // Looked up by URL string: no Request object per lookup (the Cache API takes both).
  return foundEntry(s, rd, record, eng, env, ctx, cache, await cache.match(rd.keyUrl));
}

/**
 * lookupEntry's answer once `cache` (Storage.cacheFor) matched the key URL
 * (`found`: the copy or undefined): at once for a copy that needs no
 * reading, else a promise (a body read whole, a variant's second match).
 */
export function foundEntry(s, rd, record, eng, env, ctx, cache, found) {
  if (!found) return { stored: undefined, entryUrl: rd.keyUrl, vary: null };
  // An entry carries metadata; a variant marker does not. The headers
  // read once: each read of a Response's property is a runtime call.
  const headers = found.headers;
  const meta = headers.get(META_HEADER);
  const names = meta === null ? headers.get(VARY_HEADER) : null;
  if (names === null) {
    const stored = checkedEntry(s, found, rd.keyUrl, env, ctx, meta, headers);
    if (stored instanceof Promise) return stored.then((e) => ({ stored: e, entryUrl: rd.keyUrl, vary: null }));
    return { stored, entryUrl: rd.keyUrl, vary: null };
  }
  return variantEntry(s, rd, record, eng, env, ctx, cache, found, names);
}

// The variant this request selects, `found` being the marker at the key URL.
async function variantEntry(s, rd, record, eng, env, ctx, cache, found, names) {
  found.body?.cancel().catch(() => {});
  const vary = { names, generation: found.headers.get(VARY_GEN_HEADER) ?? '' };
  const v = eng.vary(record, names);
  if (v.action !== VaryAction.SELECT || !vary.generation) return { stored: undefined, entryUrl: rd.keyUrl, vary };
  const url = variantUrl(rd.keyUrl, vary.generation, v.variantId);
  return { stored: await checkedEntry(s, await cache.match(url), url, env, ctx), entryUrl: url, vary };
}

/**
 * Puts `entry` (storableEntry) where this request's response belongs:
 * at the key URL when it does not vary, else as the variant the engine
 * names, with the marker at the key URL.
 * @param {object} cache the route's cache (Storage.cacheFor)
 * @param {import('./request_context.js').RequestContext} c
 * @param {{action: number, names: string, variantId: string}} v where the
 *   store decision puts the copy (StoreDecision.vary: the response's Vary
 *   against this request)
 * @param {Response} entry
 * @param {number} platformTtl seconds
 */
export async function putVariant(cache, c, v, entry, platformTtl) {
  const { rd, vary } = c;
  if (v.action !== VaryAction.SELECT) {
    await cache.put(new Request(rd.keyUrl), entry, platformTtl);
    return;
  }
  const generation = variantGeneration(vary, v.names);
  const markerTtl = Math.max(platformTtl, MARKER_MIN_TTL);
  const marker = new Response(null, { headers: varyMarkerHeaders(v.names, generation, markerTtl) });
  await allSettledOrThrow([
    cache.put(new Request(variantUrl(rd.keyUrl, generation, v.variantId)), entry, platformTtl),
    cache.put(new Request(rd.keyUrl), marker, markerTtl),
  ]);
}
