// Bench worker (bench/hitcpu.mjs): the hit-CPU bench's peers inside workerd,
// each over an in-memory Cache API stand-in, so the figure is the CPU of
// each worker's own logic with workerd's native Request, Response and
// Headers. GET /?peer=<name>&n=<hits>[&stored=<k>] runs n hits of that peer
// in this one request; the caller times the whole request (timers in
// workerd do not advance while a request computes). `lean=1` on the first
// request makes the freshet peer "freshet lean". freshet.wasm is a
// module beside the bundle (bench/hitcpu.mjs puts it there).
import wasm from './freshet.wasm';
import { hitPeers, runHits } from '../lib/hit_peers.mjs';

let state = null;

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    // lean=1 on the first request: freshet's manifest turns x-cache and
    // Server-Timing off (bench/lib/hit_peers.mjs).
    state ??= hitPeers(wasm, { lean: q.get('lean') === '1' });
    const peer = state.peers[q.get('peer')];
    if (!peer) return new Response(`peers: ${Object.keys(state.peers).join(', ')}\n`, { status: 404 });
    const last = await runHits(peer, state.ctx, state.settle, Number(q.get('n') ?? 1), Number(q.get('stored') ?? 0));
    const headers = { 'x-last-cache': last?.headers.get('x-cache') ?? '', 'x-last-status': last?.headers.get('cache-status') ?? '' };
    return new Response(null, { status: 204, headers });
  },
};
