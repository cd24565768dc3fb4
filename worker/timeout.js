// The per-route origin timeout (manifest `originTimeout`): the time an
// origin has to answer with its status and headers. A body that streams
// for longer is not cut off.

export class OriginTimeout extends Error {
  constructor(ms) {
    super(`the origin did not answer within ${ms} ms`);
    this.name = 'OriginTimeout';
  }
}

/**
 * Runs `doFetch(signal)`; if it has not resolved after `ms`, aborts it and
 * rejects with `timeoutError(ms)` (default: OriginTimeout). Also bounds
 * calls to the purge log (purge_sync.js).
 */
export async function fetchWithTimeout(doFetch, ms, timeoutError = (t) => new OriginTimeout(t)) {
  if (!(ms > 0)) return doFetch(undefined);
  const controller = new AbortController();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([doFetch(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
