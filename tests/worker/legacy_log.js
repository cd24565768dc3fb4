// Test only: the purge log with a way to write records the way its first
// storage layout did (one "r:<seq>" key per record), to check the upgrade.
import { PurgeLog } from '../../worker/purge_log.js';

export class LegacyPurgeLog extends PurgeLog {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/legacy-seed') return super.fetch(request);
    const { records } = await request.json();
    const batch = { seq: records.length, first: 1, floor: 0 };
    records.forEach((r, i) => { batch[`r:${String(i + 1).padStart(16, '0')}`] = { seq: i + 1, ...r }; });
    await this.storage.put(batch);
    return new Response('seeded');
  }
}

export default {
  fetch(request, env) {
    const ns = env.FRESHET_PURGE_LOG;
    return ns.get(ns.idFromName('freshet')).fetch(request);
  },
};
