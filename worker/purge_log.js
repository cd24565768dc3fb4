// The purge log: a Durable Object that orders every purge and hands new
// records to each isolate that asks (docs/admin.md "Propagation"). One
// instance ("freshet") serves every location. It also adds up the fleet's
// counters (fleet_stats.js).
//
// Storage: records live in segments of up to SEGMENT records under
// "s:<last seq, zero-padded>", so a pull reads a few values, not one per
// record. A publish carries an id; the same id again answers the first
// publish's sequence number without appending (retries are idempotent).
//
// Compaction (docs/admin.md "Compaction"): a segment whose newest record is
// older than the horizon (the longest platform lifetime, a year) at the
// publisher's clock folds away, noted in `compacted`: isolates revalidate
// entries stored before it. Past LOG_LIMIT records the oldest segment folds
// into `floor`, a soft purge of everything up to its newest record, for
// isolates that fell that far behind.

import { PURGE_HORIZON_MS } from './purge.js';
import { addReport, emptyFleet, fleetView } from './fleet_stats.js';

const SEGMENT = 500;
const LOG_LIMIT = 2_000_000;
const PUBLISH_MAX = 10_000; // records per publish
const PAGE_MAX = 20_000; // records per pull answer
const MAX_BODY = 4 * 1024 * 1024;
const KINDS = ['url', 'prefix', 'tag', 'all'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
const ID_RE = /^[A-Za-z0-9._:-]{1,80}$/; // an admin id (64) and a batch suffix

const pad = (n) => String(n).padStart(16, '0');

function valid(r) {
  return (
    r && KIND_CODE.has(r.kind) && typeof r.soft === 'boolean' && Number.isFinite(r.at) && r.at >= 0 &&
    (r.kind === 'all' || (typeof r.value === 'string' && r.value.length > 0 && r.value.length <= 2048))
  );
}

/** A record on the wire and in storage: [seq, kind code, value, soft 0/1, at]. */
export function packRecord(seq, r) {
  return [seq, KIND_CODE.get(r.kind), r.kind === 'all' ? '' : r.value, r.soft ? 1 : 0, r.at];
}

/** The record object of a packed record (null when malformed). */
export function unpackRecord(p) {
  if (!Array.isArray(p) || p.length !== 5) return null;
  const kind = KINDS[p[1]];
  if (!kind || !Number.isFinite(p[0]) || !Number.isFinite(p[4])) return null;
  return { seq: p[0], kind, value: p[2], soft: p[3] === 1, at: p[4] };
}

function answer(body, status = 200) {
  return Response.json(body, { status });
}

async function readBody(request) {
  const declared = Number(request.headers.get('content-length'));
  if (declared > MAX_BODY) return null;
  const text = await request.text();
  if (text.length > MAX_BODY) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

export class PurgeLog {
  constructor(ctx, env) {
    this.storage = ctx.storage;
    const h = Number(env?.FRESHET_PURGE_HORIZON_S);
    this.horizonMs = Number.isFinite(h) && h > 0 ? h * 1000 : PURGE_HORIZON_MS;
    this.fleet = null; // loaded on first use
  }

  async fetch(request) {
    try {
      return await this.route(request);
    } catch (err) {
      return answer({ error: String(err?.message ?? err) }, 500);
    }
  }

  async route(request) {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.pathname === '/publish') return this.publish(await readBody(request));
    if (request.method === 'GET' && url.pathname === '/since') return this.since(url.searchParams);
    if (request.method === 'POST' && url.pathname === '/report') return this.report(await readBody(request));
    if (request.method === 'GET' && url.pathname === '/stats') return this.stats();
    return new Response('not found', { status: 404 });
  }

  async meta() {
    const got = await this.storage.get(['seq', 'meta']);
    const seq = got.get('seq') ?? 0;
    const meta = got.get('meta') ?? (seq > 0 ? await this.migrate() : null);
    return { seq, meta: meta ?? { first: 1, floor: 0, compacted: 0 } };
  }

  // The first log kept one key per record ("r:<seq>", at most 10,000 of
  // them) and "first" / "floor" keys: folds them into segments, once.
  async migrate() {
    const got = await this.storage.get(['first', 'floor']);
    const meta = { first: got.get('first') ?? 1, floor: got.get('floor') ?? 0, compacted: 0 };
    const old = await this.storage.list({ prefix: 'r:' });
    const records = [...old.values()].filter((r) => valid(r) && Number.isFinite(r.seq));
    const puts = [];
    for (let i = 0; i < records.length; i += SEGMENT) {
      const part = records.slice(i, i + SEGMENT).map((r) => packRecord(r.seq, r));
      const last = part.at(-1)[0];
      puts.push([`s:${pad(last)}`, { last, maxAt: part.reduce((m, p) => Math.max(m, p[4]), 0), records: part, ids: [] }]);
    }
    for (let i = 0; i < puts.length; i += 100) await this.storage.put(Object.fromEntries(puts.slice(i, i + 100)));
    const keys = [...old.keys(), 'first', 'floor'];
    for (let i = 0; i < keys.length; i += 100) await this.storage.delete(keys.slice(i, i + 100));
    await this.storage.put('meta', meta);
    return meta;
  }

  async publish(body) {
    const records = body?.records;
    if (!Array.isArray(records) || records.length === 0 || records.length > PUBLISH_MAX || !records.every(valid)) {
      return answer({ error: `records must be an array of 1 to ${PUBLISH_MAX} purge records` }, 400);
    }
    const id = body.id;
    if (id !== undefined && (typeof id !== 'string' || !ID_RE.test(id))) return answer({ error: 'id: 1-80 of A-Z a-z 0-9 . _ : -' }, 400);
    if (id !== undefined) {
      const seen = await this.storage.get(`i:${id}`);
      if (seen) return answer({ seq: seen.seq, count: seen.count, duplicate: true });
    }
    let { seq } = await this.meta();
    const first = seq + 1;
    const puts = [];
    for (let i = 0; i < records.length; i += SEGMENT) {
      const part = records.slice(i, i + SEGMENT).map((r) => packRecord(++seq, r));
      const maxAt = part.reduce((m, p) => Math.max(m, p[4]), 0);
      puts.push([`s:${pad(seq)}`, { last: seq, maxAt, records: part, ids: [] }]);
    }
    if (id !== undefined) {
      puts.at(-1)[1].ids.push(id);
      puts.push([`i:${id}`, { seq, count: records.length }]);
    }
    puts.push(['seq', seq]);
    for (let i = 0; i < puts.length; i += 100) await this.storage.put(Object.fromEntries(puts.slice(i, i + 100)));
    const now = Number(body.now);
    await this.compact(Number.isFinite(now) ? now : Date.now(), seq);
    return answer({ seq, first, count: records.length });
  }

  async since(params) {
    const after = Math.max(0, Math.trunc(Number(params.get('after'))) || 0);
    const asked = Math.trunc(Number(params.get('limit')));
    const limit = asked > 0 ? Math.min(asked, PAGE_MAX) : PAGE_MAX;
    const { seq, meta } = await this.meta();
    const behind = after + 1 < meta.first;
    const floors = behind ? { floor: meta.floor, compacted: meta.compacted } : { floor: 0, compacted: 0 };
    if (after >= seq) return answer({ seq, latest: seq, records: [], ...floors });
    const records = [];
    const start = `s:${pad(Math.max(after + 1, meta.first))}`;
    const listLimit = Math.ceil(limit / SEGMENT) + 1;
    const segments = await this.storage.list({ start, end: 's;', limit: listLimit });
    // A full page ends at the last segment read; the caller asks again from there.
    let last = seq;
    for (const segment of segments.values()) {
      for (const p of segment.records) if (p[0] > after) records.push(p);
      last = segment.last;
      if (records.length >= limit) break;
    }
    if (records.length < limit && segments.size < listLimit) last = seq;
    return answer({ seq: last, latest: seq, records, ...floors });
  }

  // Folds away segments older than the horizon, then any beyond LOG_LIMIT.
  async compact(nowMs, seq) {
    const { meta } = await this.meta();
    let dropped = 0;
    let done = false;
    for (let round = 0; round < 20 && !done; round++) {
      const oldest = await this.storage.list({ prefix: 's:', limit: 20 });
      done = oldest.size < 20;
      const keys = [];
      for (const [key, segment] of oldest) {
        const tooOld = segment.maxAt < nowMs - this.horizonMs;
        const tooMany = seq - meta.first + 1 > LOG_LIMIT;
        if (!tooOld && !tooMany) {
          done = true;
          break;
        }
        if (tooOld) meta.compacted = Math.max(meta.compacted, segment.maxAt);
        else meta.floor = Math.max(meta.floor, segment.maxAt);
        meta.first = segment.last + 1;
        keys.push(key, ...segment.ids.map((i) => `i:${i}`));
        dropped++;
      }
      for (let i = 0; i < keys.length; i += 100) await this.storage.delete(keys.slice(i, i + 100));
    }
    if (dropped) await this.storage.put('meta', meta);
  }

  async loadFleet() {
    this.fleet ??= (await this.storage.get('fleet')) ?? emptyFleet();
    return this.fleet;
  }

  async report(body) {
    const fleet = await this.loadFleet();
    if (!addReport(fleet, body, Date.now())) return answer({ error: 'a report is {isolate, location, deltas}' }, 400);
    await this.storage.put('fleet', fleet);
    return answer({ ok: true });
  }

  async stats() {
    const fleet = await this.loadFleet();
    const { seq, meta } = await this.meta();
    return answer({ fleet: fleetView(fleet, Date.now()), log: { seq, first: meta.first, floor: meta.floor, compacted: meta.compacted } });
  }
}
