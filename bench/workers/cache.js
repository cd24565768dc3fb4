// Bench peer: the platform's limit for a hit - caches.default.match, then
// on a miss fetch the origin and put the response.
export default {
  async fetch(request, env, ctx) {
    const cache = caches.default;
    const hit = await cache.match(request);
    if (hit) return hit;
    const u = new URL(request.url);
    const resp = await fetch(env.ORIGIN + u.pathname + u.search);
    ctx.waitUntil(cache.put(request, resp.clone()));
    return resp;
  },
};
