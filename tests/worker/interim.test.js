// Interim responses (RFC 9110 15.2) through the real worker in workerd: an
// origin on 127.0.0.1 that sends 102 Processing and/or 103 Early Hints
// before its final answer. workerd's fetch() takes the first 1xx for the
// final response (tests/conformance/platform_limits.mjs, check 4); the
// worker reads the final response past it (worker/interim.js). The request
// never fails, the final response is what is served and stored, and no
// interim response or its fields are ever stored. Every test checks origin
// hit counts; time moves through x-freshet-test-now.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startWorker, WASM_BUILD } from './helpers.js';
import { finalResponse, InterimResponseError } from '../../worker/interim.js';

const manifest = {
  version: 1,
  defaults: { bypassHeaders: [] },
  routes: [
    { name: 'pages', pattern: '/*' },
    { name: 'off', pattern: '/off/*', cache: false },
  ],
};

const hints = { link: '</s.css>; rel=preload; as=style', 'x-my-header': 'test' };

describe(`interim responses (${WASM_BUILD} build)`, () => {
  let origin;
  let worker;
  before(async () => {
    const later = (fn) => setTimeout(fn, 10);
    origin = await startOrigin({
      '/hints': (req, res, n) => {
        res.writeEarlyHints(hints);
        later(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=100', 'content-length': String(`hints ${n}`.length) });
          res.end(`hints ${n}`);
        });
      },
      '/processing': (req, res, n) => {
        res.writeProcessing();
        later(() => {
          // Chunked, in several writes.
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=100' });
          res.write('processing ');
          later(() => res.end(`${n}`));
        });
      },
      '/both': (req, res, n) => {
        res.writeProcessing();
        res.writeEarlyHints(hints);
        res.writeProcessing();
        later(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=100', etag: '"b1"' });
          res.end(`both ${n}`);
        });
      },
      '/hints-no-store': (req, res, n) => {
        res.writeEarlyHints(hints);
        later(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
          res.end(`no-store ${n}`);
        });
      },
      '/off/hints': (req, res, n) => {
        res.writeEarlyHints(hints);
        later(() => {
          res.writeHead(201, { 'content-type': 'text/plain', 'x-final': 'yes' });
          res.end(`off ${n}`);
        });
      },
    });
    worker = await startWorker({ origin: origin.url, manifest });
  });
  after(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  test('103 Early Hints before the final response: served, stored, hints not kept', async () => {
    const started = Date.now();
    const a = await worker.fetch('/hints');
    assert.equal(a.status, 200);
    assert.equal(a.text, 'hints 1');
    assert.equal(a.xcache, 'MISS');
    assert.match(a.cacheStatus, /stored/);
    assert.equal(a.headers.get('x-my-header'), null, 'fields of the 103 are not the final response');
    assert.equal(a.headers.get('link'), null);
    assert.ok(Date.now() - started < 4000, 'the framed body ends the read (no wait for the connection to close)');
    const b = await worker.fetch('/hints', { at: 50 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'hints 1');
    assert.equal(b.headers.get('x-my-header'), null);
    assert.equal(origin.hits('/hints'), 1);
  });

  test('102 Processing, then a chunked body in several writes', async () => {
    const a = await worker.fetch('/processing');
    assert.equal(a.status, 200);
    assert.equal(a.text, 'processing 1');
    const b = await worker.fetch('/processing', { at: 10 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(b.text, 'processing 1');
    assert.equal(origin.hits('/processing'), 1);
  });

  test('several interim responses in a row', async () => {
    const a = await worker.fetch('/both');
    assert.equal(a.text, 'both 1');
    assert.equal(a.headers.get('etag'), '"b1"');
    const b = await worker.fetch('/both', { at: 10 });
    assert.equal(b.xcache, 'HIT');
    assert.equal(origin.hits('/both'), 1);
  });

  test('the final response decides storability, not the interim one', async () => {
    const a = await worker.fetch('/hints-no-store');
    assert.equal(a.text, 'no-store 1');
    assert.match(a.cacheStatus, /detail="no-store"/);
    const b = await worker.fetch('/hints-no-store', { at: 1 });
    assert.equal(b.text, 'no-store 2');
    assert.equal(origin.hits('/hints-no-store'), 2);
  });

  test('a bypassed request gets the final response too', async () => {
    const a = await worker.fetch('/off/hints');
    assert.equal(a.status, 201);
    assert.equal(a.text, 'off 1');
    assert.equal(a.headers.get('x-final'), 'yes');
    assert.equal(a.xcache, 'BYPASS');
    assert.equal(origin.hits('/off/hints'), 1);
  });
});

// finalResponse() on the bytes workerd hands over, without a network.
describe('finalResponse', () => {
  // A Response cannot carry a 1xx status: a stand-in with the same shape.
  const fake = (raw, status = 103) => ({ status, headers: new Headers({ link: '<x>' }), body: new Blob([raw]).stream() });

  test('a final response passes through untouched', async () => {
    const r = new Response('x', { status: 200 });
    assert.equal(await finalResponse(r, 'GET'), r);
  });

  test('Content-Length and chunked bodies, trailers and extensions', async () => {
    const cl = await finalResponse(fake('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nx-a: 1\r\n\r\nabcEXTRA'), 'GET');
    assert.equal(cl.status, 200);
    assert.equal(cl.headers.get('x-a'), '1');
    assert.equal(await cl.text(), 'abc');
    const chunked = await finalResponse(fake('HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: 1\r\n\r\nGARBAGE'), 'GET');
    assert.equal(chunked.status, 404);
    assert.equal(chunked.statusText, 'Not Found');
    assert.equal(chunked.headers.get('transfer-encoding'), null);
    assert.equal(await chunked.text(), 'abcde');
    const twice = await finalResponse(fake('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: <y>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), 'GET');
    assert.equal(twice.status, 204);
    assert.equal(twice.headers.get('link'), null);
    const head = await finalResponse(fake('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n'), 'HEAD');
    assert.equal(head.body, null);
  });

  test('broken bytes reject: the request is then an origin failure', async () => {
    for (const raw of [
      '',
      'garbage\r\n\r\n',
      'HTTP/1.1 200 OK\r\n bad: fold\r\n\r\n',
      'HTTP/1.1 200 OK\r\nbad : x\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\nab',
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
      'HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(20),
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n',
    ]) {
      await assert.rejects(finalResponse(fake(raw), 'GET'), InterimResponseError, JSON.stringify(raw));
    }
    const truncated = await finalResponse(fake('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab'), 'GET');
    await assert.rejects(truncated.text(), InterimResponseError);
    const badChunk = await finalResponse(fake('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'), 'GET');
    await assert.rejects(badChunk.text(), InterimResponseError);
  });
});
