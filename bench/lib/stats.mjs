// Small statistics helpers for the bench: medians of repeated runs.
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nanoseconds per item for `fn(n)`, which handles n items. */
export function nsPer(fn, n, items) {
  const t = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t) / items;
}

export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** The q-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * A small seeded generator (mulberry32): numbers in [0, 1), the same
 * sequence for the same seed (bootstrap resamples, the soak's faults).
 */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 95% confidence interval of the median of `xs` by the percentile
 * bootstrap (`resamples` resamples with replacement, a fixed seed):
 * [low, high]. Tells how far a median of noisy samples can be trusted.
 */
export function medianCi95(xs, { resamples = 2000, seed = 1 } = {}) {
  if (xs.length === 0) return [NaN, NaN];
  const next = seeded(seed);
  const medians = [];
  const pick = new Array(xs.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < xs.length; i++) pick[i] = xs[Math.floor(next() * xs.length)];
    medians.push(median(pick));
  }
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}
