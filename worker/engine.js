// Loads the freshet wasm module (either build) and marshals calls across
// the C ABI (docs/abi.md). One Engine per isolate and manifest.

import { readableKey } from './keys.js';
import { ABI_VERSION, Flag, LIFETIME_SOURCES, Option, Result, SetCookiePolicy, Status, StoreAction, Str, VaryAction } from './abi.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Raised when the wasm module misbehaves; the worker then fails open. */
export class EngineError extends Error {}

/** Manifest errors with the JSON path of each problem. */
export class ManifestError extends Error {
  constructor(diagnostics) {
    const lines = diagnostics.filter((d) => d.severity === 'error').map((d) => `  ${d.path}: ${d.message}`);
    super('invalid manifest:\n' + lines.join('\n'));
    this.diagnostics = diagnostics;
  }
}

// "severity <TAB> path <TAB> message" lines (docs/abi.md).
function parseDiagnostics(text) {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [severity, path, ...message] = line.split('\t');
      return { severity, path, message: message.join('\t') };
    });
}

const NONE_IGNORED = Object.freeze([]);

// The fr_store flags of ignored targeted fields, as field names.
function ignoredTargeted(flags) {
  if ((flags & (Flag.IGNORED_FRESHET_CC | Flag.IGNORED_CDN_CC)) === 0) return NONE_IGNORED;
  const out = [];
  if (flags & Flag.IGNORED_FRESHET_CC) out.push('freshet-cache-control');
  if (flags & Flag.IGNORED_CDN_CC) out.push('cdn-cache-control');
  return out;
}

// Imports that are harmless notifications: answered with a no-op.
const NOOP_IMPORTS = new Set(['env.emscripten_notify_memory_growth']);

// Imports a module might declare (libc abort paths, Emscripten's memory
// growth notice). The wasi build has none; the Emscripten build notifies
// on memory growth (a no-op here). Anything else traps when called, so a
// foreign build fails open instead of failing to load.
function stubImports(module) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = NOOP_IMPORTS.has(`${imp.module}.${imp.name}`)
      ? () => {}
      : () => {
          throw new EngineError(`freshet wasm called the import ${imp.module}.${imp.name}`);
        };
  }
  return imports;
}

// Decodes UTF-8 bytes (TextDecoder beats hand-rolled loops in V8 for long
// or non-ASCII text).
function decodeUtf8(bytes, p, n) {
  return decoder.decode(bytes.subarray(p, p + n));
}

// The answer of a response without Vary (the engine then writes no names
// and no variant id): one shared, frozen object.
const NO_VARY = Object.freeze({ action: VaryAction.NONE, names: '', variantId: '' });

// The Vary answer in a store or vary result.
function varyOf(r) {
  const action = r.u32(Result.varyAction);
  if (action === VaryAction.NONE) return NO_VARY;
  return { action, names: r.strs(Str.VARY_NAMES), variantId: r.strs(Str.VARIANT_ID) };
}

// A reusable reader of the fr_result record (one per engine), through
// typed-array views of the whole memory: the record is 8-byte aligned
// (bindings/freshet_abi.h), its fields naturally aligned, and an indexed
// load is cheaper than a DataView call. Little endian, as wasm is.
class ResultView {
  constructor(engine) {
    this.engine = engine;
    this.u32s = null;
    this.i32s = null;
    this.f64s = null;
    this.bytes = null;
    this.ptr = 0;
    this.w = 0; // ptr / 4
  }

  at(ptr) {
    // First call, or memory grew: the old buffer is detached and its views
    // read as empty (cheaper to test than the memory.buffer getter).
    if (this.bytes === null || this.bytes.byteLength === 0) {
      const buffer = this.engine.exports.memory.buffer;
      this.u32s = new Uint32Array(buffer);
      this.i32s = new Int32Array(buffer);
      this.f64s = new Float64Array(buffer);
      this.bytes = new Uint8Array(buffer);
    }
    // fr_result holds f64s: the engine places it 8-byte aligned (abi.cc).
    if ((ptr & 7) !== 0) throw new EngineError('freshet engine returned a misaligned result');
    this.ptr = ptr;
    this.w = ptr >>> 2;
    return this;
  }

  get status() {
    return this.u32s[this.w + (Result.status >>> 2)];
  }

  get flags() {
    return this.u32s[this.w + (Result.flags >>> 2)];
  }

  u32(off) {
    return this.u32s[this.w + (off >>> 2)];
  }

  i32(off) {
    return this.i32s[this.w + (off >>> 2)];
  }

  f64(off) {
    return this.f64s[(this.ptr + off) >>> 3];
  }

  strs(slot) {
    const at = this.w + (Result.strs >>> 2) + slot * 2;
    const n = this.u32s[at + 1];
    if (n === 0) return '';
    return decodeUtf8(this.bytes, this.u32s[at], n);
  }
}

/** Encodes the header list of a Headers object as [name, value, ...]. */
export function headerList(headers) {
  const out = [];
  for (const [name, value] of headers) out.push(name, value);
  return out;
}

// String lists (docs/abi.md "Input records"): the decimal count, then the
// strings, each NUL-terminated. Strings are joined here and written into
// wasm memory with one encodeInto per call. No string the platform hands
// over can hold a NUL (Headers refuses one in names and values, a parsed URL
// percent-encodes it); a NUL smuggled in anyway splits its string, the count
// no longer matches and the engine answers FR_BAD_INPUT.

/**
 * A request record: [method, url, name0, value0, ...] (names must be lower
 * case, as a Headers object yields them; pseudo-fields start with ':'),
 * built once per request and given to every phase of it. The engine
 * encodes it with only the fields its manifest reads
 * (src/request_fields.cc), and for a Vary decision those and the fields
 * the Vary names (varyFieldNames).
 */
export class RequestRecord {
  /**
   * @param {string[]} list [method, url, name0, value0, ...]; with `headers`,
   *   [method, url] and pseudo-fields only (the fields are read from `headers`)
   * @param {Headers|null} [headers] the request's fields, read only as needed
   */
  constructor(list, headers = null) {
    this.source = list;
    this.headers = headers;
    this.full = headers === null ? list : null; // the whole list, once read
    this.sent = null; // the encoded list, the fields of `sentFor` only
    this.sentFor = null;
    this.readNames = null; // the names encodeFromHeaders read, and their values (null: absent)
    this.readValues = null;
    this.varySent = null; // the encoded list with the fields a Vary names (varyFor: those names)
    this.varyFor = null;
    this.bodyless = false; // a request known to carry no body: its framing fields are not read (requestRecordOf)
  }

  /** The value of field `name` (lower case), repeated lines combined as a Headers object combines them; null when absent. */
  value(name) {
    if (this.headers !== null) return this.headers.get(name);
    let out = null;
    for (let i = 2; i + 1 < this.source.length; i += 2) {
      if (this.source[i] === name) out = out === null ? this.source[i + 1] : out + ', ' + this.source[i + 1];
    }
    return out;
  }

  /** Whether the request carries field `name` (lower case); no second call for a field already read. */
  has(name) {
    if (this.headers === null) {
      for (let i = 2; i + 1 < this.source.length; i += 2) if (this.source[i] === name) return true;
      return false;
    }
    if (this.readNames !== null) {
      const at = this.readNames.indexOf(name);
      if (at >= 0) return this.readValues[at] !== null;
    }
    return this.headers.has(name);
  }

  /** [method, url, name0, value0, ...]: every field (a Headers object read whole the first time). */
  get list() {
    if (this.full === null) {
      const out = [this.source[0], this.source[1]];
      for (const [name, value] of this.headers) out.push(name, value);
      for (let i = 2; i < this.source.length; i++) out.push(this.source[i]);
      this.full = out;
    }
    return this.full;
  }
}

/** The request record of [method, url, name0, value0, ...]. */
export function requestRecord(list) {
  return new RequestRecord(list);
}

/**
 * The request record of a request whose fields stay in its Headers object:
 * the engine reads the fields its manifest names with get() (one call each),
 * and for a Vary decision the fields the Vary names; the whole list only
 * when something asks for `list`. In
 * workerd each field a Headers iteration yields costs ~0.4 us and each
 * get() ~0.2 us, and a browser's request carries a dozen fields the
 * manifest never reads (docs/performance.md). `pseudo`: pseudo-fields
 * (':key-part', ...) as [name, value, ...].
 * @param {string} method
 * @param {string} url
 * @param {Headers} headers
 * @param {string[]} [pseudo]
 * @param {boolean} [bodyless] the request carries no body (its `body` is
 *   null): Transfer-Encoding and Content-Length, which the engine reads only
 *   to tell that, are taken as absent without a get() each
 */
export function requestRecordOf(method, url, headers, pseudo = undefined, bodyless = false) {
  const record = new RequestRecord(pseudo === undefined ? [method, url] : [method, url, ...pseudo], headers);
  record.bodyless = bodyless;
  return record;
}

// The fields the engine reads only to tell whether a request carries a
// body (src/request_policy.cc hasBody; a POST's declared length is read
// with its body): for a request known to carry none, not read at all.
const FRAMING_FIELDS = new Set(['transfer-encoding', 'content-length']);

// The record encoded with the fields `only` names (sorted, lower case),
// read from its Headers object one by one: the same text encodeRecord
// gives for the whole list (a Headers object yields its fields sorted by
// name, values combined as get() combines them).
function encodeFromHeaders(record, only) {
  const src = record.source;
  let s = src[0] + '\0' + src[1] + '\0';
  let n = 2;
  const headers = record.headers;
  const values = new Array(only.length);
  record.readNames = only;
  record.readValues = values;
  const bodyless = record.bodyless;
  for (let i = 0; i < only.length; i++) {
    const value = bodyless && FRAMING_FIELDS.has(only[i]) ? null : headers.get(only[i]);
    values[i] = value;
    if (value === null) continue;
    s += only[i] + '\0' + value + '\0';
    n += 2;
  }
  for (let i = 2; i + 1 < src.length; i += 2) {
    s += src[i] + '\0' + src[i + 1] + '\0';
    n += 2;
  }
  return n + '\0' + s;
}

// A name's slot in FieldSet.table: its length (mod 32) and its first
// character, case folded (mod 64; letters and digits stay apart).
function slotOf(name) {
  return ((name.length & 31) << 6) | ((name.charCodeAt(0) | 32) & 63);
}

/**
 * A set of lower-case field names with a test cheaper than the Set's for
 * the names it does not hold: a table of (length, first character) slots,
 * case folded, rules most of them out with one typed-array load before a
 * hash lookup (a browser's request carries a dozen fields, an origin's
 * answer as many, and the engine reads a few).
 */
export class FieldSet {
  /** @param {Iterable<string>} names lower case */
  constructor(names) {
    this.set = new Set(names);
    this.table = new Uint8Array(32 * 64);
    for (const name of this.set) this.table[slotOf(name)] = 1;
  }

  /** The set holds `name` (as given). */
  has(name) {
    return this.table[slotOf(name)] !== 0 && this.set.has(name);
  }

  /** The set may hold `name` in lower case (false: it surely does not). */
  mayHold(name) {
    return this.table[slotOf(name)] !== 0;
  }

  get size() {
    return this.set.size;
  }

  [Symbol.iterator]() {
    return this.set[Symbol.iterator]();
  }
}

// The string list of docs/abi.md "Input records": with `only` (a FieldSet
// or Set of lower-case names), the method, the URL, pseudo-fields and those
// fields.
export function encodeRecord(list, only) {
  let s = list[0] + '\0' + list[1] + '\0';
  let n = 2;
  for (let i = 2; i + 1 < list.length; i += 2) {
    const name = list[i];
    if (only !== null && !only.has(name) && name.charCodeAt(0) !== 58 /* ':' */) continue;
    s += name + '\0' + list[i + 1] + '\0';
    n += 2;
  }
  return n + '\0' + s;
}

const NO_FIELDS = Object.freeze([]);

// `encoded` (a record's encoded list) with the fields `names` of `record`
// added (those it carries).
function withFields(encoded, record, names) {
  let add = '';
  let k = 0;
  for (const name of names) {
    const value = record.value(name);
    if (value === null) continue;
    add += name + '\0' + value + '\0';
    k += 2;
  }
  if (k === 0) return encoded;
  const z = encoded.indexOf('\0');
  return Number(encoded.slice(0, z)) + k + encoded.slice(z) + add;
}

// A field name (RFC 9110 5.1: a token), lower case as the ABI sends names.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * The request fields a `Vary` value (or a variant marker's names) can make
 * the engine read for a variant id (src/vary.cc variantId: the fields it
 * names, nothing else), beyond `known` (a Set: the fields always sent): its
 * comma-separated elements that are field names, lower case, each once. A
 * superset of the names the engine derives - an element the engine reads
 * differently (a quoted string) is no field name, so no request carries it.
 * @param {string} vary
 * @param {Set<string>} known
 * @returns {string[]}
 */
export function varyFieldNames(vary, known) {
  const out = [];
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && name !== '*' && !known.has(name) && FIELD_NAME.test(name) && !out.includes(name)) out.push(name);
  }
  return out.sort();
}

// Engine.#varyFields: the Vary values whose field names are kept.
const VARY_NAMES_MAX = 64;

// Engine.cachedRequest's bounds: decisions kept, and the longest record kept.
export const MEMO_MAX = 1024;
export const MEMO_KEY_MAX = 2048;
// Engine.cachedLookup: the entries (metadata) whose lookups one request decision keeps.
export const LOOKUP_MEMO_MAX = 8;

// The empty request list: the request the engine kept from the last call
// that sent one in full.
const KEPT_REQUEST = '0\0';

/** The response pseudo-field of an answer's fetch time upstream (fr_store). */
export const FETCHED_FIELD = ':fetched';

// An encoded string list (docs/abi.md "Input records") with one pair more.
function withPair(list, name, value) {
  const end = list.indexOf('\0');
  return `${Number(list.slice(0, end)) + 2}${list.slice(end)}${name}\0${value}\0`;
}

// [status, name0, value0, ...] from a Headers object or [name, value] pairs;
// with `only` (a FieldSet of lower-case names, and `names`: the same as an
// array), just those fields. The Vary value among them (lines combined), or
// null, is left in `listVary` (no result object).
let listVary = null;
function responseList(status, headers, only = null, names = null) {
  // A Headers object and a few names: one get() each rather than iterating
  // every field (in workerd each field an iteration yields costs more than
  // a get(), and an origin's answer carries many the engine never reads).
  // get() combines repeated lines as iteration does; Set-Cookie, the one
  // field iteration keeps apart, is read for its presence only.
  if (names !== null && !Array.isArray(headers) && typeof headers.get === 'function') {
    let s = '';
    let n = 1;
    let vary = null;
    for (let i = 0; i < names.length; i++) {
      const value = headers.get(names[i]);
      if (value === null) continue;
      if (names[i] === 'vary') vary = value;
      s += names[i] + '\0' + value + '\0';
      n += 2;
    }
    listVary = vary;
    return n + '\0' + status + '\0' + s;
  }
  let s = '';
  let n = 1;
  let vary = null;
  // A Headers object yields lower-case names; an array of [name, value]
  // pairs may not (folded only where the name as given is not wanted).
  const fold = Array.isArray(headers);
  for (const pair of headers) {
    let name = pair[0];
    if (only === null) {
      if (fold) name = name.toLowerCase();
    } else if (!only.has(name)) {
      if (!fold || !only.mayHold(name)) continue;
      const lower = name.toLowerCase();
      if (lower === name || !only.has(lower)) continue;
      name = lower;
    }
    if (name === 'vary') vary = vary === null ? pair[1] : vary + ', ' + pair[1];
    s += name + '\0' + pair[1] + '\0';
    n += 2;
  }
  listVary = vary;
  return n + '\0' + status + '\0' + s;
}

// The readable key is decoded from the key URL when asked for (purges,
// debug output) rather than copied out per request (worker/keys.js).

/**
 * fr_request's answer: route, key and the route's rules, and what a miss
 * does (RFC 9111 5.2.1.7). `key` (the readable key) is derived on first use.
 */
class RequestDecision {
  constructor(r, engine) {
    const flags = r.u32(Result.flags);
    this.action = r.u32(Result.action);
    this.reasonCode = r.u32(Result.reason);
    this.route = r.i32(Result.route);
    this.keyUrl = r.strs(Str.KEY_URL);
    this.browserTtl = r.f64(Result.browserTtl);
    this.debug = (flags & Flag.DEBUG) !== 0;
    this.tags = r.strs(Str.TAGS);
    this.needsBody = (flags & Flag.NEEDS_BODY) !== 0;
    this.bodyLimit = r.f64(Result.bodyLimit);
    this.tiers = r.u32(Result.tiers);
    this.originTimeoutMs = r.u32(Result.originTimeoutMs);
    /** MissAction: what to do when nothing stored answers. */
    this.missAction = r.u32(Result.missAction);
    this.missReasonCode = r.u32(Result.missReason);
    /** SetCookiePolicy of the route (with the deployment's option). */
    this.setCookie = r.u32(Result.setCookie);
    // Read last: these may call into the engine, which reuses the record.
    this.routeName = this.route < 0 ? '' : engine.routeName(this.route, r);
    this.engine = engine;
    this.readableKey = null;
    /** Engine.cachedLookup's decisions for this request: entry metadata -> { floors, decision }. */
    this.lookups = null;
  }

  get reason() {
    return this.engine.reasonName(this.reasonCode);
  }

  get missReason() {
    return this.engine.reasonName(this.missReasonCode);
  }

  /** The stored copy of a response keeps its Set-Cookie fields. */
  get storesSetCookie() {
    return this.setCookie === SetCookiePolicy.STORE;
  }

  /** A copy of this decision with the debug headers on (a shared decision is never modified). */
  withDebug() {
    return Object.assign(Object.create(RequestDecision.prototype), this, { debug: true });
  }

  get key() {
    if (this.readableKey === null) {
      this.readableKey = readableKey(this.keyUrl);
    }
    return this.readableKey;
  }
}

export class Engine {
  /**
   * @param {WebAssembly.Module} module compiled freshet.wasm (wasi or Emscripten build)
   * @param {string|object} manifest manifest JSON text or object
   */
  constructor(module, manifest) {
    const instance = new WebAssembly.Instance(module, stubImports(module));
    this.exports = instance.exports;
    if (typeof this.exports._initialize === 'function') this.exports._initialize();
    const version = this.exports.fr_abi_version();
    if (version !== ABI_VERSION) {
      throw new EngineError(`freshet wasm speaks ABI ${version}, this worker ABI ${ABI_VERSION}`);
    }
    this.reasonNames = new Map();
    const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    const r = this.#call(this.exports.fr_load_manifest(this.#write(text)));
    const diagnostics = parseDiagnostics(r.strs(Str.DIAGNOSTICS));
    if (r.status !== Status.OK) throw new ManifestError(diagnostics);
    /** Warnings about a valid manifest ({severity, path, message}). */
    this.warnings = diagnostics;
    this.debug = (r.flags & Flag.DEBUG) !== 0;
    /** Number of routes in the manifest. */
    this.routeCount = r.i32(Result.route);
    this.#info = this.manifestInfo();
    // "clientHeaders" (docs/manifest.md): freshet's own answer fields the
    // manifest lets out, read once here, not per request.
    const shown = this.#info.clientHeaders ?? {};
    /** Answers carry x-cache. */
    this.xCacheHeader = shown.xCache !== false;
    /** Answers carry freshet's Server-Timing member. */
    this.serverTimingHeader = shown.serverTiming !== false;
    // The response fields a store decision reads (src/response_facts.cc):
    // only those cross into wasm.
    this.#responseFields = new FieldSet(this.#info.responseFields);
    this.#responseFieldList = [...this.#responseFields];
    this.#requestFields = new FieldSet(this.#info.requestFields);
    this.#sortedFields = [...this.#requestFields].sort();
  }

  #info;
  #responseFields;
  #responseFieldList;
  #requestFields = null;
  #sortedFields = [];

  /** Phase 1: route, bypass, key, the route's rules and the miss decision. `record` is requestRecord([method, url, ...headers]). */
  request(record) {
    const r = this.#call(this.exports.fr_request(this.#write(this.#request(record))));
    this.#check(r);
    return new RequestDecision(r, this);
  }

  /**
   * request(record), answered from this engine's recent decisions when a
   * record with the same fields was decided before: fr_request is a pure
   * function of the manifest, the options and the fields the manifest
   * reads (the ones sent), so an isolate that sees the same request again
   * (most hits) skips the call. At most MEMO_MAX decisions are kept, the
   * oldest dropped first; records longer than MEMO_KEY_MAX characters are
   * decided every time. The decision returned is shared: never modify it
   * (withDebug() makes a copy).
   */
  cachedRequest(record) {
    const text = this.#encoded(record);
    const known = this.#memo.get(text);
    if (known !== undefined) {
      this.memoHits++;
      return known;
    }
    const rd = this.request(record);
    if (text.length <= MEMO_KEY_MAX) {
      if (this.#memo.size >= MEMO_MAX) this.#memo.delete(this.#memo.keys().next().value);
      this.#memo.set(text, rd);
    }
    return rd;
  }

  /**
   * lookup(record, rd.route, ...), answered again without a call while the
   * engine's own answer says it holds: for the same request decision `rd`
   * (this engine's for `record`, so the same fields), the same entry
   * metadata and purge floors, and `nowMs` inside the decision's
   * [validFromMs, validUntilMs) - the clock enters a lookup only through the
   * whole seconds of the entry's age, so a decision holds for up to one
   * second. Kept on `rd`, for at most LOOKUP_MEMO_MAX entries. The decision
   * returned is shared: never modify it.
   */
  cachedLookup(rd, record, meta, nowMs, floors = null) {
    const hard = floors?.hard ?? 0;
    const soft = floors?.soft ?? 0;
    const unproven = floors?.unproven ?? 0;
    let memo = rd.lookups;
    const known = memo === null ? undefined : memo.get(meta);
    if (known !== undefined && known.hard === hard && known.soft === soft && known.unproven === unproven) {
      const d = known.d;
      if (nowMs >= d.validFromMs && nowMs < d.validUntilMs) {
        this.memoHits++;
        return d;
      }
    }
    const d = this.lookup(record, rd.route, meta, nowMs, floors);
    if (memo === null) memo = rd.lookups = new Map();
    else if (memo.size >= LOOKUP_MEMO_MAX && known === undefined) memo.clear();
    memo.set(meta, { hard, soft, unproven, d });
    return d;
  }

  /** Decisions answered by cachedRequest and cachedLookup without a call. */
  memoHits = 0;

  /** Decisions cachedRequest keeps. */
  get memoSize() {
    return this.#memo.size;
  }

  #memo = new Map();

  /** The name of route `route`, read from `r` (a request result) the first time. */
  routeName(route, r) {
    return (this.#routeNames[route] ??= r.strs(Str.ROUTE_NAME));
  }

  /** The manifest's top-level settings (namespace, key host, mode, memory caps, warm URLs, response fields). */
  manifestInfo() {
    if (this.#info) return this.#info;
    const r = this.#call(this.exports.fr_manifest_info());
    this.#check(r);
    return JSON.parse(r.strs(Str.INFO));
  }

  /** A route's effective rules (defaults applied), for tools; not per request. */
  routeInfo(route) {
    const r = this.#call(this.exports.fr_route_info(route));
    this.#check(r);
    return JSON.parse(r.strs(Str.INFO));
  }

  /**
   * Phase 2: a stored entry's metadata against this request at nowMs. With
   * purge floors ({hard, soft, unproven} ms), the engine also decides
   * whether the entry predates a purge that covers it, or a time before
   * which the purge view cannot prove it unpurged (docs/admin.md).
   */
  lookup(record, route, meta, nowMs, floors = null) {
    const len = this.#write(this.#request(record) + '1\0' + meta + '\0');
    const r = this.#call(this.exports.fr_lookup(len, route, nowMs, floors?.hard ?? 0, floors?.soft ?? 0, floors?.unproven ?? 0));
    this.#check(r);
    const d = {
      action: r.u32(Result.action),
      reason: r.u32(Result.reason),
      age: r.f64(Result.age),
      ttl: r.f64(Result.ttl),
      lifetime: r.f64(Result.lifetime),
      staleWhileRevalidate: r.f64(Result.staleWhileRevalidate),
      staleIfError: r.f64(Result.staleIfError),
      usableIfError: (r.u32(Result.flags) & Flag.USABLE_IF_ERROR) !== 0,
      // The decision holds for every nowMs in [validFromMs, validUntilMs).
      validFromMs: r.f64(Result.validFromMs),
      validUntilMs: r.f64(Result.validUntilMs),
    };
    // Named last: the first time a code is seen, reasonName calls into the
    // engine, which reuses the result record `r` reads from.
    d.reason = this.reasonName(d.reason);
    return d;
  }

  /**
   * Phase 3: may this origin response be stored, for how long, and where
   * (`vary`: the response's Vary against this request; set when stored).
   */
  store(record, route, status, headers, requestTimeMs, responseTimeMs, fetchedMs = null) {
    let response = responseList(status, headers, this.#responseFields, this.#responseFieldList);
    // An answer of the shield: when the shield fetched it (docs/abi.md
    // ":fetched"), so purges since then cover the copy.
    if (fetchedMs !== null && Number.isSafeInteger(fetchedMs) && fetchedMs >= 0) {
      response = withPair(response, FETCHED_FIELD, String(fetchedMs));
    }
    // With Vary the variant id reads the fields it names: those too.
    const text = this.#request(record, listVary) + response;
    const r = this.#call(this.exports.fr_store(this.#write(text), route, requestTimeMs, responseTimeMs));
    this.#check(r);
    const action = r.u32(Result.action);
    const d = {
      action,
      reason: r.u32(Result.reason),
      lifetime: r.f64(Result.lifetime),
      lifetimeSource: LIFETIME_SOURCES[r.u32(Result.lifetimeSource)] ?? 'none',
      staleWhileRevalidate: r.f64(Result.staleWhileRevalidate),
      staleIfError: r.f64(Result.staleIfError),
      platformTtl: r.f64(Result.platformTtl),
      age: r.f64(Result.age),
      ttl: r.f64(Result.ttl),
      meta: r.strs(Str.META),
      omit: r.strs(Str.OMIT),
      // Targeted fields present but ignored as invalid (RFC 9213 2.1).
      ignored: ignoredTargeted(r.u32(Result.flags)),
      // The answer's Date is behind this isolate's clock beyond its Age and
      // round trip (the origin's clock likely runs behind; docs/manifest.md
      // "ageFromDate").
      clockBehind: (r.u32(Result.flags) & Flag.CLOCK_BEHIND) !== 0,
      vary: action === StoreAction.STORE ? varyOf(r) : null,
    };
    // Named last, as in lookup: reasonName may reuse the result record.
    d.reason = this.reasonName(d.reason);
    return d;
  }

  /**
   * After the response to an unsafe request (RFC 9111 4.4): the key URLs to
   * delete. `status`, `headers`: the origin's response.
   */
  invalidate(record, status, headers) {
    const text = this.#request(record) + responseList(status, headers);
    const r = this.#call(this.exports.fr_invalidate(this.#write(text)));
    this.#check(r);
    const urls = r.strs(Str.INVALIDATED);
    const purges = r.strs(Str.PURGES);
    const d = {
      action: r.u32(Result.action),
      reason: r.u32(Result.reason),
      keyUrls: urls ? urls.split('\n') : [],
      // The route's "invalidates": { kind, value } purge records to publish.
      purges: purges ? purges.split('\n').map((line) => ({ kind: line.slice(0, line.indexOf('\t')), value: line.slice(line.indexOf('\t') + 1) })) : [],
      soft: (r.u32(Result.flags) & Flag.PURGE_SOFT) !== 0,
    };
    d.reason = this.reasonName(d.reason);
    return d;
  }

  /**
   * Vary (RFC 9111 4.1): `vary` is a Vary field value (the names a variant
   * marker keeps, or a response's). Returns the action, the normalised
   * names and this request's variant id.
   */
  vary(record, vary) {
    const r = this.#call(this.exports.fr_vary(this.#write(this.#request(record, vary) + '1\0' + vary + '\0')));
    this.#check(r);
    return varyOf(r);
  }

  /**
   * A client's preconditions against a stored response (RFC 9111 4.3.2).
   * `stored`: the stored response's Headers; `meta`: its entry metadata.
   */
  conditional(record, stored, meta) {
    const fields = '4\0' + (stored.get('etag') ?? '') + '\0' + (stored.get('last-modified') ?? '') + '\0' + (stored.get('date') ?? '') + '\0' + (meta ?? '') + '\0';
    const r = this.#call(this.exports.fr_conditional(this.#write(this.#request(record) + fields)));
    this.#check(r);
    const action = r.u32(Result.action);
    return { action, reason: this.reasonName(r.u32(Result.reason)) };
  }

  /** Deployment options (see EngineOptions in src/engine.h); kept until the manifest changes. */
  setOptions({ storeSetCookie = false } = {}) {
    this.#memo.clear(); // the options are inputs of every request decision
    const r = this.#call(this.exports.fr_set_options(storeSetCookie ? Option.STORE_SET_COOKIE : 0));
    this.#check(r);
  }

  /** Name of a reason code (cached; asked of the engine once per code). */
  reasonName(code) {
    let name = this.reasonNames.get(code);
    if (name === undefined) {
      name = this.#call(this.exports.fr_reason(code)).strs(Str.REASON);
      this.reasonNames.set(code, name);
    }
    return name;
  }

  // The request list to send: the empty list when the engine already holds
  // this record from the previous call (docs/abi.md), else the record.
  // A record sent in full counts as kept only once its call succeeded
  // (#check): after a trap or a refusal the engine may hold another one.
  // `vary`: a Vary value (or a marker's names) whose variant id is decided:
  // the manifest's fields and the ones it names; else the manifest's
  // fields. A kept record sent for a Vary serves the manifest's calls too.
  #request(record, vary = null) {
    const extra = vary === null ? NO_FIELDS : this.#varyFields(vary);
    const key = extra.length === 0 ? null : extra;
    if (record === this.#kept && (key === null || key === this.#keptFor)) return KEPT_REQUEST;
    this.#kept = null;
    this.#sent = record;
    this.#sentFor = key;
    if (key === null) return this.#encoded(record);
    if (record.varyFor !== key) {
      record.varySent = withFields(this.#encoded(record), record, key);
      record.varyFor = key;
    }
    return record.varySent;
  }

  // The field names a Vary value adds to the manifest's: one shared array
  // per set of names (so a record sent for "B, a" serves "a,b"), kept for
  // at most VARY_NAMES_MAX values.
  #varyFields(vary) {
    let names = this.#varyNames.get(vary);
    if (names === undefined) {
      names = varyFieldNames(vary, this.#requestFields);
      if (names.length === 0) {
        names = NO_FIELDS;
      } else {
        const key = '\0' + names.join(','); // never a Vary value: those hold no NUL
        names = this.#varyNames.get(key) ?? names;
        this.#varyNames.set(key, names);
      }
      if (this.#varyNames.size >= VARY_NAMES_MAX) this.#varyNames.clear();
      this.#varyNames.set(vary, names);
    }
    return names;
  }

  #varyNames = new Map();

  // The record as sent with the manifest's fields (computed once per record).
  #encoded(record) {
    if (record.sentFor !== this.#requestFields) {
      record.sent = record.full === null ? encodeFromHeaders(record, this.#sortedFields) : encodeRecord(record.full, this.#requestFields);
      record.sentFor = this.#requestFields;
    }
    return record.sent;
  }

  #kept = null;
  #keptFor = null;
  #sent = null;
  #sentFor = null;
  #routeNames = [];

  // Writes `text` as UTF-8 into the input buffer; returns the byte length.
  // The view of the buffer is kept until it must grow or memory grows.
  #write(text) {
    const max = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    // A grown memory detaches the old buffer: its view then reads as empty.
    if (max > this.#inputCap || this.#input.byteLength === 0) {
      const cap = max > this.#inputCap ? Math.max(max, this.#inputCap * 2, 4096) : this.#inputCap;
      const ptr = this.exports.fr_input(cap);
      this.#memBuffer = this.exports.memory.buffer;
      this.#input = new Uint8Array(this.#memBuffer, ptr, cap);
      this.#inputCap = cap;
    }
    return encoder.encodeInto(text, this.#input).written;
  }

  #memBuffer = null;
  #input = new Uint8Array(0);
  #inputCap = 0;

  // The result record at `ptr`. A call that traps throws before this; the
  // caller's #check (or its absence) decides what was kept.
  #call(ptr) {
    this.#result ??= new ResultView(this);
    return this.#result.at(ptr);
  }

  #result = null;

  #check(r) {
    if (r.status === Status.OK) {
      if (this.#sent !== null) {
        this.#kept = this.#sent;
        this.#keptFor = this.#sentFor;
      }
    } else {
      this.#kept = null; // nothing kept, or not this record
    }
    this.#sent = null;
    if (r.status === Status.BAD_INPUT) throw new EngineError('freshet engine rejected its input');
    if (r.status === Status.NO_ENGINE) throw new EngineError('freshet engine has no manifest');
  }
}
