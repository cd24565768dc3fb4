// Hit-for-pass: an answer the engine refused to store is remembered for a
// short while, so later requests for the same key go straight to the origin
// in parallel instead of queueing behind one another for a response that
// will not be shared (docs/operations.md).

export const HIT_FOR_PASS_MS = 10_000;
const MAX_KEYS = 10_000;

export class HitForPass {
  constructor({ ttlMs = HIT_FOR_PASS_MS, maxKeys = MAX_KEYS } = {}) {
    this.ttlMs = ttlMs;
    this.maxKeys = maxKeys;
    this.until = new Map(); // key -> ms, oldest first
  }

  /** Remembers that `key` was not storable at `nowMs`. */
  mark(key, nowMs) {
    this.until.delete(key);
    this.until.set(key, nowMs + this.ttlMs);
    while (this.until.size > this.maxKeys) this.until.delete(this.until.keys().next().value);
  }

  /** Whether requests for `key` should skip coalescing at `nowMs`. */
  active(key, nowMs) {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > nowMs) return true;
    this.until.delete(key);
    return false;
  }

  /** A stored answer ends the pass. */
  clear(key) {
    this.until.delete(key);
  }

  get size() {
    return this.until.size;
  }
}
