// The purge log: a Durable Object that orders every purge and hands new
// records to each isolate that asks (docs/admin.md "Propagation"). One
// instance ("freshet") serves every location.
//
// Records are kept in the object's storage under zero-padded sequence
// numbers. The log keeps the newest `LIMIT` records; an isolate further
// behind gets a `floor`: a soft purge of everything up to the newest
// dropped record, so it purges too much, never too little.

const LIMIT = 10_000;
const PAGE = 1_000;
const KINDS = new Set(['url', 'prefix', 'tag', 'all']);

const pad = (n) => String(n).padStart(16, '0');

function valid(r) {
  return (
    r && KINDS.has(r.kind) && typeof r.soft === 'boolean' && Number.isFinite(r.at) &&
    (r.kind === 'all' || (typeof r.value === 'string' && r.value.length > 0 && r.value.length <= 2048))
  );
}

export class PurgeLog {
  constructor(ctx) {
    this.storage = ctx.storage;
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.pathname === '/publish') {
      const { records } = await request.json();
      if (!Array.isArray(records) || records.length > PAGE || !records.every(valid)) {
        return Response.json({ error: 'records must be an array of at most 1000 purge records' }, { status: 400 });
      }
      let seq = (await this.storage.get('seq')) ?? 0;
      const batch = {};
      for (const r of records) {
        seq++;
        batch[`r:${pad(seq)}`] = { seq, kind: r.kind, value: r.value, soft: r.soft, at: r.at };
      }
      batch.seq = seq;
      await this.storage.put(batch);
      await this.compact(seq);
      return Response.json({ seq });
    }
    if (request.method === 'GET' && url.pathname === '/since') {
      const after = Math.max(0, Number(url.searchParams.get('after')) || 0);
      const seq = (await this.storage.get('seq')) ?? 0;
      const first = (await this.storage.get('first')) ?? 1;
      const floor = after + 1 < first ? (await this.storage.get('floor')) ?? 0 : 0;
      const list = await this.storage.list({ start: `r:${pad(Math.max(after + 1, first))}`, end: `r:${pad(seq + 1)}`, limit: PAGE });
      const records = [...list.values()];
      // A full page: the caller asks again from the last record it got.
      const last = records.length === PAGE ? records.at(-1).seq : seq;
      return Response.json({ seq: last, records, floor });
    }
    return new Response('not found', { status: 404 });
  }

  // Drops the oldest records beyond LIMIT, remembering the newest dropped time.
  async compact(seq) {
    const first = (await this.storage.get('first')) ?? 1;
    const excess = seq - first + 1 - LIMIT;
    if (excess <= 0) return;
    const keys = [];
    let floor = (await this.storage.get('floor')) ?? 0;
    const old = await this.storage.list({ start: `r:${pad(first)}`, limit: excess });
    for (const [k, r] of old) {
      keys.push(k);
      floor = Math.max(floor, r.at);
    }
    for (let i = 0; i < keys.length; i += 128) await this.storage.delete(keys.slice(i, i + 128));
    await this.storage.put({ first: first + keys.length, floor });
  }
}
