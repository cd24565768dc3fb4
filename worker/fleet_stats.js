// Fleet stats (docs/admin.md "Stats"): each isolate sends the purge log
// the deltas of a few counters now and then, off the request path
// (purge_sync.js), and the log adds them up per location and for the fleet.

/** The counters an isolate reports (names as in the isolate's stats). */
export const FLEET_COUNTERS = Object.freeze([
  'requests',
  'hits',
  'staleHits',
  'misses',
  'expired',
  'revalidated',
  'originFetches',
  'coalescedWaits',
  'staleIfError',
  'purges',
  'invalidations',
  'unprovenRevalidations',
]);

const MAX_LOCATIONS = 1000;
const MAX_ISOLATES = 5000;
// An isolate not heard from for this long no longer counts as active.
const ACTIVE_MS = 10 * 60_000;

/** The reported counters of an isolate's stats object, as plain numbers. */
export function pickCounters(source) {
  const out = {};
  for (const name of FLEET_COUNTERS) {
    const v = Number(source?.[name]);
    out[name] = Number.isFinite(v) && v > 0 ? v : 0;
  }
  return out;
}

/** `current - previous` per counter (never negative); null when all are zero. */
export function counterDeltas(current, previous = {}) {
  const out = {};
  let any = false;
  for (const name of FLEET_COUNTERS) {
    const d = (current[name] ?? 0) - (previous[name] ?? 0);
    out[name] = d > 0 ? d : 0;
    if (d > 0) any = true;
  }
  return any ? out : null;
}

function add(into, deltas) {
  for (const name of FLEET_COUNTERS) {
    const v = Number(deltas?.[name]);
    if (Number.isFinite(v) && v > 0 && v < 1e12) into[name] = (into[name] ?? 0) + v;
  }
}

/** An empty aggregate. */
export function emptyFleet() {
  return { totals: pickCounters({}), locations: {}, isolates: {}, reports: 0, since: null };
}

/**
 * Adds one report ({isolate, location, deltas}) received at `nowMs` to the
 * aggregate `fleet` (changed in place). Bad reports are ignored.
 */
export function addReport(fleet, report, nowMs) {
  if (!report || typeof report !== 'object' || typeof report.deltas !== 'object' || report.deltas === null) return false;
  const location = typeof report.location === 'string' && report.location ? report.location.slice(0, 64) : 'unknown';
  const isolate = typeof report.isolate === 'string' && report.isolate ? report.isolate.slice(0, 64) : 'unknown';
  if (!fleet.locations[location] && Object.keys(fleet.locations).length >= MAX_LOCATIONS) return false;
  add(fleet.totals, report.deltas);
  const loc = (fleet.locations[location] ??= pickCounters({}));
  add(loc, report.deltas);
  fleet.isolates[isolate] = { location, seen: nowMs };
  const ids = Object.keys(fleet.isolates);
  if (ids.length > MAX_ISOLATES) {
    ids.sort((a, b) => fleet.isolates[a].seen - fleet.isolates[b].seen);
    for (const id of ids.slice(0, ids.length - MAX_ISOLATES)) delete fleet.isolates[id];
  }
  fleet.reports++;
  fleet.since ??= nowMs;
  return true;
}

function ratio(c) {
  const served = c.hits + c.staleHits + c.misses + c.expired + c.revalidated;
  return served > 0 ? Math.round(((c.hits + c.staleHits) / served) * 10_000) / 10_000 : null;
}

/** What the admin route shows: totals and per location, with hit ratios. */
export function fleetView(fleet, nowMs) {
  const active = {};
  for (const { location, seen } of Object.values(fleet.isolates)) {
    if (nowMs - seen <= ACTIVE_MS) active[location] = (active[location] ?? 0) + 1;
  }
  const locations = {};
  for (const [name, c] of Object.entries(fleet.locations)) {
    locations[name] = { ...c, hitRatio: ratio(c), activeIsolates: active[name] ?? 0 };
  }
  return {
    ...fleet.totals,
    hitRatio: ratio(fleet.totals),
    locations,
    activeIsolates: Object.values(active).reduce((a, b) => a + b, 0),
    isolatesSeen: Object.keys(fleet.isolates).length,
    reports: fleet.reports,
    since: fleet.since === null ? null : new Date(fleet.since).toISOString(),
  };
}
