// Waiting for every one of several writes. Promise.all settles at the first
// rejection while the other writes still run; a write started from
// ctx.waitUntil then outlives the promise the platform waits for, and its
// I/O is cancelled with the request (a put still reading a body stops
// half-way, and readers of the coalescing hub wait for it forever).

/**
 * Resolves once every promise has settled: with their values, or by
 * rejecting with the first rejection's reason.
 * @template T
 * @param {Iterable<T|Promise<T>>} promises
 * @returns {Promise<T[]>}
 */
export async function allSettledOrThrow(promises) {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => r.value);
}
