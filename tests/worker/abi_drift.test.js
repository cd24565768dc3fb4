// worker/abi.js and worker/keys.js copy numbers and formats from the C++
// headers (bindings/freshet_abi.h, src/decision.h, src/freshness.h,
// src/reason.h, src/manifest.h, src/cache_key.h). This test reads those
// headers and fails on any difference, so the two sides cannot drift.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as abi from '../../worker/abi.js';
import { KEY_PATH_PREFIX, RESERVED_PATH_PREFIX } from '../../worker/keys.js';
import { Engine } from '../../worker/engine.js';
import { ROOT, wasmPath, WASM_BUILD } from './helpers.js';

const read = (p) => readFileSync(path.join(ROOT, p), 'utf8');
const ABI_H = read('bindings/freshet_abi.h');
const DECISION_H = read('src/decision.h');

/** `NAME = value` members of the C enum `name` (values: n, 1u << k). */
function cEnum(text, name) {
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(text);
  assert.ok(body, `enum ${name} not found`);
  const out = {};
  for (const m of body[1].matchAll(/([A-Z][A-Z0-9_]*)\s*=\s*([0-9]+)u?(?:\s*<<\s*([0-9]+))?/g)) {
    out[m[1]] = m[3] === undefined ? Number(m[2]) : Number(m[2]) << Number(m[3]);
  }
  return out;
}

/** `kName = value` members of the C++ `enum class name`, keyed as JS spells them (GATEWAY_TIMEOUT). */
function cppEnum(text, name) {
  const body = new RegExp(`enum class ${name} : uint32_t \\{([^}]*)\\}`).exec(text);
  assert.ok(body, `enum class ${name} not found`);
  const out = {};
  for (const m of body[1].matchAll(/\bk([A-Za-z0-9]+)\s*=\s*([0-9]+)/g)) {
    out[m[1].replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()] = Number(m[2]);
  }
  return out;
}

/** Byte offsets of struct fr_result's fields, by the C layout rules (wasm32). */
function resultLayout() {
  const body = /typedef struct fr_result \{([^}]*)\} fr_result;/.exec(ABI_H)[1];
  const sizes = { uint32_t: [4, 4], int32_t: [4, 4], double: [8, 8], fr_str: [8, 4] };
  const slots = cEnum(ABI_H, 'fr_str_slot').FR_STR_SLOTS;
  const fields = {};
  let offset = 0;
  let maxAlign = 1;
  for (const m of body.matchAll(/^\s*(\w+)\s+(\w+)(\[FR_STR_SLOTS\])?;/gm)) {
    const [size, align] = sizes[m[1]];
    maxAlign = Math.max(maxAlign, align);
    offset = Math.ceil(offset / align) * align;
    fields[m[2]] = offset;
    offset += m[3] ? size * slots : size;
  }
  return { fields, size: Math.ceil(offset / maxAlign) * maxAlign };
}

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

describe('worker/abi.js matches the C headers', () => {
  test('version, status, flags, options', () => {
    assert.equal(abi.ABI_VERSION, Number(/#define FRESHET_ABI_VERSION (\d+)u/.exec(ABI_H)[1]));
    assert.deepEqual({ ...abi.Status }, { OK: 0, BAD_INPUT: 1, NO_ENGINE: 2 });
    assert.deepEqual(cEnum(ABI_H, 'fr_status'), { FR_OK: 0, FR_BAD_INPUT: 1, FR_NO_ENGINE: 2 });
    const flags = Object.fromEntries(Object.entries(cEnum(ABI_H, 'fr_flag')).map(([k, v]) => [k.replace('FR_FLAG_', ''), v]));
    assert.deepEqual({ ...abi.Flag }, flags);
    const options = Object.fromEntries(Object.entries(cEnum(ABI_H, 'fr_option')).map(([k, v]) => [k.replace('FR_OPTION_', ''), v]));
    assert.deepEqual({ ...abi.Option }, options);
  });

  test('string slots: one name per slot, the same numbers', () => {
    const slots = Object.fromEntries(Object.entries(cEnum(ABI_H, 'fr_str_slot')).map(([k, v]) => [k.replace('FR_STR_', ''), v]));
    assert.deepEqual({ ...abi.Str }, slots);
    const values = Object.entries(slots).filter(([k]) => k !== 'SLOTS').map(([, v]) => v);
    assert.equal(new Set(values).size, values.length, 'a slot number is used twice');
  });

  test('struct fr_result: every offset and the size', () => {
    const { fields, size } = resultLayout();
    const js = { ...abi.Result };
    assert.equal(js.size, size);
    delete js.size;
    assert.deepEqual(js, Object.fromEntries(Object.entries(fields).map(([k, v]) => [camel(k), v])));
  });

  test('decision enums (src/decision.h)', () => {
    for (const [js, cpp] of [
      ['RequestAction', 'RequestAction'],
      ['LookupAction', 'LookupAction'],
      ['StoreAction', 'StoreAction'],
      ['InvalidationAction', 'InvalidationAction'],
      ['VaryAction', 'VaryAction'],
      ['ConditionalAction', 'ConditionalAction'],
      ['MissAction', 'MissAction'],
      ['SetCookiePolicy', 'SetCookiePolicy'],
    ]) {
      assert.deepEqual({ ...abi[js] }, cppEnum(DECISION_H, cpp), js);
    }
  });

  test('lifetime sources (src/freshness.h) and tier bits (src/manifest.h)', () => {
    const sources = cppEnum(read('src/freshness.h'), 'LifetimeSource');
    const names = { NONE: 'none', SMAX_AGE: 's-maxage', MAX_AGE: 'max-age', EXPIRES: 'expires', ROUTE: 'route', HEURISTIC: 'heuristic' };
    assert.equal(abi.LIFETIME_SOURCES.length, Object.keys(sources).length);
    for (const [k, v] of Object.entries(sources)) assert.equal(abi.LIFETIME_SOURCES[v], names[k], k);
    const manifest = read('src/manifest.h');
    const bit = (name) => 1 << Number(new RegExp(`kTier${name} = 1u << (\\d+)`).exec(manifest)[1]);
    assert.deepEqual({ ...abi.Tier }, { MEMORY: bit('Memory'), CACHE: bit('Cache'), GLOBAL: bit('Global') });
  });

  test('key URL prefixes (src/cache_key.h)', () => {
    const h = read('src/cache_key.h');
    assert.equal(KEY_PATH_PREFIX, /kKeyPathPrefix = "([^"]+)"/.exec(h)[1]);
    assert.equal(RESERVED_PATH_PREFIX, /kReservedPathPrefix = "([^"]+)"/.exec(h)[1]);
  });

  test(`reason names (src/reason.h, src/reason.cc) are what the ${WASM_BUILD} module answers`, () => {
    const codes = {};
    for (const m of read('src/reason.h').matchAll(/\bk([A-Za-z0-9]+) = (\d+),/g)) codes[m[1]] = Number(m[2]);
    const names = {};
    for (const m of read('src/reason.cc').matchAll(/case Reason::k([A-Za-z0-9]+): return "([^"]+)";/g)) names[m[1]] = m[2];
    assert.deepEqual(Object.keys(names).sort(), Object.keys(codes).sort(), 'every reason has a name');
    const eng = new Engine(new WebAssembly.Module(readFileSync(wasmPath())), { routes: [{ pattern: '/*' }] });
    for (const [k, code] of Object.entries(codes)) assert.equal(eng.reasonName(code), names[k], k);
  });
});
