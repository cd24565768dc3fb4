// Bench peer: a bare pass-through worker (no cache at all).
export default {
  fetch(request, env) {
    const u = new URL(request.url);
    return fetch(env.ORIGIN + u.pathname + u.search);
  },
};
