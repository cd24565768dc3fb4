// The handler's structured log: one sink, and events that are worth
// logging only once per isolate (a broken manifest, a trap, a hook error).

/**
 * @typedef {object} Log
 * @property {(event: object) => void} log every event
 * @property {(kind: string, event: object) => void} once the first event of each `kind` only
 */

/**
 * @param {(event: object) => void} [sink] default: one JSON line per event on console.log
 * @returns {Log}
 */
export function createLog(sink) {
  const log = sink ?? ((event) => console.log(JSON.stringify({ freshet: 1, ...event })));
  const seen = new Set();
  return {
    log,
    once(kind, event) {
      if (seen.has(kind)) return;
      seen.add(kind);
      log(event);
    },
  };
}
