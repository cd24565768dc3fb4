// An origin whose clock runs behind: RFC 9111 4.2.3 counts the time since
// its Date as age, so every copy arrives aged (stale on arrival when the
// Date is behind by more than max-age). freshet says so once per route
// (log event origin-clock-behind, stat originClockBehind), and a route with
// "ageFromDate": false takes the age from Age and the round trip alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminCall, startOrigin, startWorker, stopAll, T0, WASM_BUILD } from './helpers.js';

const TOKEN = 'clock-token';
// The origin's clock, an hour behind the worker's (T0 + `at` seconds).
const behind = (s) => new Date(T0 - 3600_000 + s * 1000).toUTCString();

describe(`an origin clock behind the cache's (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  let stdout = '';
  before(async () => {
    const dated = (name) => (req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=600', date: behind(0) });
      res.end(`${name} ${n}`);
    };
    origin = await startOrigin({ '/rfc/page': dated('rfc'), '/own/page': dated('own'), '/own/aged': (req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=600', date: behind(0), age: '500' });
      res.end(`aged ${n}`);
    } });
    worker = await startWorker({
      origin: origin.url,
      manifest: {
        version: 1,
        defaults: { staleWhileRevalidate: 0, staleIfError: 0 },
        routes: [
          { name: 'rfc', pattern: '/rfc/*' },
          { name: 'own', pattern: '/own/*', ageFromDate: false },
        ],
      },
      bindings: { FRESHET_ADMIN_TOKEN: TOKEN },
      options: {
        handleRuntimeStdio(out, err) {
          out.on('data', (d) => { stdout += d; });
          err.resume();
        },
      },
    });
  });
  after(() => stopAll(worker, origin));

  const events = () => stdout.split('\n').filter((l) => l.includes('"origin-clock-behind"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));

  // The answers to GETs of `pathname` at each of `times` (s after T0), in order.
  const series = async (pathname, times) => {
    const out = [];
    for (const at of times) out.push(await worker.fetch(pathname, { at }));
    return out;
  };

  test('by default the hour counts as age: stale on arrival, every request goes to the origin', async () => {
    const [first, second] = await series('/rfc/page', [0, 5]);
    assert.match(first.cacheStatus, /stored; ttl=-3000; detail="stale-on-arrival"/);
    assert.notEqual(second.xcache, 'HIT');
    assert.deepEqual([first.text, second.text, origin.hits('/rfc/page')], ['rfc 1', 'rfc 2', 2]);
  });

  test('"ageFromDate": false: the age is Age and the round trip, the copy is fresh for its max-age', async () => {
    const answers = await series('/own/page', [0, 5, 599, 601]);
    assert.match(answers[0].cacheStatus, /stored; ttl=600/);
    assert.deepEqual(answers.map((r) => [r.xcache, r.text, r.headers.get('age')]), [
      ['MISS', 'own 1', null],
      ['HIT', 'own 1', '5'],
      ['HIT', 'own 1', '599'],
      ['EXPIRED', 'own 2', null], // expired after its 600 s
    ]);
    assert.equal(origin.hits('/own/page'), 2);
    // An upstream cache's Age still counts.
    const [aged, later] = await series('/own/aged', [0, 50]);
    assert.match(aged.cacheStatus, /stored; ttl=100/);
    assert.equal(later.headers.get('age'), '550');
  });

  test('said once per route in the log, and counted', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const seen = events();
    assert.deepEqual(seen.map((e) => e.route).sort(), ['own', 'rfc'], stdout);
    const rfc = seen.find((e) => e.route === 'rfc');
    assert.equal(rfc.date, behind(0));
    assert.equal(rfc.received, new Date(T0).toUTCString());
    assert.equal(rfc.age, 3600);
    assert.equal(seen.find((e) => e.route === 'own').age, 0);
    const stats = JSON.parse((await adminCall(worker, TOKEN, 'stats', {}, 700)).text).isolate;
    assert.ok(stats.originClockBehind >= 4, JSON.stringify(stats));
  });

  test('inspect shows which routes take the age from Date', async () => {
    const route = async (url) => JSON.parse((await adminCall(worker, TOKEN, 'inspect', { url }, 700)).text).route;
    const rfc = await route('https://example.com/rfc/page');
    const own = await route('https://example.com/own/page');
    assert.equal(rfc.name, 'rfc');
    assert.equal(rfc.ageFromDate, true);
    assert.equal(own.ageFromDate, false);
  });
});
