// A stand-in for the global Durable Object namespace in the two-location
// test: one Miniflare instance hosts the purge log, and each "location"
// reaches it through a service binding (TOOLCHAIN.md: two instances cannot
// share a persisted Durable Object directory).
export { PurgeLog } from '../../worker/purge_log.js';

export default {
  fetch(request, env) {
    const ns = env.FRESHET_PURGE_LOG;
    return ns.get(ns.idFromName('freshet')).fetch(request);
  },
};
