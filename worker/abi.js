// Constants of the freshet C ABI, version 4 (docs/abi.md): a copy of
// bindings/freshet_abi.h, src/decision.h and src/freshness.h that
// tests/worker/abi_drift.test.js compares with those headers, so the two can
// never drift apart.

export const ABI_VERSION = 4;

export const Status = Object.freeze({ OK: 0, BAD_INPUT: 1, NO_ENGINE: 2 });

// src/decision.h
export const RequestAction = Object.freeze({ LOOKUP: 1, BYPASS: 2, PASS: 3 });
export const LookupAction = Object.freeze({ HIT: 1, STALE: 2, REVALIDATE: 3, MISS: 4 });
export const StoreAction = Object.freeze({ STORE: 1, NO_STORE: 2 });
export const InvalidationAction = Object.freeze({ INVALIDATE: 1, NONE: 2 });
export const VaryAction = Object.freeze({ NONE: 1, SELECT: 2, STAR: 3 });
export const ConditionalAction = Object.freeze({ NOT_MODIFIED: 1, FULL: 2 });
export const MissAction = Object.freeze({ FETCH: 1, GATEWAY_TIMEOUT: 2 });
export const SetCookiePolicy = Object.freeze({ REFUSE: 1, STORE: 2, STRIP: 3 });

// src/freshness.h LifetimeSource, by value.
export const LIFETIME_SOURCES = Object.freeze(['none', 's-maxage', 'max-age', 'expires', 'route', 'heuristic']);

/** Storage tier bits (docs/tiers.md; src/manifest.h kTier*). */
export const Tier = Object.freeze({ MEMORY: 1, CACHE: 2, GLOBAL: 4 });

/** fr_flag bits. */
export const Flag = Object.freeze({ USABLE_IF_ERROR: 1, DEBUG: 2, NEEDS_BODY: 4, IGNORED_FRESHET_CC: 8, IGNORED_CDN_CC: 16, PURGE_SOFT: 32, CLOCK_BEHIND: 64 });

/** fr_option bits (fr_set_options). */
export const Option = Object.freeze({ STORE_SET_COOKIE: 1 });

// Byte offsets in struct fr_result.
export const Result = Object.freeze({
  abiVersion: 0,
  status: 4,
  action: 8,
  reason: 12,
  route: 16,
  flags: 20,
  age: 24,
  ttl: 32,
  staleWhileRevalidate: 40,
  staleIfError: 48,
  platformTtl: 56,
  lifetime: 64,
  lifetimeSource: 72,
  errorCount: 76,
  browserTtl: 80,
  bodyLimit: 88,
  tiers: 96,
  originTimeoutMs: 100,
  missAction: 104,
  missReason: 108,
  setCookie: 112,
  varyAction: 116,
  strs: 120,
  validFromMs: 224,
  validUntilMs: 232,
  size: 240,
});

// String slots (fr_str_slot): one meaning each.
export const Str = Object.freeze({
  KEY: 0,
  KEY_URL: 1,
  META: 2,
  ROUTE_NAME: 3,
  DIAGNOSTICS: 4,
  REASON: 5,
  TAGS: 6,
  PURGES: 7,
  OMIT: 8,
  VARY_NAMES: 9,
  VARIANT_ID: 10,
  INVALIDATED: 11,
  INFO: 12,
  SLOTS: 13,
});
