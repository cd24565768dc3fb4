// Bench peer: Hono's cache middleware in front of the same origin.
import { Hono } from 'hono';
import { cache } from 'hono/cache';

const app = new Hono();
app.get('*', cache({ cacheName: 'bench', wait: false }));
app.get('*', async (c) => {
  const u = new URL(c.req.url);
  const resp = await fetch(c.env.ORIGIN + u.pathname + u.search);
  return new Response(resp.body, resp);
});

export default app;
