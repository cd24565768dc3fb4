// The handler's Engine: made from the manifest in force (env.FRESHET_MANIFEST,
// else the bundled one), kept while that manifest stays the same, dropped
// after a trap (the next request instantiates afresh).

import { Engine, ManifestError } from './engine.js';

/** The deployment stores responses with Set-Cookie (FRESHET_STORE_SET_COOKIE=1). */
export function storesSetCookie(env) {
  return env?.FRESHET_STORE_SET_COOKIE === '1';
}

/**
 * @typedef {object} EngineSlot
 * @property {(env?: object) => Engine|null} get the engine for env's manifest, or null when it cannot load
 * @property {() => Engine|null} current the engine last loaded (no manifest check)
 * @property {(err: unknown) => void} failed an engine call trapped: drop the instance
 * @property {(env?: object) => string} manifestText the manifest in force, as JSON text
 * @property {() => string|null} problem why get() answered null: 'invalid-manifest' | 'engine-error'
 */

/**
 * @param {object} o
 * @param {WebAssembly.Module} o.wasm compiled freshet.wasm
 * @param {string|object} o.manifest the bundled manifest
 * @param {import('./stats.js').Stats} o.stats counts engineErrors
 * @param {import('./log.js').Log} o.log
 * @returns {EngineSlot}
 */
export function createEngineSlot({ wasm, manifest, stats, log }) {
  let engine = null;
  let engineText = null;
  let engineProblem = null; // why there is no engine for engineText
  let manifestRef; // the manifest value the engine was made from

  function manifestText(env) {
    const m = env?.FRESHET_MANIFEST ?? manifest;
    return typeof m === 'string' ? m : JSON.stringify(m);
  }

  function get(env) {
    // The same binding or bundled value as last time: no need to compare
    // (or stringify) the manifest on every request.
    const ref = env?.FRESHET_MANIFEST ?? manifest;
    if (ref === manifestRef && engineText !== null) return engine;
    const text = manifestText(env);
    manifestRef = ref;
    if (text === engineText) return engine;
    engineText = text;
    engine = null;
    engineProblem = null;
    try {
      engine = new Engine(wasm, text);
      // FRESHET_STORE_SET_COOKIE=1: store responses with Set-Cookie, as a
      // classic RFC 9111 proxy may (docs/conformance.md). Off by default.
      if (storesSetCookie(env)) engine.setOptions({ storeSetCookie: true });
    } catch (err) {
      stats.engineErrors++;
      engineProblem = err instanceof ManifestError ? 'invalid-manifest' : 'engine-error';
      log.once(`load:${text.length}:${engineProblem}`, {
        event: engineProblem,
        message: err.message,
        diagnostics: err.diagnostics,
      });
    }
    return engine;
  }

  // A trap leaves the instance in an unknown state: drop it, the next
  // request instantiates afresh.
  function failed(err) {
    stats.engineErrors++;
    engine = null;
    engineText = null;
    log.once(`trap:${err?.message}`, { event: 'engine-error', message: String(err?.message ?? err) });
  }

  return { get, current: () => engine, failed, manifestText, problem: () => engineProblem };
}
