// Type declarations for freshet as a library (docs/library.md).

/** What the platform hands a Worker's fetch handler as its third argument. */
export interface WaitUntilContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Bindings freshet reads; all optional. */
export interface FreshetEnv {
  /** Base URL of the origin; unset = the request's own URL (the zone's origin). */
  ORIGIN?: string;
  /** A manifest (JSON text) that replaces the bundled one. */
  FRESHET_MANIFEST?: string;
  /** Enables the admin route and request controls (a wrangler secret). */
  FRESHET_ADMIN_TOKEN?: string;
  /** Path of the admin route (default "/__freshet/"). */
  FRESHET_ADMIN_PATH?: string;
  /** The purge log Durable Object namespace (class PurgeLog). */
  FRESHET_PURGE_LOG?: unknown;
  /** Or a service in front of one. */
  FRESHET_PURGE_SERVICE?: { fetch(input: RequestInfo, init?: RequestInit): Promise<Response> };
  /** How often an isolate pulls new purges, ms (default 1000). */
  FRESHET_PURGE_SYNC_MS?: string;
  /** The propagation bound, ms (default 3 x sync): past it without a pull the view is unproven and older copies are revalidated. */
  FRESHET_PURGE_MAX_LAG_MS?: string;
  /** The shield's Durable Object namespace (class from createShieldClass), docs/shield.md. */
  FRESHET_SHIELD?: unknown;
  /** Or a service in front of it (the shard in the x-freshet-shield-shard header). */
  FRESHET_SHIELD_SERVICE?: { fetch(input: RequestInfo, init?: RequestInit): Promise<Response> };
  /** How many shield objects share the keys (default 16). */
  FRESHET_SHIELD_SHARDS?: string;
  /** The most a request waits for a pull, ms (default 50). */
  FRESHET_PURGE_WAIT_MS?: string;
  /** Timeout of each background call to the purge log, ms (default 2000). */
  FRESHET_PURGE_TIMEOUT_MS?: string;
  /** Timeout of the admin route's publish before it answers 202, ms (default 3000). */
  FRESHET_PURGE_PUBLISH_TIMEOUT_MS?: string;
  /** How often an isolate reports its counters to the purge log (fleet stats), ms (default 10000; 0 = never). */
  FRESHET_STATS_REPORT_MS?: string;
  /** Compaction horizon of purge records, seconds (default 366 days). */
  FRESHET_PURGE_HORIZON_S?: string;
  /** This location's name in fleet stats (default request.cf.colo). */
  FRESHET_LOCATION?: string;
  [binding: string]: unknown;
}

/** What a keyParts hook answers: dimension name -> value. */
export type KeyParts = Record<string, string | number | boolean | null | undefined>;

export interface HandlerOptions {
  /** The compiled engine: `import wasm from './freshet.wasm'` (wasi or Emscripten build). */
  wasm: WebAssembly.Module;
  /** The manifest, as JSON text or an object (env.FRESHET_MANIFEST overrides it). */
  manifest: string | object;
  /** Base URL of the origin, or a function that answers origin requests (your app). */
  origin?: string | ((request: Request, env: FreshetEnv) => Promise<Response>);
  /**
   * Extra key dimensions from your own code (e.g. a tenant, an A/B bucket):
   * names [a-z0-9-]{1,32}, values up to 256 characters. They become part of
   * the key inside the engine (" custom:name=value"), so purges, variants and
   * the readable key work as for any other dimension. A hook that throws
   * sends the request to the origin untouched (detail="key-parts-error").
   */
  keyParts?: (request: Request, env: FreshetEnv) => KeyParts | undefined | Promise<KeyParts | undefined>;
  /** The platform cache (default caches.default). */
  cache?: () => Cache;
  /** Structured log sink (default: one JSON line per event on console.log). */
  log?: (event: Record<string, unknown>) => void;
}

export interface FreshetHandler {
  /** The Workers fetch handler: serve through the cache. */
  fetch(request: Request, env?: FreshetEnv, ctx?: WaitUntilContext): Promise<Response>;
  /** The cron handler: keeps the manifest's `warm` URLs in the cache. */
  scheduled(event: { cron?: string }, env?: FreshetEnv, ctx?: WaitUntilContext): Promise<unknown[]>;
  /** Counters of this isolate (hits, misses, bypasses by reason, ...). */
  readonly stats: Record<string, unknown>;
}

export function createHandler(options: HandlerOptions): FreshetHandler;

export interface RevalidatorOptions {
  wasm: WebAssembly.Module;
  /** Separates independent data caches (default "data"). */
  namespace?: string;
  /** Seconds a stale value may still be served while it is refetched (default a year). */
  staleWhileRevalidate?: number;
  cache?: () => Cache;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

export interface CallOptions {
  /** Background refetches of stale values run in ctx.waitUntil. */
  ctx?: WaitUntilContext;
  /** With a purge log binding, invalidations reach every isolate and location. */
  env?: FreshetEnv;
}

export interface Revalidator {
  /**
   * The value under `key`: fresh from the cache; stale while one background
   * refetch runs; or, when missing, from `fetcher` (concurrent callers share one call).
   * The value must survive JSON.stringify / JSON.parse.
   */
  withRevalidate<T>(key: string, ttlSeconds: number, fetcher: () => Promise<T> | T, options?: CallOptions): Promise<T>;
  /** Drops `key` (this isolate at once; everywhere through the purge log when `env` has one). */
  invalidate(key: string, options?: { env?: FreshetEnv }): Promise<void>;
  /** Drops every value of this namespace. */
  invalidateAll(options?: { env?: FreshetEnv }): Promise<void>;
}

export function createRevalidator(options: RevalidatorOptions): Revalidator;

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** JSON path of the problem, e.g. "$.routes[2].ttl". */
  path: string;
  message: string;
}

/** The manifest was rejected; nothing was loaded. */
export class ManifestError extends Error {
  readonly diagnostics: Diagnostic[];
}

/** The wasm module misbehaved (another ABI version, a trap). */
export class EngineError extends Error {}

/** The engine through its C ABI (docs/abi.md); most users never need it directly. */
export class Engine {
  constructor(module: WebAssembly.Module, manifest: string | object);
  readonly warnings: Diagnostic[];
  readonly routeCount: number;
  routeInfo(route: number): Record<string, unknown>;
}

/** The purge log Durable Object; export it from your worker and bind it as FRESHET_PURGE_LOG. */
export class PurgeLog {
  constructor(ctx: unknown, env?: unknown);
  fetch(request: Request): Promise<Response>;
}

/** The shield's Durable Object class (docs/shield.md); bind it as FRESHET_SHIELD. */
export function createShieldClass(options: { wasm: WebAssembly.Module; manifest: string | object; origin?: HandlerOptions['origin'] }): {
  new (state: unknown, env?: FreshetEnv): { fetch(request: Request): Response | Promise<Response> };
};
